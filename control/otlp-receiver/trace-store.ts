/**
 * The one reader and writer of the `trace_spans` table (see shared/schema/migrations.ts): the receiver
 * writes and prunes it, the dashboard and the e2e tests read it through here. Times leave as numbers (nanoseconds since the epoch as a double:
 * exact to about a quarter microsecond, plenty for a trace view); ids are lowercase hex.
 */
import type { Client, InStatement, Row } from '@libsql/client';
import type { SpanRow } from './decode-otlp-json.ts';
import { fairRowCaps } from './fair-row-caps.ts';

export interface TraceSummary {
  readonly traceId: string;
  /** The root span's name (the earliest span whose parent is not in this trace). */
  readonly rootName: string;
  /** The root span's service (`service.name`). */
  readonly service: string;
  readonly startUnixNano: number;
  /** From the earliest start to the latest end of the trace's spans. */
  readonly durationMs: number;
  readonly spanCount: number;
  /** Some span ended with status ERROR. */
  readonly error: boolean;
  /** How many spans ended with status ERROR. */
  readonly errorCount: number;
  /** Every service with a span in the trace, comma-separated, sorted. */
  readonly services: string;
}

export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly service: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly startUnixNano: number;
  readonly endUnixNano: number;
  readonly durationMs: number;
  /** OTLP Status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly attributes: Record<string, unknown>;
}

export interface Retention {
  /**
   * Spans kept, shared between projects (fair-row-caps.ts): past it each project over its share
   * loses its oldest spans on the next prune, so one tenant's burst never prunes another's.
   */
  readonly maxRows: number;
  /** Spans that started longer ago than this are deleted on the next prune. */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETENTION: Retention = { maxRows: 50_000, maxAgeMs: 24 * 3_600_000 };

const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : Number(v ?? 0));
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * Stores spans; a span sent twice (an exporter retry) replaces itself. A span takes its trace's
 * project: its own `switchyard.project`, else one stored for the trace; a trace's spans exported
 * before its server span (children end first) take the project when that span arrives.
 */
export async function insertSpans(db: Client, rows: readonly SpanRow[]): Promise<void> {
  if (rows.length === 0) return;
  const stmts: InStatement[] = rows.map((r) => ({
    sql: `INSERT OR REPLACE INTO trace_spans (trace_id, span_id, parent_span_id, name, service, kind,
            start_unix_nano, end_unix_nano, status_code, attributes_json, project)
          VALUES (?, ?, ?, ?, ?, ?, CAST(? AS INTEGER), CAST(? AS INTEGER), ?, ?,
            COALESCE(NULLIF(?, ''), (SELECT project FROM trace_spans WHERE trace_id = ? AND project <> '' LIMIT 1), ''))`,
    args: [r.traceId, r.spanId, r.parentSpanId, r.name, r.service, r.kind, r.startUnixNano, r.endUnixNano, r.statusCode, JSON.stringify(r.attributes), r.project, r.traceId],
  }));
  const named = new Map<string, string>();
  for (const r of rows) if (r.project !== '' && !named.has(r.traceId)) named.set(r.traceId, r.project);
  for (const [traceId, project] of named) {
    stmts.push({ sql: `UPDATE trace_spans SET project = ? WHERE trace_id = ? AND project = ''`, args: [project, traceId] });
  }
  await db.batch(stmts, 'write');
}

/**
 * Deletes spans older than the age limit, then each project's oldest past its fair share of the
 * row cap (fair-row-caps.ts); returns how many went.
 */
export async function pruneSpans(db: Client, retention: Retention, nowMs: number): Promise<number> {
  const cutoff = (BigInt(Math.max(0, Math.floor(nowMs - retention.maxAgeMs))) * 1_000_000n).toString();
  const byAge = await db.execute({ sql: 'DELETE FROM trace_spans WHERE start_unix_nano < CAST(? AS INTEGER)', args: [cutoff] });
  const counts = await db.execute('SELECT project, COUNT(*) AS n FROM trace_spans GROUP BY project');
  const caps = fairRowCaps(new Map(counts.rows.map((r) => [str(r['project']), num(r['n'])])), retention.maxRows);
  if (caps.size === 0) return byAge.rowsAffected;
  const stmts: InStatement[] = [...caps].map(([project, keep]) =>
    keep <= 0
      ? { sql: 'DELETE FROM trace_spans WHERE project = ?', args: [project] }
      : {
          sql: `DELETE FROM trace_spans WHERE project = ? AND start_unix_nano < (
                  SELECT start_unix_nano FROM trace_spans WHERE project = ? ORDER BY start_unix_nano DESC LIMIT 1 OFFSET ?)`,
          args: [project, project, keep - 1],
        },
  );
  const byRows = await db.batch(stmts, 'write');
  return byRows.reduce((n, r) => n + r.rowsAffected, byAge.rowsAffected);
}

/** Whether the table exists: a database migrated by an older Switchyard has none (tracing not enabled). */
export async function traceTableExists(db: Client): Promise<boolean> {
  const rs = await db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trace_spans'");
  return rs.rows.length > 0;
}

/** The most recent traces, newest first. */
export async function listRecentTraces(db: Client, limit: number): Promise<TraceSummary[]> {
  const n = Math.max(1, Math.min(1000, Math.floor(limit)));
  // Recent trace ids come off the start index; the aggregate then reads only their spans (PK).
  const rs = await db.execute({
    sql: `WITH recent AS (
            SELECT trace_id, MIN(start_unix_nano) AS first_start
            FROM (SELECT trace_id, start_unix_nano FROM trace_spans ORDER BY start_unix_nano DESC LIMIT ?)
            GROUP BY trace_id ORDER BY first_start DESC LIMIT ?)
          SELECT t.trace_id,
                 CAST(MIN(t.start_unix_nano) AS TEXT) AS start_ns,
                 CAST(MAX(t.end_unix_nano) - MIN(t.start_unix_nano) AS TEXT) AS dur_ns,
                 COUNT(*) AS span_count,
                 SUM(t.status_code = 2) AS errors,
                 GROUP_CONCAT(DISTINCT t.service) AS services,
                 (SELECT r.name || char(31) || r.service FROM trace_spans r
                   WHERE r.trace_id = t.trace_id
                     AND (r.parent_span_id IS NULL OR NOT EXISTS (
                       SELECT 1 FROM trace_spans p WHERE p.trace_id = r.trace_id AND p.span_id = r.parent_span_id))
                   ORDER BY r.start_unix_nano LIMIT 1) AS root
          FROM trace_spans t JOIN recent USING (trace_id)
          GROUP BY t.trace_id
          ORDER BY MIN(t.start_unix_nano) DESC`,
    args: [n * 50, n],
  });
  return rs.rows.map((row: Row) => {
    const [rootName = '', service = ''] = str(row['root']).split('\u001f');
    return {
      traceId: str(row['trace_id']),
      rootName,
      service,
      startUnixNano: Number(str(row['start_ns'])),
      durationMs: Number(str(row['dur_ns'])) / 1e6,
      spanCount: num(row['span_count']),
      error: num(row['errors']) > 0,
      errorCount: num(row['errors']),
      services: str(row['services']).split(',').filter((x) => x !== '').sort().join(','),
    };
  });
}

/** Every span of one trace, ordered by start; empty when the trace is unknown (or pruned). */
export async function getTrace(db: Client, traceId: string): Promise<StoredSpan[]> {
  const rs = await db.execute({
    sql: `SELECT trace_id, span_id, parent_span_id, name, service, kind,
                 CAST(start_unix_nano AS TEXT) AS start_ns, CAST(end_unix_nano AS TEXT) AS end_ns,
                 CAST(end_unix_nano - start_unix_nano AS TEXT) AS dur_ns, status_code, attributes_json
          FROM trace_spans WHERE trace_id = ? ORDER BY start_unix_nano, span_id LIMIT 5000`,
    args: [traceId.toLowerCase()],
  });
  return rs.rows.map((row: Row) => {
    let attributes: Record<string, unknown> = {};
    try {
      attributes = JSON.parse(str(row['attributes_json'])) as Record<string, unknown>;
    } catch {
      // A row written by hand; show the span without attributes rather than fail the trace.
    }
    const parent = row['parent_span_id'];
    return {
      traceId: str(row['trace_id']),
      spanId: str(row['span_id']),
      parentSpanId: parent === null || parent === undefined ? null : String(parent),
      name: str(row['name']),
      service: str(row['service']),
      kind: num(row['kind']),
      startUnixNano: Number(str(row['start_ns'])),
      endUnixNano: Number(str(row['end_ns'])),
      durationMs: Number(str(row['dur_ns'])) / 1e6,
      statusCode: num(row['status_code']),
      attributes,
    };
  });
}
