/**
 * Policy canaries: a candidate policy (other `ROUTE_*` values) decides a fixed
 * share of requests at the edge while the stable policy decides the rest, and
 * both decisions of every request in the slice are logged (`CanaryNote`).
 *
 * Configured by two Worker vars, read with the policy:
 *   ROUTE_CANARY_PERCENT  0–100 (decimals allowed, e.g. 5 or 0.5); unset or 0: no canary
 *   ROUTE_CANARY_POLICY   JSON object of ROUTE_* overrides applied on top of the stable
 *                         vars, e.g. {"ROUTE_POLICY_VERSION":"cheap-v2","ROUTE_LATENCY_VALUE_USD":"0.01"};
 *                         it must set ROUTE_POLICY_VERSION to a name other than the stable one
 *                         (that name is what the log, `switchyard canary status` and replay show).
 *
 * Which requests: a hash of the app and the request's session key (the app's affinity
 * header, else its job key hash, else the client's salted identity — session header/cookie,
 * else IP + user agent, shared/rollout/client-key.ts — else the request's own seed) picks a bucket out of
 * 10,000; buckets below percent × 100 run the candidate — so a conversation stays on
 * one policy, and the slice is the same on every edge. Pure: no I/O.
 */
import { parsePolicy } from '../decision/policy.ts';
import { unknownPolicyVariable } from '../decision/unknown-policy-variable.ts';
import type { Decision, Policy } from '../decision/types.ts';
import type { ConfigError, Env, ParseResult } from '../env/index.ts';

export const CANARY_PERCENT_VAR = 'ROUTE_CANARY_PERCENT';
export const CANARY_POLICY_VAR = 'ROUTE_CANARY_POLICY';
/** Every `ROUTE_CANARY_*` name the canary reads (any other is a typo: `unknownRouteVariable`). */
export const CANARY_VARIABLES: readonly string[] = [CANARY_PERCENT_VAR, CANARY_POLICY_VAR];
const BUCKETS = 10_000;

export interface CanaryConfig {
  /** Share of requests (0–100) the candidate decides. */
  readonly percent: number;
  /** The candidate's policy (its `version` names it). */
  readonly policy: Policy;
  /** The ROUTE_* overrides as given (what `canary promote` prints). */
  readonly overrides: Readonly<Record<string, string>>;
}

/** What the decision log records for a request in the slice: both policies' choices. */
export interface CanaryNote {
  readonly v: 1;
  /** The candidate policy's name (ROUTE_POLICY_VERSION in ROUTE_CANARY_POLICY). */
  readonly policy: string;
  readonly percent: number;
  /** Which policy's decision was served: always the candidate's inside the slice. */
  readonly served: 'candidate';
  readonly chosen: string | null;
  readonly fallbacks: readonly string[];
  readonly stablePolicy: string;
  readonly stableChosen: string | null;
  readonly stableFallbacks: readonly string[];
  /** What the stable decision was made with, so replay re-runs both sides exactly. */
  readonly stablePolicyJson: Policy;
  /** The candidate's ROUTE_* overrides (what `switchyard canary promote` tells the operator to set). */
  readonly overrides: Readonly<Record<string, string>>;
}

/**
 * The canary from `env` (null when off), with every problem reported at once.
 * `stable` is the policy parsed from the same env.
 */
export function parseCanary(env: Env, stable: Policy): ParseResult<CanaryConfig | null> {
  const errors: ConfigError[] = [];
  const rawPercent = env[CANARY_PERCENT_VAR];
  const rawPolicy = env[CANARY_POLICY_VAR];
  const fail = (variable: string, value: string | undefined, why: string): void => {
    errors.push({ variable, value, message: `${variable}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${why}` });
  };
  let percent = 0;
  if (rawPercent !== undefined && rawPercent.trim() !== '') {
    percent = Number(rawPercent);
    if (!/^\d+(\.\d+)?$/.test(rawPercent.trim()) || !(percent >= 0 && percent <= 100)) {
      fail(CANARY_PERCENT_VAR, rawPercent, 'expected a number from 0 to 100 (the share of requests the candidate policy decides)');
    }
  }
  const hasPolicy = rawPolicy !== undefined && rawPolicy.trim() !== '';
  if (percent > 0 && !hasPolicy) fail(CANARY_POLICY_VAR, undefined, `is required when ${CANARY_PERCENT_VAR} is above 0: a JSON object of ROUTE_* overrides`);
  if (!hasPolicy) return errors.length > 0 ? { ok: false, errors } : { ok: true, value: null };
  let overrides: Record<string, string> = {};
  try {
    const o: unknown = JSON.parse(rawPolicy);
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('not an object');
    for (const [k, v] of Object.entries(o)) {
      if (!k.startsWith('ROUTE_') || k.startsWith('ROUTE_CANARY_')) fail(CANARY_POLICY_VAR, undefined, `key ${k}: only ROUTE_* policy variables (not ROUTE_CANARY_*) can be overridden`);
      else if (typeof v !== 'string' && typeof v !== 'number') fail(CANARY_POLICY_VAR, undefined, `key ${k}: the value must be a string or number, as a Worker var`);
      else if (unknownPolicyVariable(k) !== null) fail(CANARY_POLICY_VAR, undefined, `key ${k}: ${unknownPolicyVariable(k) ?? ''}`);
      else overrides[k] = String(v);
    }
  } catch {
    fail(CANARY_POLICY_VAR, undefined, 'is not a JSON object, e.g. {"ROUTE_POLICY_VERSION":"cheap-v2","ROUTE_LATENCY_VALUE_USD":"0.01"}');
    overrides = {};
  }
  const version = overrides['ROUTE_POLICY_VERSION'];
  if (version === undefined) fail(CANARY_POLICY_VAR, undefined, 'must set ROUTE_POLICY_VERSION: the name the log and `switchyard canary status` show for the candidate');
  else if (version === stable.version) fail(CANARY_POLICY_VAR, undefined, `ROUTE_POLICY_VERSION "${version}" is the stable policy's name too; give the candidate its own`);
  const candidate = parsePolicy({ ...env, ...overrides });
  if (!candidate.ok) for (const e of candidate.errors) fail(`${CANARY_POLICY_VAR}.${e.variable}`, undefined, e.message);
  if (errors.length > 0 || !candidate.ok) return { ok: false, errors };
  return { ok: true, value: percent === 0 ? null : { percent, policy: candidate.value, overrides } };
}

/** FNV-1a (32 bit) of a string: cheap, stable on every runtime, good enough to spread session keys. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Whether the request with this session key runs the candidate policy. */
export function inCanary(appId: string, sessionKey: string, percent: number): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  return fnv1a(`${appId}\u0000${sessionKey}`) % BUCKETS < Math.round(percent * 100);
}

/** The log's note for a request in the slice: the served (candidate) decision next to the stable one. */
export function canaryNote(c: CanaryConfig, served: Decision, stable: Decision, stablePolicy: Policy): CanaryNote {
  return {
    v: 1,
    policy: c.policy.version,
    percent: c.percent,
    served: 'candidate',
    chosen: served.chosen,
    fallbacks: served.fallbacks,
    stablePolicy: stablePolicy.version,
    stableChosen: stable.chosen,
    stableFallbacks: stable.fallbacks,
    stablePolicyJson: stablePolicy,
    overrides: c.overrides,
  };
}
