/**
 * The in-region decision's explanation and `input_json` are built by the decision log's batch
 * writer, after the answer, not on the request. What the log stores must be exactly what the
 * eager build on the request path stored (`{ ...decision, summary: 'in-region (…): …' }` and
 * the record-json input), however many decisions on the same snapshot came in between: the
 * record is re-derived here by replaying the logged input with the logged seed.
 */
import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from '../../bench/decision.ts';
import { parseInputJson } from '../../backtest/decision-record.ts';
import { decide, seededRng } from '../../shared/decision/index.ts';
import { STRATEGIES } from '../../shared/decision/decisions-unchanged.ts';
import { NOW, policy } from '../../shared/decision/test-fixtures.ts';
import type { StrategyState } from '../../shared/decision/types.ts';
import { decideInRegion, scopeSnapshot, regionsOf } from '../src/in-region-decide.ts';
import { InRegionDecisionLog } from '../src/in-region-decision-log.ts';

type Stmt = { sql: string; args: Array<string | number | null> };

const cases = STRATEGIES.flatMap((strategy) => (['ttft', 'weights'] as const).map((model) => ({ strategy, model })));

describe('in-region decision record built after the answer', () => {
  it.each(cases)('$strategy, $model model: the logged record equals the one built on the request path', async ({ strategy, model }) => {
    const base = realisticSnapshot(512);
    const snap = { ...base, app: { ...base.app, strategy } };
    const region = snap.clusters.get(snap.app.clusters[0] ?? '')?.region ?? '';
    const p = policy({ model });
    const written: Stmt[] = [];
    const log = new InRegionDecisionLog({ batch: async (stmts) => void written.push(...stmts) }, () => NOW, (err) => { throw err; });
    const state: StrategyState = { roundRobinCursor: 0, outstanding: new Map() };
    const args = { snapshot: snap, region, proxyId: 'proxy-1', fn: 'v1/chat/completions', method: 'POST', jobKeyHash: null, policy: p, stale: false, strategyState: state };
    const made = [];
    for (let i = 0; i < 6; i++) {
      const d = decideInRegion({ ...args, affinityKey: i % 2 === 0 ? `k${i}` : null, now: NOW + 300 * i });
      if (d instanceof Error) throw d;
      log.record(d);
      made.push(d);
    }
    await log.flush();
    // Rows of 15 columns, many to an INSERT, after the one snapshot they all name (id, json, at).
    const [snapshotInsert, ...decisionInserts] = written;
    expect(snapshotInsert?.sql).toMatch(/^INSERT OR IGNORE INTO decision_snapshots /);
    expect(snapshotInsert?.args.length).toBe(3);
    const stored = new Map([[String(snapshotInsert?.args[0]), String(snapshotInsert?.args[1])]]);
    const rows = decisionInserts.flatMap((st) => Array.from({ length: st.args.length / 15 }, (_, k) => st.args.slice(15 * k, 15 * k + 15)));
    expect(rows.length).toBe(6);
    const scoped = scopeSnapshot(snap, regionsOf(snap, region).inRegion);
    for (const [i, row] of rows.entries()) {
      const explanation = String(row[12]);
      const inputJson = String(row[13]);
      expect(row[14]).toBe(snapshotInsert?.args[0]);
      const input = parseInputJson(inputJson, 'in-region', null, (id) => stored.get(id));
      expect(input.snapshot.clusters.size).toBe(scoped.clusters.size);
      const again = decide(input.request, scoped, input.policy, {
        now: input.now, rng: seededRng(input.seed), seed: input.seed, decisionId: made[i]?.decision.id ?? '', staleSnapshot: input.staleSnapshot,
        // Classic stateful strategies: the state each decision saw (round robin advanced once per decision).
        strategyState: { roundRobinCursor: i, outstanding: new Map() },
      });
      // What the request path used to build and the log stored.
      expect(explanation).toBe(JSON.stringify({ ...again, summary: `in-region (${region}): ${again.summary}` }));
      expect(row[0]).toBe(again.id);
    }
  });
});
