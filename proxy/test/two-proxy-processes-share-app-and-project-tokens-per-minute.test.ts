/**
 * Issue 18 #4 across proxies: a tokens-per-minute budget holds across all proxies of a region,
 * for an app's own budget and for a project's (all its apps together). Two real proxy processes
 * share one real libSQL server process; clients hammer both at once, for an app with its own
 * budget (project `solo`) and for two apps of project `acme` under the project's budget. The
 * tokens the engines report using stay within the documented bound (one budget's bucket plus its
 * refill over the window, `tokensOverWindowBound`), where each proxy counting alone allowed
 * about twice that; both proxies serve; and each 429 names the budget that ran out.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../control/store/migrate.ts';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { tokensOverWindowBound } from '../../shared/limits/token-budget.ts';
import { rawRequest, startReplica, testKeys, waitFor, type TestKeys } from './harness.ts';
import { spawnDbProxy, spawnLibsqlServer, type ChildWithUrl } from './libsql-proxy-processes.ts';

const TPM = 1200;
// Four lease renewals: each bucket empties within the first second, and proxies counting alone
// use ~2 × TPM, far over the bound (1280 tokens over 4 s).
const RUN_MS = 4_000;
// Long words: the admission estimate (characters / 4) is above the engine's count (one per
// word), so no request leaves debt and the bound needs no estimate term.
const PROMPT = Array.from({ length: 20 }, () => 'tokenbudget').join(' ');

interface Tally {
  ok: number;
  refused: Map<string, number>;
}

describe('two proxy processes share tokens-per-minute budgets through libSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-shared-tpm-'));
  let db: ChildWithUrl;
  let keys: TestKeys;
  // One engine per budget: its own counters are what that budget let through.
  let soloSim: SimCluster;
  let acmeSim: SimCluster;
  const proxies: ChildWithUrl[] = [];

  beforeAll(async () => {
    keys = await testKeys();
    soloSim = await startReplica('c1', 'r0', { tokensPerSecond: 2_000, slots: 64 });
    acmeSim = await startReplica('c1', 'r1', { tokensPerSecond: 2_000, slots: 64 });
    db = await spawnLibsqlServer(join(dir, 'sy.db'));
    const client = createClient({ url: db.url });
    await migrate(client);
    const now = Date.now();
    await client.execute({ sql: 'INSERT INTO projects (id, name, updated_at) VALUES (?, ?, ?)', args: ['solo', 'Solo', now] });
    await client.execute({
      sql: 'INSERT INTO projects (id, name, token_budget_json, updated_at) VALUES (?, ?, ?, ?)',
      args: ['acme', 'Acme', JSON.stringify({ tokensPerMinute: TPM }), now],
    });
    const app = async (id: string, url: string, requests: Record<string, unknown>): Promise<void> => {
      const [project, name] = id.split('/');
      await client.execute({
        sql: `INSERT INTO apps (id, project_id, name, strategy, auth_required, max_concurrency, max_rps, affinity_header,
                residency_json, gpu_types_json, cors_origins_json, requests_json, updated_at)
              VALUES (?, ?, ?, 'round-robin', 1, NULL, NULL, NULL, '{"kind":"any"}', '[]', '[]', ?, ?)`,
        args: [id, project ?? '', name ?? '', JSON.stringify(requests), now],
      });
      await client.execute({
        sql: 'INSERT INTO app_endpoints (cluster_id, app_id, url, healthy, weight, observed_at) VALUES (?, ?, ?, 1, 1, ?)',
        args: ['c1', id, url, now],
      });
    };
    await app('solo/chat', soloSim.url, { tokenBudget: { tokensPerMinute: TPM } });
    await app('acme/a', acmeSim.url, {});
    await app('acme/b', acmeSim.url, {});
    // The default interval: renewals take a few round trips, slow on a loaded test machine.
    const env = { PROXY_LIMIT_LEASE_INTERVAL_MS: '1000' };
    proxies.push(...(await Promise.all(['proxy-a', 'proxy-b'].map((id) => spawnDbProxy(id, db.url, keys.jwks, env)))));
    // Idle proxies split each budget evenly once both renewed (a proxy's bucket starts at its
    // share when its first request comes): start from there, as a fleet in service would be.
    await waitFor(
      async () => {
        const rs = await client.execute({ sql: "SELECT app_id, claim FROM limit_leases WHERE kind = 'tokens' AND expires_at > ?", args: [Date.now()] });
        const halves = rs.rows.filter((r) => Number(r['claim']) === TPM / 2).map((r) => String(r['app_id']));
        return halves.filter((k) => k === 'solo/chat').length === 2 && halves.filter((k) => k === 'project:acme').length === 2;
      },
      'both proxies to hold half of each budget',
      20_000,
    );
    client.close();
  }, 120_000);

  afterAll(async () => {
    for (const p of proxies) p.child.kill('SIGKILL');
    db.child.kill('SIGKILL');
    await soloSim.close();
    await acmeSim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const engineTokens = async (sim: SimCluster): Promise<number> => {
    const text = await (await fetch(`${sim.url}/metrics`)).text();
    let sum = 0;
    for (const line of text.split('\n')) {
      if (/^vllm:(prompt|generation)_tokens_total[{ ]/.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };

  it('both proxies together stay within one budget (app and project), and each 429 names its budget', async () => {
    const tally = new Map<string, Tally>();
    const tallyOf = (k: string): Tally => {
      const t = tally.get(k) ?? { ok: 0, refused: new Map<string, number>() };
      tally.set(k, t);
      return t;
    };
    const tokens = new Map<string, string>();
    for (const p of proxies)
      for (const app of ['solo/chat', 'acme/a', 'acme/b']) tokens.set(`${p.id} ${app}`, await keys.mint({ aud: p.id, app, ttlSeconds: 300 }));
    const t0 = performance.now();
    const until = t0 + RUN_MS;
    const client = async (p: ChildWithUrl, app: string): Promise<void> => {
      while (performance.now() < until) {
        const r = await rawRequest(p.url, {
          path: `/v4/${app}/v1/chat/completions`,
          body: JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: PROMPT }], max_tokens: 20 }),
          headers: { 'x-switchyard-token': tokens.get(`${p.id} ${app}`) ?? '' },
        });
        const t = tallyOf(`${p.id} ${app}`);
        if (r.status === 200) t.ok += 1;
        else {
          expect(r.status).toBe(429);
          const named = `${String(r.headers['x-ratelimit-budget'])} ${(JSON.parse(r.body) as { error: { code: string } }).error.code}`;
          t.refused.set(named, (t.refused.get(named) ?? 0) + 1);
          await new Promise((res) => setTimeout(res, 25));
        }
      }
    };
    await Promise.all(
      proxies.flatMap((p) => [client(p, 'solo/chat'), client(p, 'solo/chat'), client(p, 'acme/a'), client(p, 'acme/b')]),
    );
    const windowS = (performance.now() - t0) / 1000;
    const bound = tokensOverWindowBound(TPM, 2, 0, windowS);
    const [solo, acme] = [await engineTokens(soloSim), await engineTokens(acmeSim)];
    const detail = JSON.stringify({ windowS, bound, solo, acme, tally: [...tally].map(([k, t]) => [k, t.ok, [...t.refused]]) });
    // Counted per proxy (the old behaviour) each of the two admitted its own bucket: ~2 x TPM.
    expect(solo, detail).toBeLessThanOrEqual(bound);
    expect(acme, detail).toBeLessThanOrEqual(bound);
    // The budgets were used, not just refused: at least most of one bucket each.
    expect(solo, detail).toBeGreaterThan(TPM * 0.6);
    expect(acme, detail).toBeGreaterThan(TPM * 0.6);
    for (const p of proxies) {
      for (const app of ['solo/chat', 'acme/a', 'acme/b']) {
        const t = tallyOf(`${p.id} ${app}`);
        expect(t.ok, detail).toBeGreaterThan(0);
        // Every refusal names the budget that ran out: the app's own, or its project's.
        const named = app === 'solo/chat' ? 'app solo/chat token-budget-exceeded' : 'project acme project-token-budget-exceeded';
        expect([...t.refused.keys()], detail).toEqual([named]);
      }
    }
  }, 120_000);
});
