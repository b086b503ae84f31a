/**
 * Issue 18 #3: an app's concurrency limit holds across all proxies of a region. Two real proxy
 * processes share one real libSQL (the Hrana endpoint of control/hrana); both are hammered at
 * once with long streams. Together they never have more than the limit in flight (the
 * documented bound is 0 while both reach libSQL), and both get to serve. Then libSQL goes away:
 * once the leases lapse each proxy admits its documented fallback share, limit / 2 — never zero,
 * never the whole limit on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { concurrencyOvershootBound, fallbackShare } from '../../shared/limits/lease-share.ts';
import { APP, chatBody, startReplica, testKeys, type TestKeys } from './harness.ts';

const LIMIT = 4;
// The default interval: renewals take a few round trips, slow on a loaded test machine.
const INTERVAL_MS = 1_000;

interface Proxy {
  readonly id: string;
  readonly url: string;
  readonly child: ChildProcess;
}

/** A child process's first JSON stdout line with a `url` (proxy and libSQL server both print one). */
function readyUrl(child: ChildProcess, what: string): Promise<string> {
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  return new Promise<string>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = JSON.parse(line) as { url?: unknown };
      if (typeof m.url === 'string') resolve(m.url);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited early with ${code}`)));
  });
}

/** The project's libSQL server (Hrana over HTTP) as its own process, so the test can kill it. */
async function spawnLibsql(dbPath: string): Promise<{ url: string; child: ChildProcess }> {
  const env = { ...process.env };
  delete env['LIBSQL_SERVER_AUTH_TOKEN'];
  const child = spawn(process.execPath, ['--import', 'tsx', 'control/cli/main.ts', 'libsql-server', '--db', dbPath, '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { url: await readyUrl(child, 'libsql-server'), child };
}

async function spawnProxy(id: string, dbUrl: string, jwks: string): Promise<Proxy> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'proxy/src/server.ts'], {
    env: {
      ...process.env,
      PROXY_ID: id,
      PROXY_REGION: 'eu-west',
      PROXY_PORT: '0',
      PROXY_JWKS: jwks,
      SWITCHYARD_DB_URL: dbUrl,
      PROXY_LOG_LEVEL: process.env['TEST_PROXY_LOG'] ?? 'silent',
      PROXY_LIMIT_LEASE_INTERVAL_MS: String(INTERVAL_MS),
      PROXY_DRAIN_DEADLINE_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { id, url: await readyUrl(child, `proxy ${id}`), child };
}

/** One long stream; `onAdmitted` when a 200 head arrives. Resolves with the status once the body ends. */
function stream(p: Proxy, token: string, onAdmitted: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(`/v4/${APP}/v1/chat/completions`, p.url),
      { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchyard-token': token } },
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

describe('two proxy processes share one concurrency limit through libSQL', () => {
  let db: { url: string; child: ChildProcess };
  const dir = mkdtempSync(join(tmpdir(), 'sy-shared-limit-'));
  let sim: SimCluster;
  let keys: TestKeys;
  const proxies: Proxy[] = [];

  beforeAll(async () => {
    keys = await testKeys();
    // 20 tokens/s × 10 tokens: each stream holds its slot ~0.5 s; the replica itself never refuses.
    sim = await startReplica('c1', 'r0', { tokensPerSecond: 20, slots: 64 });
    db = await spawnLibsql(join(dir, 'sy.db'));
    const client = createClient({ url: db.url });
    await migrate(client);
    const now = Date.now();
    await client.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['acme', 'Acme', now] });
    await client.execute({
      sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header,
              residency_json, gpu_types_json, cors_origins_json, updated_at, limit_scope)
            VALUES (?, 'acme', 'chat', 'round-robin', 1, ?, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?, 'region')`,
      args: [APP, LIMIT, now],
    });
    await client.execute({
      sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
      args: ['c1', APP, sim.url, now],
    });
    client.close();
    proxies.push(...(await Promise.all(['proxy-a', 'proxy-b'].map((id) => spawnProxy(id, db.url, keys.jwks)))));
  }, 120_000);

  afterAll(async () => {
    for (const p of proxies) p.child.kill('SIGKILL');
    db.child.kill('SIGKILL');
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('never has more than the limit in flight across both, and degrades to limit/2 each without libSQL', async () => {
    const tokens = new Map(await Promise.all(proxies.map(async (p) => [p.id, await keys.mint({ aud: p.id, ttlSeconds: 300 })] as const)));
    const tokenOf = (p: Proxy): string => tokens.get(p.id) ?? '';
    let active = 0;
    let peak = 0;
    const admitted = new Map<string, number>();
    const until = performance.now() + 6_000;
    // 6 clients per proxy keep asking: 12 would-be streams against a limit of 4.
    const worker = async (p: Proxy): Promise<void> => {
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
        else expect(status).toBe(200);
      }
    };
    await Promise.all(proxies.flatMap((p) => Array.from({ length: 6 }, () => worker(p))));
    // While both renew, the documented bound is 0: the limit itself.
    expect(concurrencyOvershootBound(LIMIT, 2, 0)).toBe(0);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(peak).toBeGreaterThanOrEqual(LIMIT - 1);
    for (const p of proxies) expect(admitted.get(p.id) ?? 0).toBeGreaterThan(0);

    // libSQL goes away. Leases lapse after 2 intervals; renewals then fail until the lifetime
    // (3 intervals) has passed: wait well past both.
    const dead = once(db.child, 'exit');
    db.child.kill('SIGKILL');
    await dead;
    await new Promise((r) => setTimeout(r, 5 * INTERVAL_MS));
    const share = fallbackShare(LIMIT, 2, true);
    expect(share).toBe(2);
    for (const p of proxies) {
      let inFlight = 0;
      const statuses = await Promise.all(
        Array.from({ length: LIMIT }, () => stream(p, tokenOf(p), () => (inFlight += 1))),
      );
      expect({ proxy: p.id, admitted: statuses.filter((s) => s === 200).length }).toEqual({ proxy: p.id, admitted: share });
      expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT - share);
      expect(inFlight).toBe(share);
    }
  }, 120_000);
});
