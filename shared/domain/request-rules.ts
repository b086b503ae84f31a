/**
 * One reading of an app's request rules for every layer: the config parser reports the
 * problems with file positions, the snapshot parser rejects a bad stored row. Missing keys
 * take DEFAULT_REQUEST_RULES, so rows written before a rule existed stay valid.
 */
import { resolveTokenBudget } from '../limits/token-budget-config.ts';
import { resolveStreamRules } from './stream-rules.ts';
import { DEFAULT_REQUEST_RULES, PROMPT_CACHE_SCOPES, type AppRequestRules, type PromptCacheScope } from './types.ts';
import { isHeaderName } from '../http/header-name.ts';

export interface RequestRulesProblem {
  /** Key path inside the rules object (`['functions', 2]`), [] for the object itself. */
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export type RequestRulesResult =
  | { readonly ok: true; readonly rules: AppRequestRules }
  | { readonly ok: false; readonly problems: readonly RequestRulesProblem[] };

const KEYS = new Set(Object.keys(DEFAULT_REQUEST_RULES));
/** RFC 3986 pchar without percent-encoding: a canonical segment needs no decoding. */
const SEGMENT = /^[A-Za-z0-9\-._~!$&'()+,;=:@]+$/;
const MAX_BODY_LIMIT = 1024 * 1024 * 1024;

/** Why a function pattern is not canonical, or null when it is. */
export function functionPatternProblem(pattern: string): string | null {
  if (pattern === '*') return null;
  const segments = pattern.split('/');
  for (const [i, seg] of segments.entries()) {
    if (seg === '*' && i === segments.length - 1 && i > 0) continue;
    if (seg === '') return `"${pattern}" has an empty segment (no leading, trailing or double "/")`;
    if (seg === '.' || seg === '..') return `"${pattern}" has a "${seg}" segment`;
    if (!SEGMENT.test(seg)) {
      return `"${pattern}": segment "${seg}" may use letters, digits and -._~!$&'()+,;=:@ only ("*" only as the last segment)`;
    }
  }
  return null;
}

function positiveInt(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max;
}

function checkFunctions(value: unknown, problems: RequestRulesProblem[]): readonly string[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path: ['functions'], message: 'must be a non-empty list of function paths, e.g. ["v1/*"]' });
    return DEFAULT_REQUEST_RULES.functions;
  }
  value.forEach((p: unknown, i) => {
    const problem = typeof p === 'string' ? functionPatternProblem(p) : 'must be a string';
    if (problem !== null) problems.push({ path: ['functions', i], message: problem });
  });
  return value as string[];
}

/** `functions[2]: …` — for messages that have no structured path. */
export function describeProblems(problems: readonly RequestRulesProblem[]): string {
  return problems
    .map((p) => `${p.path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('')}: ${p.message}`)
    .join('; ');
}

function tokenBudget(value: unknown, streams: AppRequestRules['streams'], problems: RequestRulesProblem[]): AppRequestRules['tokenBudget'] {
  const r = resolveTokenBudget(value);
  for (const [path, message] of r.problems) problems.push({ path: ['tokenBudget', ...path], message });
  if (r.budget !== null && (streams.heartbeats || streams.continuation)) {
    // Managed streams splice events themselves: the budget's stream filter is not wired into them.
    problems.push({ path: ['tokenBudget'], message: 'cannot be combined with streams.heartbeats or streams.continuation (not supported yet)' });
  }
  return r.budget;
}

function streamRules(value: unknown, problems: RequestRulesProblem[]): AppRequestRules['streams'] {
  const r = resolveStreamRules(value);
  for (const [key, message] of r.problems) problems.push({ path: key === null ? ['streams'] : ['streams', key], message });
  return r.rules;
}

/** Validates a (partial) rules object and fills in the defaults; every problem is reported. */
export function resolveRequestRules(value: unknown): RequestRulesResult {
  if (value === undefined || value === null) return { ok: true, rules: DEFAULT_REQUEST_RULES };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problems: [{ path: [], message: 'must be an object' }] };
  }
  const raw = value as Record<string, unknown>;
  const problems: RequestRulesProblem[] = [];
  for (const key of Object.keys(raw)) {
    if (!KEYS.has(key)) problems.push({ path: [key], message: `unknown rule (known: ${[...KEYS].join(', ')})` });
  }
  const d = DEFAULT_REQUEST_RULES;
  const functions = raw['functions'] === undefined ? d.functions : checkFunctions(raw['functions'], problems);
  const pick = <T>(key: keyof AppRequestRules, ok: (v: unknown) => v is T, message: string, fallback: T): T => {
    const v = raw[key];
    if (v === undefined) return fallback;
    if (ok(v)) return v;
    problems.push({ path: [key], message });
    return fallback;
  };
  const streams = streamRules(raw['streams'], problems);
  const rules: AppRequestRules = {
    functions,
    maxBodyBytes: pick('maxBodyBytes', (v): v is number => positiveInt(v, MAX_BODY_LIMIT), 'must be an integer number of bytes, 1..1073741824', d.maxBodyBytes),
    forwardAuthorization: pick('forwardAuthorization', (v): v is boolean => typeof v === 'boolean', 'must be true or false', d.forwardAuthorization),
    ttfbBudgetMs: pick('ttfbBudgetMs', (v): v is number => positiveInt(v, 86_400_000), 'must be an integer number of milliseconds, 1..86400000', d.ttfbBudgetMs),
    nonStreamingTtfbBudgetMs: pick(
      'nonStreamingTtfbBudgetMs',
      (v): v is number => positiveInt(v, 86_400_000),
      'must be an integer number of milliseconds, 1..86400000',
      d.nonStreamingTtfbBudgetMs,
    ),
    maxInFlightPerReplica: pick(
      'maxInFlightPerReplica',
      (v): v is number | null => v === null || positiveInt(v, 1_000_000),
      'must be a positive integer or null',
      d.maxInFlightPerReplica,
    ),
    streams,
    jobKeyHeader: pick(
      'jobKeyHeader',
      (v): v is string | null => v === null || (typeof v === 'string' && isHeaderName(v)),
      'must be a lower-case HTTP header name such as "x-job-id", or null',
      d.jobKeyHeader,
    ),
    jobPinSeconds: pick('jobPinSeconds', (v): v is number => positiveInt(v, 7 * 86_400), 'must be an integer number of seconds, 1..604800', d.jobPinSeconds),
    tokenBudget: tokenBudget(raw['tokenBudget'], streams, problems),
    promptCache: pick(
      'promptCache',
      (v): v is PromptCacheScope => (PROMPT_CACHE_SCOPES as readonly unknown[]).includes(v),
      `must be one of ${PROMPT_CACHE_SCOPES.map((s) => `"${s}"`).join(', ')}`,
      d.promptCache,
    ),
  };
  return problems.length > 0 ? { ok: false, problems } : { ok: true, rules };
}
