/**
 * Token-budget arithmetic, pure: a tokens-per-minute bucket (refilled continuously, capacity one
 * minute's worth, allowed to go into debt when an answer used more than was reserved) and spend
 * per calendar period (UTC). Admission reserves an estimate and may cap the completion; a stream
 * draws tokens beyond its reservation one by one; the end settles to the engine's usage.
 */
import { DEFAULT_COMPLETION_TOKENS, type SpendPeriod, type TokenBudget } from './token-budget-config.ts';

export interface BudgetState {
  /** Tokens left in the per-minute bucket (negative: debt from an under-estimate). */
  tokens: number;
  refilledAt: number;
  /** USD this proxy charged in the current period. */
  spentUsd: number;
  /** USD the app's other proxies charged in the current period (from the shared ledger). */
  othersUsd: number;
  periodStart: number;
}

export interface TokenCount {
  readonly prompt: number;
  readonly completion: number;
}

export type Admission =
  | {
      readonly ok: true;
      readonly reserved: TokenCount;
      /** Lower the request's max_tokens to this (it asked for more than the budget allows); null = leave it. */
      readonly completionCap: number | null;
    }
  | { readonly ok: false; readonly reason: 'tokens' | 'spend'; readonly retryAfterS: number };

export function periodStartOf(period: SpendPeriod, now: number): number {
  const d = new Date(now);
  if (period === 'hour') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours());
  if (period === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function periodEndOf(period: SpendPeriod, start: number): number {
  const d = new Date(start);
  if (period === 'hour') return start + 3_600_000;
  if (period === 'day') return start + 86_400_000;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function newBudgetState(b: TokenBudget, now: number): BudgetState {
  return { tokens: b.tokensPerMinute ?? 0, refilledAt: now, spentUsd: 0, othersUsd: 0, periodStart: b.spend === null ? now : periodStartOf(b.spend.period, now) };
}

/** Refill the bucket to `now` and start a new spend period when the old one ended. */
export function roll(s: BudgetState, b: TokenBudget, now: number): void {
  // Always clamped: a proxy's share of a shared budget can shrink below what its bucket holds.
  if (b.tokensPerMinute !== null) {
    s.tokens = Math.min(b.tokensPerMinute, s.tokens + (Math.max(0, now - s.refilledAt) / 60_000) * b.tokensPerMinute);
  }
  s.refilledAt = Math.max(s.refilledAt, now);
  if (b.spend !== null && now >= periodEndOf(b.spend.period, s.periodStart)) {
    s.spentUsd = 0;
    s.othersUsd = 0;
    s.periodStart = periodStartOf(b.spend.period, now);
  }
}

export function costUsd(b: TokenBudget, t: TokenCount): number {
  const p = b.pricePerMillionTokens;
  return p === null ? 0 : (t.prompt * p.input + t.completion * p.output) / 1e6;
}

/** Completion tokens the budget still allows after a prompt of `promptTokens` (may be fractional or negative). */
function completionRoom(s: BudgetState, b: TokenBudget, promptTokens: number): { room: number; by: 'tokens' | 'spend' } {
  const byTokens = b.tokensPerMinute === null ? Infinity : s.tokens - promptTokens;
  let bySpend = Infinity;
  if (b.spend !== null) {
    const left = b.spend.usd - s.spentUsd - s.othersUsd - costUsd(b, { prompt: promptTokens, completion: 0 });
    const out = (b.pricePerMillionTokens?.output ?? 0) / 1e6;
    bySpend = out > 0 ? left / out : left > 0 ? Infinity : -1;
  }
  return byTokens <= bySpend ? { room: byTokens, by: 'tokens' } : { room: bySpend, by: 'spend' };
}

/** Seconds until the budget has room for `needTokens` more tokens (>= 1). */
export function retryAfterS(s: BudgetState, b: TokenBudget, by: 'tokens' | 'spend', needTokens: number, now: number): number {
  if (by === 'spend' && b.spend !== null) return Math.max(1, Math.ceil((periodEndOf(b.spend.period, s.periodStart) - now) / 1000));
  const tpm = b.tokensPerMinute;
  // No share of a shared budget here yet: the leases re-balance within seconds.
  if (tpm === null || tpm <= 0) return 1;
  // A request bigger than a whole minute's bucket waits for a full bucket, then may take it all.
  const need = Math.min(tpm, needTokens) - s.tokens;
  return Math.max(1, Math.ceil((need / tpm) * 60));
}

/** One budget a request must pass: its app's, its project's (every one applies). */
export interface Ledger {
  readonly state: BudgetState;
  /** As enforced here: a shared budget's `tokensPerMinute` is this proxy's share of it. */
  readonly budget: TokenBudget;
}

export type LedgerAdmission =
  | (Extract<Admission, { ok: true }> & {
      /** The ledger with the least room (whose budget a lowered max_tokens stops at). */
      readonly tightest: number;
    })
  | (Extract<Admission, { ok: false }> & {
      /** Which ledger refused (the one with the longest wait when several did). */
      readonly index: number;
    });

/**
 * Admit a request estimated at `promptTokens` and asking for `maxCompletion` (null = unsaid)
 * against every ledger: refuse when one has not a single completion token left; else reserve
 * the prompt plus what it asked for (or the default) within the smallest room, on every ledger,
 * and cap max_tokens when it asked for more than that room.
 */
export function admitAll(ledgers: readonly Ledger[], now: number, promptTokens: number, maxCompletion: number | null): LedgerAdmission {
  let allowance = Infinity;
  let tightest = 0;
  let refusal: Extract<LedgerAdmission, { ok: false }> | null = null;
  for (const [index, { state: s, budget: b }] of ledgers.entries()) {
    roll(s, b, now);
    // A prompt bigger than a whole minute's bucket gets in when the bucket is full (then owes the rest).
    const fitted = b.tokensPerMinute === null ? promptTokens : Math.min(promptTokens, b.tokensPerMinute - 1);
    const { room, by } = completionRoom(s, b, fitted);
    // A zero share of a shared budget admits nothing (its bucket is empty by definition).
    const mine = b.tokensPerMinute !== null && b.tokensPerMinute < 1 ? 0 : Math.floor(room);
    if (mine < 1) {
      const wait = retryAfterS(s, b, by, promptTokens + 1, now);
      if (refusal === null || wait > refusal.retryAfterS) refusal = { ok: false, reason: by, retryAfterS: wait, index };
    }
    if (mine < allowance) [allowance, tightest] = [mine, index];
  }
  if (refusal !== null) return refusal;
  // The first ledger (the app's, when it has one) says what a request without max_tokens reserves.
  const want = maxCompletion ?? ledgers[0]?.budget.defaultCompletionTokens ?? DEFAULT_COMPLETION_TOKENS;
  const reserved = { prompt: promptTokens, completion: Math.min(want, allowance) };
  for (const { state, budget } of ledgers) debit(state, budget, reserved);
  return { ok: true, reserved, completionCap: maxCompletion !== null && maxCompletion > allowance ? allowance : null, tightest };
}

/** `admitAll` against one budget. */
export function admit(s: BudgetState, b: TokenBudget, now: number, promptTokens: number, maxCompletion: number | null): Admission {
  const r = admitAll([{ state: s, budget: b }], now, promptTokens, maxCompletion);
  return r.ok ? { ok: true, reserved: r.reserved, completionCap: r.completionCap } : { ok: false, reason: r.reason, retryAfterS: r.retryAfterS };
}

/**
 * `n` more completion tokens beyond the reservation, if every ledger has them (then taken from
 * each): -1, else the index of the first ledger without them.
 */
export function drawAll(ledgers: readonly Ledger[], now: number, n: number): number {
  for (const [index, { state, budget }] of ledgers.entries()) {
    roll(state, budget, now);
    if (completionRoom(state, budget, 0).room < n) return index;
  }
  for (const { state, budget } of ledgers) debit(state, budget, { prompt: 0, completion: n });
  return -1;
}

/** One more completion token beyond the reservation, if the budget has it. */
export function draw(s: BudgetState, b: TokenBudget, now: number, n: number): boolean {
  return drawAll([{ state: s, budget: b }], now, n) === -1;
}

function debit(s: BudgetState, b: TokenBudget, t: TokenCount): void {
  if (b.tokensPerMinute !== null) s.tokens -= t.prompt + t.completion;
  if (b.spend !== null) s.spentUsd += costUsd(b, t);
}

/**
 * Replace what was taken (`taken`: the reservation plus any draws) by what was used: a refund
 * when the answer was shorter, debt when it was longer. The bucket never refills past its size.
 */
export function settle(s: BudgetState, b: TokenBudget, taken: TokenCount, used: TokenCount): void {
  if (b.tokensPerMinute !== null) {
    const delta = taken.prompt + taken.completion - (used.prompt + used.completion);
    s.tokens = Math.min(b.tokensPerMinute, s.tokens + delta);
  }
  if (b.spend !== null) s.spentUsd = Math.max(0, s.spentUsd - costUsd(b, taken) + costUsd(b, used));
}

/** What the response headers report: remaining tokens / USD and seconds until full / the period resets. */
export interface BudgetHeadroom {
  readonly tokens: { readonly limit: number; readonly remaining: number; readonly resetS: number } | null;
  readonly usd: { readonly limit: number; readonly remaining: number; readonly resetS: number } | null;
}

/** `b` as enforced here (a share of a shared budget), `limit` the configured tokens per minute. */
export function headroom(s: BudgetState, b: TokenBudget, now: number, limit: number | null = b.tokensPerMinute): BudgetHeadroom {
  roll(s, b, now);
  const tpm = b.tokensPerMinute;
  return {
    tokens:
      tpm === null
        ? null
        : { limit: limit ?? tpm, remaining: Math.max(0, Math.floor(s.tokens)), resetS: tpm <= 0 ? 1 : Math.ceil(((tpm - s.tokens) / tpm) * 60) },
    usd:
      b.spend === null
        ? null
        : { limit: b.spend.usd, remaining: Math.max(0, b.spend.usd - s.spentUsd - s.othersUsd), resetS: Math.ceil((periodEndOf(b.spend.period, s.periodStart) - now) / 1000) },
  };
}

/** OpenAI-style rate-limit headers (`x-ratelimit-*-tokens`), plus the same for USD spend. */
/**
 * OpenAI-style rate-limit headers (`x-ratelimit-*-tokens`), plus the same for USD spend; a
 * project's budget as `x-ratelimit-*-project-tokens` / `-project-usd` (`infix` 'project-').
 */
export function headroomHeaders(h: BudgetHeadroom, infix: '' | 'project-' = ''): Record<string, string> {
  const out: Record<string, string> = {};
  if (h.tokens !== null) {
    out[`x-ratelimit-limit-${infix}tokens`] = String(h.tokens.limit);
    out[`x-ratelimit-remaining-${infix}tokens`] = String(h.tokens.remaining);
    out[`x-ratelimit-reset-${infix}tokens`] = `${h.tokens.resetS}s`;
  }
  if (h.usd !== null) {
    out[`x-ratelimit-limit-${infix}usd`] = String(h.usd.limit);
    out[`x-ratelimit-remaining-${infix}usd`] = h.usd.remaining.toFixed(6);
    out[`x-ratelimit-reset-${infix}usd`] = `${h.usd.resetS}s`;
  }
  return out;
}

/**
 * The documented worst case (proxy/README.md "Token budgets", across proxies): tokens the
 * proxies of a scope together let the engines use for one tokens-per-minute budget of `limit`
 * over any window of `windowS` seconds, with `cutOff` of its `proxies` unable to reach libSQL.
 * Renewing proxies' claims sum to at most the limit, each bucket holds at most its claim and
 * refills at its claim: together one full bucket plus the window's refill, as one proxy with the
 * whole budget. A cut-off proxy adds its fallback share's bucket and refill (its claim, which
 * it keeps two intervals, is already inside the first term). Not included: prompts the
 * admission estimate (characters / 4) under-counted, whose excess is debt settled afterwards.
 */
export function tokensOverWindowBound(limit: number, proxies: number, cutOff: number, windowS: number): number {
  const perWindow = (tpm: number): number => tpm * (1 + windowS / 60);
  const n = Math.max(1, proxies);
  const fallback = Math.min(limit, Math.max(1, limit / n));
  return perWindow(limit) + Math.max(0, Math.min(cutOff, n)) * perWindow(fallback);
}
