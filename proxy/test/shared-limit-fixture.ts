/**
 * Proxies that share a region-scoped limit through a real libSQL: the project's libSQL server
 * (Hrana over HTTP) as its own process (so a test can kill it), seeded with one app and one
 * replica, and real proxy processes (`proxy/src/server.ts`, optionally with several workers)
 * leasing the app's limit through it.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, startReplica, testKeys, type TestKeys } from './harness.ts';
import { spawnDbProxy, spawnLibsqlServer, type ChildWithUrl } from './libsql-proxy-processes.ts';

export type LeasingProxy = ChildWithUrl;

/** The project's libSQL server as its own process, migrated, with `APP` limited to `limit` concurrent requests in its region. */
export async function spawnLibsql(dbPath: string, replicaUrl: string, limit: number): Promise<{ url: string; child: ChildProcess }> {
  const { url, child } = await spawnLibsqlServer(dbPath);
  const client = createClient({ url });
  await migrate(client);
  const now = Date.now();
  await client.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
  await client.execute({
    sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header,
            residency_json, gpu_types_json, cors_origins_json, updated_at, limit_scope)
          VALUES (?, 'acme', 'chat', 'round-robin', 1, ?, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?, 'region')`,
    args: [APP, limit, now],
  });
  await client.execute({
    sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
    args: ['c1', APP, replicaUrl, now],
  });
  client.close();
  return { url, child };
}

/** A proxy of region eu-west leasing through `dbUrl`; `env` adds e.g. PROXY_WORKERS. */
export async function spawnLeasingProxy(
  id: string,
  dbUrl: string,
  jwks: string,
  intervalMs: number,
  env: Record<string, string> = {},
): Promise<LeasingProxy> {
  return spawnDbProxy(id, dbUrl, jwks, { PROXY_LIMIT_LEASE_INTERVAL_MS: String(intervalMs), ...env });
}

/**
 * Waits until every proxy in `ids` has a live concurrency lease row for `APP`: the condition of
 * the documented bound "in flight ≤ limit while every proxy renews" (proxy/README.md, Global
 * limits). A proxy whose first renewal failed (a loaded machine, two first writes at once) has
 * never reached libSQL as far as its limits go and admits up to the whole limit on its own, the
 * other documented case; tests of the renewing bound start their traffic after this. Throws,
 * naming who holds what, if a proxy never gets a lease.
 */
async function everyProxyHoldsALease(dbUrl: string, ids: readonly string[], timeoutMs = 30_000): Promise<void> {
  const client = createClient({ url: dbUrl });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const rs = await client.execute({
        sql: "SELECT DISTINCT proxy_id FROM limit_leases WHERE app_id = ? AND kind = 'concurrency' AND expires_at > ?",
        args: [APP, Date.now()],
      });
      const holders = rs.rows.map((r) => String(r['proxy_id']));
      if (ids.every((id) => holders.includes(id))) return;
      if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms only [${holders.join(', ')}] of [${ids.join(', ')}] hold a lease for ${APP}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    client.close();
  }
}

/** What `useSharedLimitStack` has started; filled in by its `beforeAll`. */
export interface SharedLimitStack {
  db: { url: string; child: ChildProcess };
  keys: TestKeys;
  proxies: LeasingProxy[];
  /** A routing token for `p` (minted once per proxy, 5 min). */
  tokenOf: (p: LeasingProxy) => string;
}

/**
 * Registers the suite's `beforeAll`/`afterAll`: one replica whose streams hold a slot ~0.5 s
 * (20 tokens/s × 10 tokens; it never refuses itself), the libSQL process limiting `APP` to
 * `limit` in the region, and the proxies `ids` leasing every `intervalMs` with `env` (e.g.
 * PROXY_WORKERS). Teardown SIGKILLs everything: a killed primary's workers drain themselves.
 */
export function useSharedLimitStack(ids: readonly string[], limit: number, intervalMs: number, env: Record<string, string> = {}): SharedLimitStack {
  const dir = mkdtempSync(join(tmpdir(), 'sy-shared-limit-'));
  const tokens = new Map<string, string>();
  let sim: SimCluster | undefined;
  const stack = { proxies: [] as LeasingProxy[], tokenOf: (p: LeasingProxy) => tokens.get(p.id) ?? '' } as SharedLimitStack;
  beforeAll(async () => {
    stack.keys = await testKeys();
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20, slots: 64 });
    stack.db = await spawnLibsql(join(dir, 'sy.db'), sim.url, limit);
    stack.proxies.push(...(await Promise.all(ids.map((id) => spawnLeasingProxy(id, stack.db.url, stack.keys.jwks, intervalMs, env)))));
    for (const p of stack.proxies) tokens.set(p.id, await stack.keys.mint({ aud: p.id, ttlSeconds: 300 }));
    await everyProxyHoldsALease(stack.db.url, ids);
  }, 120_000);
  afterAll(async () => {
    for (const p of stack.proxies) p.child.kill('SIGKILL');
    stack.db.child.kill('SIGKILL');
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return stack;
}

/** One long stream; `onAdmitted` when a 200 head arrives. Resolves with the status once the body ends. */
export function stream(p: LeasingProxy, token: string, onAdmitted: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/v4/${APP}/v1/chat/completions`, p.url),
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': token, connection: 'close' } },
      (res) => {
        if (res.statusCode === 200) onAdmitted();
        res.resume();
        res.on('error', () => undefined);
        res.on('close', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(chatBody({ stream: true, max_tokens: 10 }));
  });
}

/**
 * `clients` concurrent clients per proxy keep opening streams for `ms`; returns the peak number of
 * streams in flight across all proxies and the admissions per proxy.
 */
export async function hammer(
  proxies: readonly LeasingProxy[],
  tokenOf: (p: LeasingProxy) => string,
  clients: number,
  ms: number,
): Promise<{ peak: number; admitted: Map<string, number>; unexpected: number[] }> {
  let active = 0;
  let peak = 0;
  const admitted = new Map<string, number>();
  const unexpected: number[] = [];
  const until = performance.now() + ms;
  const client = async (p: LeasingProxy): Promise<void> => {
    while (performance.now() < until) {
      let counted = false;
      const status = await stream(p, tokenOf(p), () => {
        counted = true;
        active += 1;
        peak = Math.max(peak, active);
        admitted.set(p.id, (admitted.get(p.id) ?? 0) + 1);
      });
      if (counted) active -= 1;
      if (status === 429) await new Promise((r) => setTimeout(r, 20));
      else if (status !== 200) unexpected.push(status);
    }
  };
  await Promise.all(proxies.flatMap((p) => Array.from({ length: clients }, () => client(p))));
  return { peak, admitted, unexpected };
}
