import { describe, expect, test } from 'vitest';
import { BRAKE_RESET_MS, CanaryBrake, MAX_BRAKE_WINDOWS, brakeBudget } from './canary-brake.ts';
import type { RolloutView } from './types.ts';

const R: RolloutView = { id: 'ro', model: 'm', stable: 'v1', canary: 'v2', status: 'running', weightPct: 50, heldRegions: [], gates: { errorBudget: 2 } };

/** `b`: begin one canary request; `ok` / `fail`: end the oldest; `?`: expect admits(); `!`: expect refused. */
type Step = 'b' | 'ok' | 'fail' | '?' | '!';

describe('CanaryBrake', () => {
  test.each<[string, RolloutView, Step[]]>([
    ['healthy canary: any concurrency, never braked', R, ['b', 'b', 'b', 'b', '?', 'ok', 'ok', 'ok', 'ok', '?']],
    ['one failure below the budget: still admitted', R, ['b', 'fail', '?']],
    ['budget spent: braked', R, ['b', 'fail', 'b', 'fail', '!']],
    ['after a failure only the budget left may be in flight', R, ['b', 'fail', '?', 'b', '!', 'ok', '?']],
    ['budget 0: the first failure brakes', { ...R, gates: { errorBudget: 0 } }, ['b', 'fail', '!']],
    ['client faults are not failures: ended ok', R, ['b', 'ok', 'b', 'ok', 'b', 'ok', '?']],
  ])('%s', (_n, rollout, steps) => {
    const brake = new CanaryBrake();
    for (const s of steps) {
      if (s === 'b') brake.begin(rollout);
      else if (s === 'ok' || s === 'fail') brake.end(rollout, s === 'fail');
      else expect(brake.admits(rollout), s).toBe(s === '?');
    }
  });

  test('a braked window with no new failure for BRAKE_RESET_MS starts over (no brake for good)', () => {
    let t = 1_000;
    const brake = new CanaryBrake(() => t);
    for (let i = 0; i < 2; i++) { brake.begin(R); brake.end(R, true); }
    expect(brake.admits(R)).toBe(false);
    t += BRAKE_RESET_MS - 1;
    expect(brake.admits(R)).toBe(false);
    t += 1;
    expect(brake.admits(R)).toBe(true);
    expect(brake.failures(R)).toBe(0);
  });

  test("other apps' rollouts never push out a window in use: its failures still brake it", () => {
    const brake = new CanaryBrake();
    const others = Array.from({ length: 2 * MAX_BRAKE_WINDOWS }, (_, i): RolloutView => ({ ...R, id: `other-${i}` }));
    brake.begin(R);
    brake.end(R, true);
    others.forEach((o, i) => {
      brake.begin(o);
      brake.end(o, false);
      // R's canary keeps serving meanwhile: its window is in use.
      if (i % 256 === 0) {
        brake.begin(R);
        brake.end(R, false);
      }
    });
    // One more failure of R's canary spends its budget of 2: braked, not forgotten.
    brake.begin(R);
    brake.end(R, true);
    expect(brake.admits(R)).toBe(false);
  });

  test('windows are per rollout step: the next weight starts clean', () => {
    const brake = new CanaryBrake();
    for (let i = 0; i < 2; i++) { brake.begin(R); brake.end(R, true); }
    expect(brake.admits(R)).toBe(false);
    expect(brake.admits({ ...R, weightPct: 100 })).toBe(true);
    expect(brake.admits({ ...R, id: 'other' })).toBe(true);
  });

  test.each([
    [{ errorBudget: 2 }, 2],
    [{ errorBudget: 0 }, 1],
    [undefined, 5],
  ] as const)('budget of gates %j is %d', (gates, want) => {
    expect(brakeBudget(gates === undefined ? { ...R, gates: undefined } as unknown as RolloutView : { ...R, gates })).toBe(want);
  });
});
