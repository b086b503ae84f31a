import { describe, expect, it } from 'vitest';
import { compileSnapshot, isCompiled } from './compile-snapshot.ts';
import { decide } from './decide.ts';
import { DECISION_CASES } from './decision-cases.ts';
import { primeSnapshot } from './prime-snapshot.ts';
import { newStrategyState } from './strategy-state.ts';
import { NOW, cluster, context, policy, request, snapshot } from './test-fixtures.ts';

const SNAP = (): ReturnType<typeof snapshot> => snapshot({ clusters: [cluster('eu-1', 'eu-west'), cluster('ap-1', 'ap-southeast')] });

describe('primeSnapshot', () => {
  it('compiles the snapshot ahead of the first decision, which then reuses that view', () => {
    const snap = SNAP();
    expect(isCompiled(snap)).toBe(false);
    const compiled = primeSnapshot(snap, policy());
    expect(isCompiled(snap)).toBe(true);
    decide(request(), snap, policy(), context());
    expect(compileSnapshot(snap)).toBe(compiled);
    expect(primeSnapshot(snap, policy())).toBe(compiled); // idempotent
  });

  it("leaves the caller's strategy state alone when deciding a sample", () => {
    const state = newStrategyState();
    const snap = snapshot({ clusters: [cluster('eu-1', 'eu-west'), cluster('ap-1', 'ap-southeast')], app: { strategy: 'round-robin' } });
    primeSnapshot(snap, policy(), request());
    const other = newStrategyState();
    const first = decide(request(), snap, policy(), context('s', { strategyState: state }));
    const unprimed = decide(request(), { ...snap }, policy(), context('s', { strategyState: other }));
    expect(first.chosen).toBe(unprimed.chosen);
    expect(state.roundRobinCursor).toBe(other.roundRobinCursor);
  });

  // A sample from elsewhere (other continent, colo, location) fills every per-client cache with
  // values the real request does not match: its decision must still be the unprimed one, byte for byte.
  const elsewhere = request({ client: { colo: 'SIN', country: 'SG', continent: 'AS', location: { lat: 1.35, lon: 103.8 } } });
  it.each(DECISION_CASES.map((c) => [c.name, c] as const))('%s: same decision primed or not', (_name, c) => {
    const primed = { ...c.snapshot };
    for (const sample of [null, c.request, elsewhere]) primeSnapshot(primed, c.policy, sample, NOW - 60_000);
    const a = decide(c.request, primed, c.policy, context(c.seed, { strategyState: newStrategyState() }));
    const b = decide(c.request, { ...c.snapshot }, c.policy, context(c.seed, { strategyState: newStrategyState() }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
