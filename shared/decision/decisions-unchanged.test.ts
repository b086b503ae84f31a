import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INFLOW_COLOS, MODELS, SIZES, STRATEGIES, digestOf } from './decisions-unchanged.ts';

// Digests recorded from main (9aa3e6f) before the request-path work on decide(): the hot path
// may get faster, never different. The weights-model cases were re-recorded twice in session 14:
// first when that model stopped reading the cluster-wide TTFB of every app (a cross-tenant leak);
// then when it stopped reading the app's own TTFB too (server time, set against other clusters'
// RTT) and its explanation was relabelled "(geo + measured proxy RTT)" — the bench snapshot has
// no outcomes, so only that label moved them (with the old "(rtt, measured)" they match). The
// ttft-model cases did not move then. In session 43 the ttft cases whose draw took a cluster
// another scored better than were re-recorded when their summary stopped saying "by
// fastest-predicted" for it (summary.ts howPicked): with every summary masked, all cases match.
// Session 47 added the slowness term (last in every ttft explanation); the bench snapshot has no
// outcomes, so it is 0 ms everywhere here, and `digestOf` leaves a 0 ms slowness term out: every
// case still matches these recordings, so the term changed no decision and no other byte.
const recorded = JSON.parse(readFileSync(new URL('./fixtures/decision-digests-main.json', import.meta.url), 'utf8')) as Record<string, string>;

const cases = STRATEGIES.flatMap((strategy) => MODELS.flatMap((model) => SIZES.map((n) => ({ strategy, model, n }))));

describe('decisions are byte-identical to main', () => {
  it.each(cases)('$strategy, $model model, $n candidates', ({ strategy, model, n }) => {
    expect(digestOf(strategy, model, n)).toBe(recorded[`${strategy}/${model}/${n}`]);
  });

  // Recorded in session 8 from the first build with share-of-room caps (snapshots with inflow by origin).
  it.each(SIZES)('switchyard, ttft model, %i candidates, rows with inflow by origin', (n) => {
    expect(digestOf('switchyard', 'ttft', n, INFLOW_COLOS)).toBe(recorded[`switchyard/ttft/${n}/inflow`]);
  });
});
