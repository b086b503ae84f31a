/** The `async_jobs` table (schema v11) as a narrow port for async-jobs.ts. */
import type { Client } from '@libsql/client';
import { jobPath } from '../../shared/http/job-path.ts';

/** `expired`: completed, but its result was deleted early to keep the app within its retained-results budget. */
export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'expired';

/** A job in one of these is over: only a queued run reads the request body, so a final row drops it. */
export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled', 'expired'];
const FINAL_SQL = FINAL_STATUSES.map((s) => `'${s}'`).join(', ');

export interface JobRow {
  readonly id: string;
  readonly appId: string;
  readonly proxyId: string;
  readonly method: string;
  /** `/v4/<project>/<app>/<fn>?query` as the caller sent it (without `async` / `sy_*`). */
  readonly publicPath: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | null;
  readonly claimsJson: string;
  /** May run twice: an idempotent method or an Idempotency-Key from the caller. */
  readonly retryable: boolean;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly resultStatus: number | null;
  readonly resultType: string | null;
  readonly resultPath: string | null;
  readonly resultBytes: number | null;
  readonly error: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt: number;
  /** Where to POST the signed completion notice, if the caller asked for one. */
  readonly webhookUrl: string | null;
  /**
   * When its notice was dropped unsent because its app's webhook line was full (webhook-lanes.ts);
   * null when it was not (absent on rows built in code before their first read).
   */
  readonly webhookDroppedAt?: number | null;
}

export type JobUpdate = Partial<Pick<JobRow, 'status' | 'attempts' | 'resultStatus' | 'resultType' | 'resultPath' | 'resultBytes' | 'error' | 'expiresAt' | 'webhookDroppedAt'>>;

const COLUMNS: Record<keyof JobUpdate, string> = {
  status: 'status',
  attempts: 'attempts',
  resultStatus: 'result_status',
  resultType: 'result_type',
  resultPath: 'result_path',
  resultBytes: 'result_bytes',
  error: 'error',
  expiresAt: 'expires_at',
  webhookDroppedAt: 'webhook_dropped_at',
};

function toRow(r: Record<string, unknown>): JobRow {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  const body = r['body'];
  return {
    id: String(r['id']),
    appId: String(r['app_id']),
    proxyId: String(r['proxy_id']),
    method: String(r['method']),
    publicPath: String(r['public_path']),
    headers: JSON.parse(String(r['headers_json'])) as Record<string, string>,
    body: body instanceof ArrayBuffer ? new Uint8Array(body) : body instanceof Uint8Array ? body : null,
    claimsJson: String(r['claims_json']),
    retryable: Number(r['retryable']) !== 0,
    status: String(r['status']) as JobStatus,
    attempts: Number(r['attempts']),
    resultStatus: num(r['result_status']),
    resultType: s(r['result_type']),
    resultPath: s(r['result_path']),
    resultBytes: num(r['result_bytes']),
    error: s(r['error']),
    createdAt: Number(r['created_at']),
    updatedAt: Number(r['updated_at']),
    expiresAt: Number(r['expires_at']),
    webhookUrl: s(r['webhook_url']),
    webhookDroppedAt: num(r['webhook_dropped_at']),
  };
}

export interface JobStore {
  insert(job: JobRow): Promise<void>;
  get(id: string): Promise<JobRow | null>;
  /** Only while the job is in one of `from` (no resurrecting a cancelled job); true when it moved. */
  update(id: string, from: readonly JobStatus[], change: JobUpdate, now: number): Promise<boolean>;
  /**
   * This proxy's queued or running jobs created before `before` (its boot: not the ones submitted
   * to it since, nor a live sibling worker's), oldest first, `limit` after `after` (a page), with
   * `body` null: a restart takes them back without holding every body at once.
   */
  unfinished(proxyId: string, before: number, after: { createdAt: number; id: string } | null, limit: number): Promise<JobRow[]>;
  /** The app's webhook signing secret, or null when it has none. */
  webhookSecret(appId: string): Promise<string | null>;
  /** Finished jobs past their retention: returns their result files, rows deleted. */
  expire(now: number): Promise<string[]>;
  /**
   * This proxy's completed jobs that ended before `before` (its boot: not a live sibling worker's
   * since) whose result file is kept, oldest end first: the restart's count against app budgets.
   */
  retained(proxyId: string, before: number): Promise<RetainedRow[]>;
  /** Which of `ids` are cancelled (another worker or proxy took the DELETE). */
  cancelledAmong(ids: readonly string[]): Promise<string[]>;
}

export interface RetainedRow {
  readonly id: string;
  readonly appId: string;
  readonly path: string;
  readonly bytes: number;
  readonly expiresAt: number;
}

/** Ids per statement of a cancel check (well under SQLite's bound-parameter limit). */
const CANCEL_CHECK_CHUNK = 500;

const NO_BODY = 'id, app_id, proxy_id, method, public_path, headers_json, claims_json, retryable, status, attempts, result_status, result_type, result_path, result_bytes, error, created_at, updated_at, expires_at, webhook_url';

export function libsqlJobStore(client: Client): JobStore {
  return {
    async insert(j) {
      await client.execute({
        sql: `INSERT INTO async_jobs (id, app_id, proxy_id, method, public_path, headers_json, body, claims_json, retryable,
                status, attempts, created_at, updated_at, expires_at, webhook_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        args: [j.id, j.appId, j.proxyId, j.method, j.publicPath, JSON.stringify(j.headers), j.body, j.claimsJson, j.retryable ? 1 : 0, j.status, j.attempts, j.createdAt, j.updatedAt, j.expiresAt, j.webhookUrl],
      });
    },
    async get(id) {
      const rs = await client.execute({ sql: 'SELECT * FROM async_jobs WHERE id = ?', args: [id] });
      const r = rs.rows[0];
      return r === undefined ? null : toRow(r as unknown as Record<string, unknown>);
    },
    async update(id, from, change, now) {
      const keys = Object.keys(change) as Array<keyof JobUpdate>;
      const sets = keys.map((k) => `${COLUMNS[k]} = ?`);
      // The request body (up to the app's maxBodyBytes) is dead weight in the shared database once the job is over.
      if (change.status !== undefined && FINAL_STATUSES.includes(change.status)) sets.push('body = NULL');
      const args = keys.map((k) => change[k] ?? null) as Array<string | number | null>;
      const rs = await client.execute({
        sql: `UPDATE async_jobs SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
        args: [...args, now, id, ...from],
      });
      return rs.rowsAffected > 0;
    },
    async unfinished(proxyId, before, after, limit) {
      const from = after ?? { createdAt: -1, id: '' };
      const rs = await client.execute({
        sql: `SELECT ${NO_BODY} FROM async_jobs WHERE proxy_id = ? AND status IN ('queued', 'running') AND created_at < ?
                AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?`,
        args: [proxyId, before, from.createdAt, from.createdAt, from.id, limit],
      });
      return rs.rows.map((r) => toRow(r as unknown as Record<string, unknown>));
    },
    async webhookSecret(appId) {
      const rs = await client.execute({ sql: 'SELECT secret FROM job_webhook_secrets WHERE app_id = ?', args: [appId] });
      const v = rs.rows[0]?.['secret'];
      return typeof v === 'string' ? v : null;
    },
    async expire(now) {
      const rs = await client.execute({ sql: `SELECT result_path FROM async_jobs WHERE expires_at <= ? AND status IN (${FINAL_SQL})`, args: [now] });
      await client.execute({ sql: `DELETE FROM async_jobs WHERE expires_at <= ? AND status IN (${FINAL_SQL})`, args: [now] });
      return rs.rows.map((r) => r['result_path']).filter((p): p is string => typeof p === 'string');
    },
    async cancelledAmong(ids) {
      const out: string[] = [];
      for (let i = 0; i < ids.length; i += CANCEL_CHECK_CHUNK) {
        const chunk = ids.slice(i, i + CANCEL_CHECK_CHUNK);
        const rs = await client.execute({ sql: `SELECT id FROM async_jobs WHERE status = 'cancelled' AND id IN (${chunk.map(() => '?').join(', ')})`, args: [...chunk] });
        for (const r of rs.rows) out.push(String(r['id']));
      }
      return out;
    },
    async retained(proxyId, before) {
      const rs = await client.execute({
        sql: `SELECT id, app_id, result_path, result_bytes, expires_at FROM async_jobs
                WHERE proxy_id = ? AND status = 'completed' AND result_path IS NOT NULL AND updated_at < ? ORDER BY expires_at, id`,
        args: [proxyId, before],
      });
      return rs.rows.map((r) => ({ id: String(r['id']), appId: String(r['app_id']), path: String(r['result_path']), bytes: Number(r['result_bytes'] ?? 0), expiresAt: Number(r['expires_at']) }));
    },
  };
}

/** What status answers and webhooks say about a job (never its request headers or body). */
export function jobView(job: JobRow): Record<string, unknown> {
  const base = jobPath(job.id);
  return {
    id: job.id,
    app: job.appId,
    status: job.status,
    attempts: job.attempts,
    statusUrl: base,
    resultUrl: job.status === 'completed' ? `${base}/result` : null,
    resultStatus: job.resultStatus,
    resultBytes: job.resultBytes,
    error: job.error,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    expiresAt: job.expiresAt === Number.MAX_SAFE_INTEGER ? null : job.expiresAt,
    // Only on jobs that asked for a webhook: null = not dropped (sent, failing, or still to go).
    ...(job.webhookUrl === null ? {} : { webhookDroppedAt: job.webhookDroppedAt ?? null }),
  };
}

