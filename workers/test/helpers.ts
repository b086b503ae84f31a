/**
 * Test helpers inside workerd: call the real Worker entrypoint with a chosen environment, wait for
 * its background work, and reach the Node-side fixtures (control server, databases).
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createClient } from '@libsql/client/web';
import type { Client } from '@libsql/client/web';
import { hashKey } from '../src/auth.ts';
import worker from '../src/index.ts';
import type { Fixtures, PushBody, SeenRequest } from '../fixtures/types.ts';

type Vars = Record<string, string>;
const base = env as unknown as Vars;

export const fixtures: Fixtures = JSON.parse(base['FIXTURES_JSON'] ?? 'null') as Fixtures;

/** Client facts as Cloudflare would attach them. */
export const CF = {
  dublin: { colo: 'DUB', country: 'IE', continent: 'EU', latitude: '53.35', longitude: '-6.26' },
  newYork: { colo: 'EWR', country: 'US', continent: 'NA', latitude: '40.71', longitude: '-74.0' },
  sanJose: { colo: 'SJC', country: 'US', continent: 'NA', latitude: '37.33', longitude: '-121.89' },
} as const;

export interface CallOptions {
  readonly env?: Vars;
  readonly cf?: Record<string, string>;
  readonly init?: RequestInit;
  readonly key?: string | null;
}

/** Sends one request through the Worker's default export; waits for its waitUntil work. */
export async function call(path: string, o: CallOptions = {}): Promise<Response> {
  const headers = new Headers(o.init?.headers);
  const key = o.key === undefined ? fixtures.keys.acme : o.key;
  if (key !== null) headers.set('authorization', `Bearer ${key}`);
  const request = new Request(`https://edge.test${path}`, { ...o.init, headers, cf: o.cf ?? CF.dublin } as RequestInit);
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...base, ...o.env }, ctx);
  // Do not wait for background work while the body streams: tests read bodies first when needed.
  if (res.body === null || res.headers.get('content-type')?.startsWith('application/json') === true) {
    await waitOnExecutionContext(ctx);
  }
  return res;
}

export interface TokenBody {
  readonly token: string;
  readonly url: string;
  readonly expiresAt: number;
  readonly decisionId: string;
}

export const OPERATOR_KEY = base['EDGE_OPERATOR_KEY'] ?? '';

/** `/explain/<path>` as an operator: the decision with its explanation. */
export async function explain(path: string, o: CallOptions = {}): Promise<ExplainBody['decision']> {
  const headers = new Headers(o.init?.headers);
  headers.set('x-switchyard-operator-key', OPERATOR_KEY);
  const res = await call(`/explain${path}`, { ...o, init: { ...o.init, headers } });
  if (res.status !== 200) throw new Error(`explain ${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as ExplainBody).decision;
}

export interface ExplainBody {
  readonly synthetic: true;
  readonly decision: { readonly id: string; readonly chosen: string | null; readonly fallbacks: string[]; readonly stale: boolean; readonly synthetic: boolean; readonly candidates: Array<{ clusterId: string; disqualifications: Array<{ code: string }> }> };
}

export interface ErrorJson {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export async function control(path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${fixtures.controlUrl}${path}`, {
    method: body === undefined && path.startsWith('/proxy/') ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export const pushState = (p: PushBody): Promise<unknown> => control('/push', p);
export const seenByProxies = async (): Promise<SeenRequest[]> => (await control('/proxy/requests')) as SeenRequest[];

export function mainDb(): Client {
  return createClient({ url: fixtures.libsqlUrl });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * API keys a test adds to the fixture database (project acme): `add` inserts one (a fresh random
 * key unless given) and returns it; `removeAll` (in afterAll) deletes them and closes `db`.
 */
export function addedKeys(db: Client, prefix: string): { add(o?: { key?: string; revoked?: boolean }): Promise<string>; removeAll(): Promise<void> } {
  const ids: string[] = [];
  return {
    async add(o = {}) {
      const key = o.key ?? `sk_${prefix}_${crypto.randomUUID().replaceAll('-', '')}`;
      const id = `k-${prefix}-${ids.length}-${Date.now()}`;
      ids.push(id);
      await db.execute({ sql: 'INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, ?, ?)', args: [id, 'acme', await hashKey(key), o.revoked === true ? 1 : 0, Date.now()] });
      return key;
    },
    async removeAll() {
      for (const id of ids) await db.execute({ sql: 'DELETE FROM api_keys WHERE id = ?', args: [id] });
      db.close();
    },
  };
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(25);
  }
}

/**
 * The decision log's row for decision `id` (its explanation and input JSON, and the JSON of the
 * snapshot it names in `decision_snapshots`), once the Worker's waitUntil has written it.
 */
export async function loggedDecision(id: string): Promise<{ explanationJson: string; inputJson: string; snapshotJson: string | undefined }> {
  const db = mainDb();
  try {
    const row = await eventually(async () => {
      const rs = await db.execute({ sql: `SELECT ${LOGGED_COLUMNS} FROM decisions d ${LOGGED_SNAPSHOT} WHERE d.id = ?`, args: [id] });
      return rs.rows[0];
    });
    const snapshot = row['snapshot_json'];
    return { explanationJson: String(row['explanation_json']), inputJson: String(row['input_json']), snapshotJson: typeof snapshot === 'string' ? snapshot : undefined };
  } finally {
    db.close();
  }
}

/** A logged decision's columns with its stored snapshot's JSON (`snapshot_json`, NULL for an inline one). */
export const LOGGED_COLUMNS = 'd.*, s.json AS snapshot_json';
export const LOGGED_SNAPSHOT = 'LEFT JOIN decision_snapshots s ON s.id = d.snapshot_id';
