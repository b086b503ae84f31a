/**
 * LLM token budgets of an app (`requests.tokenBudget`) or of a whole project
 * (`projects[].tokenBudget`): tokens per minute and spend per calendar period, priced from
 * per-token prices in config. An app's is stored inside its request rules (one JSON column), a
 * project's in `projects.token_budget_json`; enforced by the regional proxy (proxy/src/token-budgets.ts).
 * Absent = no budget: the proxy neither reads the body nor touches the stream.
 */
import type { LimitScope } from '../domain/types.ts';

export type SpendPeriod = 'hour' | 'day' | 'month';
const SCOPES: readonly LimitScope[] = ['proxy', 'region', 'global'];
export const SPEND_PERIODS: readonly SpendPeriod[] = ['hour', 'day', 'month'];

export interface TokenBudget {
  /** Prompt + completion tokens per minute (a bucket refilled continuously); null = unlimited. */
  readonly tokensPerMinute: number | null;
  /** USD per calendar period (UTC); null = unlimited. Needs `pricePerMillionTokens`. */
  readonly spend: { readonly usd: number; readonly period: SpendPeriod } | null;
  /** USD per million input (prompt) and output (completion) tokens; null = not priced. */
  readonly pricePerMillionTokens: { readonly input: number; readonly output: number } | null;
  /** Completion tokens reserved at admission for a request that names no `max_tokens`. */
  readonly defaultCompletionTokens: number;
  /**
   * Which proxies share `tokensPerMinute` (as `limits.scope` for concurrency/RPS): those of one
   * region (absent = `region`), every proxy (`global`), or each alone (`proxy`). Spend is always
   * global (with libSQL). proxy/src/token-leases.ts.
   */
  readonly scope?: LimitScope;
}

export const DEFAULT_COMPLETION_TOKENS = 256;
const KEYS = ['tokensPerMinute', 'spend', 'pricePerMillionTokens', 'defaultCompletionTokens', 'scope'];
const MAX_TOKENS = 1_000_000_000;

export type BudgetProblem = readonly [path: readonly string[], message: string];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(v: unknown, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max;
}

function finiteAtLeast(v: unknown, min: number, strict: boolean): v is number {
  return typeof v === 'number' && Number.isFinite(v) && (strict ? v > min : v >= min);
}

function unknownKeys(raw: Record<string, unknown>, known: readonly string[], at: readonly string[], problems: BudgetProblem[]): void {
  for (const k of Object.keys(raw)) if (!known.includes(k)) problems.push([[...at, k], `unknown field (known: ${known.join(', ')})`]);
}

function spendOf(v: unknown, problems: BudgetProblem[]): TokenBudget['spend'] {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) {
    problems.push([['spend'], 'must be an object such as { usd: 50, period: day }']);
    return null;
  }
  unknownKeys(v, ['usd', 'period'], ['spend'], problems);
  const usd = v['usd'];
  const period = v['period'];
  const okUsd = finiteAtLeast(usd, 0, true);
  const okPeriod = typeof period === 'string' && (SPEND_PERIODS as readonly string[]).includes(period);
  if (!okUsd) problems.push([['spend', 'usd'], 'must be a positive number of US dollars']);
  if (!okPeriod) problems.push([['spend', 'period'], `must be one of ${SPEND_PERIODS.join(', ')}`]);
  return okUsd && okPeriod ? { usd, period: period as SpendPeriod } : null;
}

function pricesOf(v: unknown, problems: BudgetProblem[]): TokenBudget['pricePerMillionTokens'] {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) {
    problems.push([['pricePerMillionTokens'], 'must be an object such as { input: 0.5, output: 1.5 }']);
    return null;
  }
  unknownKeys(v, ['input', 'output'], ['pricePerMillionTokens'], problems);
  const input = v['input'];
  const output = v['output'];
  const okIn = finiteAtLeast(input, 0, false);
  const okOut = finiteAtLeast(output, 0, false);
  if (!okIn) problems.push([['pricePerMillionTokens', 'input'], 'must be a number of US dollars >= 0']);
  if (!okOut) problems.push([['pricePerMillionTokens', 'output'], 'must be a number of US dollars >= 0']);
  return okIn && okOut ? { input, output } : null;
}

/** Validates `requests.tokenBudget`; every problem is reported, each with its path below it. */
export function resolveTokenBudget(value: unknown): { readonly budget: TokenBudget | null; readonly problems: readonly BudgetProblem[] } {
  if (value === undefined || value === null) return { budget: null, problems: [] };
  if (!isObject(value)) {
    return { budget: null, problems: [[[], 'must be an object such as { tokensPerMinute: 100000, spend: { usd: 50, period: day }, pricePerMillionTokens: { input: 0.5, output: 1.5 } }']] };
  }
  const problems: BudgetProblem[] = [];
  unknownKeys(value, KEYS, [], problems);
  const tpm = value['tokensPerMinute'];
  const tokensPerMinute = tpm === undefined || tpm === null ? null : posInt(tpm, MAX_TOKENS) ? tpm : undefined;
  if (tokensPerMinute === undefined) problems.push([['tokensPerMinute'], `must be an integer from 1 to ${MAX_TOKENS}, or null`]);
  const spend = spendOf(value['spend'], problems);
  const pricePerMillionTokens = pricesOf(value['pricePerMillionTokens'], problems);
  const dct = value['defaultCompletionTokens'];
  if (dct !== undefined && !posInt(dct, 1_000_000)) problems.push([['defaultCompletionTokens'], 'must be an integer from 1 to 1000000']);
  const scope = value['scope'];
  const okScope = scope === undefined || (typeof scope === 'string' && (SCOPES as readonly string[]).includes(scope));
  if (!okScope) problems.push([['scope'], `must be one of ${SCOPES.join(', ')} (absent = region)`]);
  if (value['spend'] !== undefined && value['spend'] !== null && value['pricePerMillionTokens'] === undefined) {
    problems.push([['pricePerMillionTokens'], 'a spend budget needs per-token prices: pricePerMillionTokens: { input, output } (USD per million tokens)']);
  }
  if ((tpm === undefined || tpm === null) && (value['spend'] === undefined || value['spend'] === null)) {
    problems.push([[], 'sets no limit: give tokensPerMinute, spend, or both (omit tokenBudget for none)']);
  }
  if (problems.length > 0 || tokensPerMinute === undefined) return { budget: null, problems };
  return {
    budget: {
      tokensPerMinute,
      spend,
      pricePerMillionTokens,
      defaultCompletionTokens: posInt(dct, 1_000_000) ? dct : DEFAULT_COMPLETION_TOKENS,
      ...(scope === undefined ? {} : { scope: scope as LimitScope }),
    },
    problems,
  };
}
