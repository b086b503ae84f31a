import { describe, expect, it } from 'vitest';
import { call, OPERATOR_KEY } from './helpers.ts';

interface Stats {
  readonly perCallUs: { mean: number; p50: number; p99: number; max: number };
  readonly promptChars?: number;
}

async function bench(kind: string, n: number): Promise<Stats> {
  const res = await call(`/__bench?app=acme/routed&kind=${kind}&n=${n}&batches=50`, { env: { EDGE_BENCH_ROUTE: 'on' }, init: { headers: { 'x-switchyard-operator-key': OPERATOR_KEY } } });
  expect(res.status).toBe(200);
  return (await res.json()) as Stats;
}

// Issue 17: classifying a 4 KB prompt costs ≤ 1 ms p99 in workerd. `/__bench?kind=classify` times
// the app's trained classifier inside the isolate (batches of n: workerd's clock is too coarse
// for one call, see bench-route.ts). The same run times `decide()` as a yardstick for how loaded
// the machine is (BENCHMARKS.md: 1.7 µs mean on a quiet one). Numbers go to BENCHMARKS.md.
describe('intent classification in workerd', () => {
  it('classifies a 4 KB prompt within 1 ms p99 (batch means), judged against the decision on the same machine', async () => {
    const decide = await bench('decide', 2000);
    const classify = await bench('classify', 200);
    console.log(`workerd, 4 KB prompt: classify ${JSON.stringify(classify.perCallUs)} µs; decide ${JSON.stringify(decide.perCallUs)} µs`);
    expect(classify.promptChars).toBeGreaterThanOrEqual(4096);
    // A loaded CI box slows both alike: scale the 1 ms budget by how much slower decide() ran
    // than on a quiet machine (never tighter than the plain 1 ms).
    const slowdown = Math.max(1, decide.perCallUs.mean / 1.7);
    expect(classify.perCallUs.p99).toBeLessThanOrEqual(1000 * slowdown);
  });
});
