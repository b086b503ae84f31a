/**
 * What the database's work per outcome row costs the writer: the proxy's outcome batches (app_id
 * written as v21+ proxies do, or copied by the database from the decision as for older proxies),
 * one statement per row (`outcomeStatement`, as proxies before this change wrote them) or
 * multi-row (`outcomeStatements`), into migrated libSQL files with migration 22's
 * `inflow_seconds` triggers or with them dropped, in rotating rounds so all see the same machine
 * load. Prints µs per outcome row, per round and the median.
 *
 * Run: `npx tsx bench/outcome-write-cost.ts` (or `npm run bench -- outcome-write`). Knobs:
 * BENCH_ROWS (20000 per round), BENCH_ROUNDS (4), BENCH_BATCH (100 rows per batch, one transaction),
 * BENCH_OUTCOME_APP (1; 0: outcomes without app_id, their decisions inserted first), BENCH_TABLE
 * (outcomes; decisions: the edge's decision rows instead, whose insert fires the triggers that
 * fill outcomes' app, and through them migration 22's).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import { migrate } from '../control/store/migrate.ts';
import { openStore } from '../control/store/open-store.ts';
import { multiRowInserts } from '../shared/schema/multi-row-insert.ts';
import { outcomeStatement, outcomeStatements } from '../shared/schema/outcome-statement.ts';

const ROWS = Number(process.env['BENCH_ROWS'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 4);
const BATCH = Number(process.env['BENCH_BATCH'] ?? 100);
const OUTCOME_APP = (process.env['BENCH_OUTCOME_APP'] ?? '1') === '1';
const TABLE = process.env['BENCH_TABLE'] ?? 'outcomes';
const PAD = 'x'.repeat(900);
const DECISION_HEAD = `INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, decision_us, explanation_json, input_json)`;
const CLUSTERS = Array.from({ length: 50 }, (_, i) => `c${i}`);
const APPS = ['acme/chat', 'acme/eu-assist', 'acme/batch', 'beta/chat'];

async function writeRound(client: Client, multiRow: boolean, round: number, start: number): Promise<number> {
  let busy = 0;
  for (let b = 0; b < ROWS; b += BATCH) {
    const n = Math.min(BATCH, ROWS - b);
    const rows = Array.from({ length: n }, (_, k) => {
      const i = round * ROWS + b + k;
      // 1,000 outcomes/s of wall time, mixed statuses, as a busy region's proxies write them.
      return { id: `d${i}`, appId: APPS[i % APPS.length] as string, clusterId: CLUSTERS[(i * 7) % CLUSTERS.length] as string, status: i % 97 === 0 ? 503 : i % 41 === 0 ? 429 : 200, at: start + i };
    });
    if (TABLE === 'decisions') {
      // The edge's decision log (workers/src/decision-sink.ts): ~1 KB of input_json each.
      const args = rows.map((r) => [r.id, r.at, r.appId, 'v1/chat/completions', 0, 'routed', r.clusterId, 'fastest-predicted', 'v', 's', 0, 12.5, '{}', `{"v":1,"request":{"client":{"colo":"FRA"}},"pad":"${PAD}"}`]);
      const stmts = multiRow ? multiRowInserts(DECISION_HEAD, args) : args.map((a) => multiRowInserts(DECISION_HEAD, [a])).flat();
      const t0 = performance.now();
      await client.batch(stmts, 'write');
      busy += performance.now() - t0;
      continue;
    }
    const decisions = OUTCOME_APP ? [] : rows.map((r) => ({
      sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, explanation_json, input_json)
            VALUES (?, ?, ?, 'f', 0, 'routed', ?, 'fastest-predicted', 'v', 's', 0, '{}', '{"v":1,"request":{"client":{"colo":"FRA"}}}')`,
      args: [r.id, r.at, r.appId, r.clusterId],
    }));
    if (decisions.length > 0) await client.batch(decisions, 'write'); // not timed: the edge's write
    const records = rows.map((r) => ({ decisionId: r.id, appId: OUTCOME_APP ? r.appId : null, attempt: 0, proxyId: 'px', clusterId: r.clusterId, endpoint: null, status: r.status, ttfbMs: 80, durationMs: 900, bytesIn: 400, bytesOut: 2000, error: null, at: r.at }));
    const outcomes = multiRow ? outcomeStatements(records, 'update') : records.map((o) => outcomeStatement(o, 'update'));
    const t0 = performance.now();
    await client.batch(outcomes, 'write');
    busy += performance.now() - t0;
  }
  return (busy * 1000) / ROWS;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-outcome-write-'));
  const start = Date.now();
  const setups = [
    { label: 'row per statement, no inflow_seconds triggers (before)', triggers: false, multiRow: false },
    { label: 'row per statement, with triggers (older writers after the migration)', triggers: true, multiRow: false },
    { label: 'multi-row statements, with triggers (after)', triggers: true, multiRow: true },
    { label: 'multi-row statements, no triggers', triggers: false, multiRow: true },
  ];
  const stores = setups.map((x, i) => ({ ...x, store: openStore({ url: `file:${join(dir, `db${i}.sqlite`)}` }), us: [] as number[] }));
  try {
    for (const s of stores) {
      await migrate(s.store.client, { now: start });
      if (!s.triggers) await s.store.client.batch(['DROP TRIGGER outcomes_inflow_seconds', 'DROP TRIGGER outcomes_inflow_seconds_late_app'], 'write');
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = stores.map((_, k) => stores[(k + round) % stores.length]);
      for (const s of order) if (s !== undefined) s.us.push(await writeRound(s.store.client, s.multiRow, round, start));
    }
    process.stdout.write(TABLE === 'decisions'
      ? `${ROUNDS} rounds of ${ROWS} decision rows in batches of ${BATCH}\n`
      : `${ROUNDS} rounds of ${ROWS} outcome rows in batches of ${BATCH}, app_id ${OUTCOME_APP ? 'written' : 'copied by the database from the decision'}\n`);
    for (const s of stores) process.stdout.write(`${JSON.stringify({ db: s.label, usPerRow: s.us.map((u) => Number(u.toFixed(1))), median: Number(median(s.us).toFixed(1)) })}\n`);
  } finally {
    for (const s of stores) s.store.client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
