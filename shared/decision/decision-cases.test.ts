import { describe, expect, it } from 'vitest';
import { DECISION_CASES, checkDecisionCase, rngPinMismatch } from './decision-cases.ts';

describe('shared decision cases (also run in workerd by the Worker)', () => {
  it.each(DECISION_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(checkDecisionCase(c).problems).toEqual([]);
  });

  it('the RNG reproduces its pinned draws', () => {
    expect(rngPinMismatch()).toBeNull();
  });
});
