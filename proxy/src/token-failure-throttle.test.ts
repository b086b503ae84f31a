import { describe, expect, it } from 'vitest';
import { parseFailureBudget, TokenFailureThrottle } from './token-failure-throttle.ts';

const BUDGET = { failures: 3, windowMs: 3_000 }; // one failure back per second
/** Null when the client may have its token checked; else whole seconds until it may. */
const waitS = (t: TokenFailureThrottle, client: string, now: number): number | null => t.refusal(client, now)?.waitS ?? null;

describe('TokenFailureThrottle', () => {
  // Each step: [client, at ms, 'fail' | 'ask'], and for 'ask' the expected retry-after (null: may check).
  it.each([
    ['a client with no failures may check', [['a', 0, 'ask', null]]],
    ['under the budget it may still check', [['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'ask', null]]],
    ['at the budget it waits a second for one failure back', [['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'ask', 1]]],
    ['the bucket refills with time', [['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 999, 'ask', 1], ['a', 1_000, 'ask', null]]],
    ['another client is unaffected', [['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'fail'], ['b', 0, 'ask', null]]],
    ['failures while throttled never push the wait past a refill of one', [['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 1_000, 'ask', null]]],
    ['a quiet spell restores the whole budget, not more', [['a', 0, 'fail'], ['a', 60_000, 'fail'], ['a', 60_000, 'fail'], ['a', 60_000, 'ask', null], ['a', 60_000, 'fail'], ['a', 60_000, 'ask', 1]]],
  ] as const)('%s', (_name, steps) => {
    const t = new TokenFailureThrottle(BUDGET);
    for (const step of steps) {
      const [client, at, what] = step;
      if (what === 'fail') t.failed(client, at);
      else expect(waitS(t, client, at)).toBe(step[3]);
    }
  });

  // Budget 2 per client per 2 s, total 2 × 2 = 4 in all (one back every 500 ms).
  // Each step: [client, at ms, 'fail' | 'ask'], and for 'ask' the expected refusal (null: may check).
  it.each([
    ['failures everywhere use the total: a client that failed waits for it, one that has not is still checked', [['a', 0, 'fail'], ['b', 0, 'fail'], ['c', 0, 'fail'], ['d', 0, 'fail'], ['a', 0, 'ask', { waitS: 1, scope: 'all' }], ['e', 0, 'ask', null]]],
    ['the total refills with time', [['a', 0, 'fail'], ['b', 0, 'fail'], ['c', 0, 'fail'], ['d', 0, 'fail'], ['a', 499, 'ask', { waitS: 1, scope: 'all' }], ['a', 500, 'ask', null]]],
    ["a client's own budget is asked first", [['a', 0, 'fail'], ['a', 0, 'fail'], ['a', 0, 'ask', { waitS: 1, scope: 'client' }], ['b', 0, 'fail'], ['b', 0, 'ask', null]]],
    ['under the total, a client that failed once may check again', [['a', 0, 'fail'], ['b', 0, 'fail'], ['a', 0, 'ask', null]]],
  ] as const)('%s', (_name, steps) => {
    const t = new TokenFailureThrottle({ failures: 2, windowMs: 2_000 }, 100, 2);
    expect(t.total).toBe(4);
    for (const step of steps) {
      const [client, at, what] = step;
      if (what === 'fail') t.failed(client, at);
      else expect(t.refusal(client, at)).toEqual(step[3]);
    }
  });

  it('holds at most maxClients keys, evicting the least recently failing', () => {
    const t = new TokenFailureThrottle({ failures: 1, windowMs: 60_000 }, 3);
    for (const c of ['a', 'b', 'c']) t.failed(c, 0);
    t.failed('a', 1); // a fails again: now the most recent
    t.failed('d', 2); // evicts b
    expect(t.size).toBe(3);
    expect(waitS(t, 'b', 3)).toBeNull();
    expect(waitS(t, 'a', 3)).not.toBeNull();
    expect(waitS(t, 'd', 3)).not.toBeNull();
  });

  it('forgets a client whose bucket has refilled', () => {
    const t = new TokenFailureThrottle(BUDGET);
    t.failed('a', 0);
    expect(waitS(t, 'a', 999)).toBeNull();
    expect(t.size).toBe(1);
    expect(waitS(t, 'a', 1_000)).toBeNull();
    expect(t.size).toBe(0);
  });

  it('a spray of 100k addresses stays within the bound', () => {
    const t = new TokenFailureThrottle({ failures: 1, windowMs: 60_000 }, 1_000);
    for (let i = 0; i < 100_000; i++) t.failed(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, i);
    expect(t.size).toBe(1_000);
  });
});

describe('parseFailureBudget (PROXY_TOKEN_FAILURE_BUDGET)', () => {
  it.each([
    ['20/10s', { failures: 20, windowMs: 10_000 }],
    [' 1/1s ', { failures: 1, windowMs: 1_000 }],
    ['off', null],
  ])('%j → %j', (raw, value) => {
    expect(parseFailureBudget(raw)).toEqual({ ok: true, value });
  });

  it.each(['', '20', '20/10', '0/10s', '20/0s', '-1/10s', '1.5/10s', '20/10ms', 'twenty/10s', '20 / 10s', '20/100000s'])('%j is refused with what is expected', (raw) => {
    const r = parseFailureBudget(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.expected).toContain('20/10s');
  });
});
