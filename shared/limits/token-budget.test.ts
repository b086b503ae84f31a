import { describe, expect, it } from 'vitest';
import { resolveTokenBudget, type TokenBudget } from './token-budget-config.ts';
import { admit, admitAll, draw, drawAll, tokensOverWindowBound, headroom, headroomHeaders, newBudgetState, periodEndOf, periodStartOf, roll, settle } from './token-budget.ts';

const tpm = (n: number): TokenBudget => ({ tokensPerMinute: n, spend: null, pricePerMillionTokens: null, defaultCompletionTokens: 256 });
const spend = (usd: number, period: 'hour' | 'day' | 'month'): TokenBudget => ({
  tokensPerMinute: null,
  spend: { usd, period },
  pricePerMillionTokens: { input: 1_000_000, output: 2_000_000 }, // $1 per input token, $2 per output token
  defaultCompletionTokens: 256,
});
const T0 = Date.UTC(2026, 11, 1, 4, 0, 0);

describe('admission', () => {
  it.each([
    ['room for all asked: reserved, no cap', tpm(1000), 10, 100, { ok: true, reserved: { prompt: 10, completion: 100 }, completionCap: null }],
    ['asked more than left: capped at what is left', tpm(60), 10, 500, { ok: true, reserved: { prompt: 10, completion: 50 }, completionCap: 50 }],
    ['no max_tokens: the default reserved, never a cap', tpm(1000), 10, null, { ok: true, reserved: { prompt: 10, completion: 256 }, completionCap: null }],
    ['no max_tokens, little left: what is left reserved, no cap', tpm(60), 10, null, { ok: true, reserved: { prompt: 10, completion: 50 }, completionCap: null }],
    ['prompt over a whole bucket: admitted when it is full, one completion token', tpm(60), 400, 5, { ok: true, reserved: { prompt: 400, completion: 1 }, completionCap: 1 }],
    ['spend: $10 allows a 2-token prompt and 4 completion tokens', spend(10, 'day'), 2, 100, { ok: true, reserved: { prompt: 2, completion: 4 }, completionCap: 4 }],
    ['spend: a prompt that costs it all is refused until the day ends', spend(10, 'day'), 10, 1, { ok: false, reason: 'spend', retryAfterS: 20 * 3600 }],
  ] as const)('%s', (_name, b, prompt, max, expected) => {
    const s = newBudgetState(b, T0);
    expect(admit(s, b, T0, prompt, max)).toEqual(expected);
  });

  it('a refused request waits for the bucket to refill enough (retry-after)', () => {
    const b = tpm(600); // 10 tokens/s
    const s = newBudgetState(b, T0);
    expect(admit(s, b, T0, 100, 500)).toMatchObject({ ok: true, reserved: { completion: 500 } });
    // Bucket empty; a 49-token prompt needs 50 tokens = 5 s.
    expect(admit(s, b, T0, 49, 10)).toEqual({ ok: false, reason: 'tokens', retryAfterS: 5 });
    expect(admit(s, b, T0 + 5_000, 49, 10)).toMatchObject({ ok: true, reserved: { prompt: 49, completion: 1 }, completionCap: 1 });
  });

  it('a prompt over the whole bucket waits for a full bucket, then takes it and owes the rest', () => {
    const b = tpm(60);
    const s = newBudgetState(b, T0);
    s.tokens = 30;
    expect(admit(s, b, T0, 400, 5)).toEqual({ ok: false, reason: 'tokens', retryAfterS: 30 });
    expect(admit(s, b, T0 + 30_000, 400, 5)).toMatchObject({ ok: true, reserved: { prompt: 400, completion: 1 } });
    expect(s.tokens).toBe(-341);
  });
});

describe('window roll-over', () => {
  it.each([
    ['hour', 'hour', Date.UTC(2026, 11, 1, 4, 37, 12), Date.UTC(2026, 11, 1, 4), Date.UTC(2026, 11, 1, 5)],
    ['day', 'day', Date.UTC(2026, 11, 1, 4, 37), Date.UTC(2026, 11, 1), Date.UTC(2026, 11, 2)],
    ['month (December into January)', 'month', Date.UTC(2026, 11, 31, 23, 59), Date.UTC(2026, 11, 1), Date.UTC(2027, 0, 1)],
    ['month (leap February)', 'month', Date.UTC(2028, 1, 29, 12), Date.UTC(2028, 1, 1), Date.UTC(2028, 2, 1)],
  ] as const)('%s: starts and ends on UTC calendar boundaries', (_n, period, now, start, end) => {
    expect(periodStartOf(period, now)).toBe(start);
    expect(periodEndOf(period, start)).toBe(end);
  });

  it('spend resets when its period ends; the bucket refills continuously up to one minute', () => {
    const b: TokenBudget = { ...spend(10, 'hour'), tokensPerMinute: 120 };
    const s = newBudgetState(b, T0);
    s.spentUsd = 10;
    s.tokens = -30; // debt
    roll(s, b, T0 + 30_000);
    expect(s.tokens).toBe(30);
    expect(s.spentUsd).toBe(10);
    roll(s, b, T0 + 3_600_000);
    expect(s.tokens).toBe(120);
    expect(s.spentUsd).toBe(0);
  });
});

describe('reconciliation', () => {
  it.each([
    ['shorter answer refunds', 100, { prompt: 10, completion: 50 }, { prompt: 3, completion: 20 }, 77],
    ['longer answer leaves debt', 100, { prompt: 10, completion: 50 }, { prompt: 30, completion: 80 }, -10],
    ['a refund never fills past the bucket', 100, { prompt: 10, completion: 50 }, { prompt: 0, completion: 0 }, 100],
    ['nothing delivered (failed attempt) refunds it all', 100, { prompt: 10, completion: 50 }, { prompt: 0, completion: 0 }, 100],
  ] as const)('%s', (_n, size, taken, used, left) => {
    const b = tpm(size);
    const s = newBudgetState(b, T0);
    s.tokens -= taken.prompt + taken.completion;
    settle(s, b, taken, used);
    expect(s.tokens).toBe(left);
  });

  it('spend is charged at the engine usage, at input and output prices', () => {
    const b = spend(100, 'day');
    const s = newBudgetState(b, T0);
    const a = admit(s, b, T0, 5, 10);
    expect(s.spentUsd).toBe(25);
    if (!a.ok) throw new Error('refused');
    settle(s, b, a.reserved, { prompt: 3, completion: 4 });
    expect(s.spentUsd).toBe(11);
  });

  it('draw takes tokens beyond the reservation until the budget is spent', () => {
    const b = tpm(10);
    const s = newBudgetState(b, T0);
    admit(s, b, T0, 2, 5);
    let drawn = 0;
    while (draw(s, b, T0, 1)) drawn += 1;
    expect(drawn).toBe(3);
  });
});

describe('headroom headers', () => {
  it('reports remaining tokens, time to a full bucket, and spend', () => {
    const b: TokenBudget = { ...spend(10, 'hour'), tokensPerMinute: 600 };
    const s = newBudgetState(b, T0);
    admit(s, b, T0, 1, 2);
    expect(headroomHeaders(headroom(s, b, T0))).toEqual({
      'x-ratelimit-limit-tokens': '600',
      'x-ratelimit-remaining-tokens': '597',
      'x-ratelimit-reset-tokens': '1s',
      'x-ratelimit-limit-usd': '10',
      'x-ratelimit-remaining-usd': '5.000000',
      'x-ratelimit-reset-usd': '3600s',
    });
  });
});

describe('config', () => {
  it.each([
    ['absent: no budget', undefined, null, []],
    ['tokens per minute only', { tokensPerMinute: 1000 }, { tokensPerMinute: 1000, spend: null, pricePerMillionTokens: null, defaultCompletionTokens: 256 }, []],
    [
      'spend with prices',
      { spend: { usd: 5, period: 'day' }, pricePerMillionTokens: { input: 0.5, output: 1.5 }, defaultCompletionTokens: 64 },
      { tokensPerMinute: null, spend: { usd: 5, period: 'day' }, pricePerMillionTokens: { input: 0.5, output: 1.5 }, defaultCompletionTokens: 64 },
      [],
    ],
    ['spend without prices', { spend: { usd: 5, period: 'day' } }, null, [[['pricePerMillionTokens'], 'a spend budget needs per-token prices: pricePerMillionTokens: { input, output } (USD per million tokens)']]],
    ['a shared scope kept as given', { tokensPerMinute: 10, scope: 'global' }, { tokensPerMinute: 10, spend: null, pricePerMillionTokens: null, defaultCompletionTokens: 256, scope: 'global' }, []],
    ['no limit at all', { pricePerMillionTokens: { input: 1, output: 1 } }, null, [[[], 'sets no limit: give tokensPerMinute, spend, or both (omit tokenBudget for none)']]],
    [
      'every bad field at once',
      { tokensPerMinute: 1.5, spend: { usd: -1, period: 'week' }, pricePerMillionTokens: { input: 'x', output: 1 }, extra: 1, scope: 'cluster' },
      null,
      [
        [['extra'], 'unknown field (known: tokensPerMinute, spend, pricePerMillionTokens, defaultCompletionTokens, scope)'],
        [['tokensPerMinute'], 'must be an integer from 1 to 1000000000, or null'],
        [['spend', 'usd'], 'must be a positive number of US dollars'],
        [['spend', 'period'], 'must be one of hour, day, month'],
        [['pricePerMillionTokens', 'input'], 'must be a number of US dollars >= 0'],
        [['scope'], 'must be one of proxy, region, global (absent = region)'],
      ],
    ],
  ] as const)('%s', (_n, value, budget, problems) => {
    const r = resolveTokenBudget(value);
    expect(r.budget).toEqual(budget);
    expect(r.problems).toEqual(problems);
  });
});

describe('several ledgers (app and project budgets): every one applies', () => {
  const ledger = (b: TokenBudget, tokens?: number): { state: ReturnType<typeof newBudgetState>; budget: TokenBudget } => {
    const state = newBudgetState(b, T0);
    if (tokens !== undefined) state.tokens = tokens;
    return { state, budget: b };
  };
  it.each([
    ['both roomy: reserved on both, no cap', [ledger(tpm(1000)), ledger(tpm(1000))], 10, 100, { ok: true, reserved: { prompt: 10, completion: 100 }, completionCap: null, tightest: 0 }],
    ['the project is tighter: capped at its room', [ledger(tpm(1000)), ledger(tpm(60))], 10, 500, { ok: true, reserved: { prompt: 10, completion: 50 }, completionCap: 50, tightest: 1 }],
    ['the app is tighter', [ledger(tpm(30)), ledger(tpm(1000))], 10, 500, { ok: true, reserved: { prompt: 10, completion: 20 }, completionCap: 20, tightest: 0 }],
    ['the project is empty: refused, naming it', [ledger(tpm(1000)), ledger(tpm(600), 0)], 9, 5, { ok: false, reason: 'tokens', retryAfterS: 1, index: 1 }],
    ['both empty: the longer wait names the budget', [ledger(tpm(600), 0), ledger(tpm(60), 0)], 9, 5, { ok: false, reason: 'tokens', retryAfterS: 10, index: 1 }],
    ['a zero share of a shared budget admits nothing (retry soon)', [ledger(tpm(0), 0)], 1, 1, { ok: false, reason: 'tokens', retryAfterS: 1, index: 0 }],
    ['project spend spent: refused until its period ends', [ledger(tpm(1000)), ledger(spend(1, 'hour'))], 2, 1, { ok: false, reason: 'spend', retryAfterS: 3600, index: 1 }],
  ] as const)('%s', (_n, ledgers, prompt, max, expected) => {
    expect(admitAll(ledgers, T0, prompt, max)).toEqual(expected);
  });

  it('an admission is debited on every ledger; a draw needs room on every one and names the short one', () => {
    const app = ledger(tpm(1000));
    const project = ledger(tpm(20));
    expect(admitAll([app, project], T0, 10, 5)).toMatchObject({ ok: true });
    expect([app.state.tokens, project.state.tokens]).toEqual([985, 5]);
    let drawn = 0;
    while (drawAll([app, project], T0, 1) === -1) drawn += 1;
    expect(drawn).toBe(5);
    expect(drawAll([app, project], T0, 1)).toBe(1);
    expect([app.state.tokens, project.state.tokens]).toEqual([980, 0]);
  });

  it('a share that shrinks below the bucket clamps it at the next roll', () => {
    const l = ledger(tpm(600));
    roll(l.state, tpm(100), T0);
    expect(l.state.tokens).toBe(100);
  });
});

describe('tokens over a window, across proxies (the documented bound)', () => {
  it.each([
    ['all renewing: one bucket plus the refill, whatever the proxies', 1200, 2, 0, 6, 1320],
    ['ten proxies renewing: still one bucket', 1200, 10, 0, 60, 2400],
    ['one of two cut off: adds its fallback share of the limit', 1200, 2, 1, 6, 1320 + 660],
    ['a lone proxy cut off: the limit itself once more', 600, 1, 1, 0, 1200],
  ] as const)('%s', (_n, limit, proxies, cutOff, windowS, expected) => {
    expect(tokensOverWindowBound(limit, proxies, cutOff, windowS)).toBeCloseTo(expected, 9);
  });
});
