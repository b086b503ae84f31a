/**
 * The Worker's whole configuration, parsed once per isolate from its environment: ROUTE_* (the
 * decision policy, via shared `parsePolicy`), EDGE_* (this Worker's behaviour), LIBSQL_* and the
 * token signing key. Every invalid variable is reported at once; nothing is silently defaulted.
 * See workers/README.md for the table of variables. In shared/ (pure, no I/O) because two read it:
 * the Worker, which can only answer 500 bad-config, and `switchyard edge --workerd`, which
 * refuses to start (control/ may not import workers/).
 */
import { CANARY_VARIABLES, parseCanary, type CanaryConfig } from '../canary/canary.ts';
import { parsePolicy } from '../decision/index.ts';
import type { Policy } from '../decision/types.ts';
import { unknownRouteVariable } from '../decision/unknown-policy-variable.ts';
import { sha256Hex } from '../hashing/sha256-hex.ts';
import { importSigningKey, type SigningKey } from '../tokens/index.ts';
import { otlpUrlProblem, validRatio } from '../tracing/index.ts';
import { DEFAULT_ANSWER_MODES, type DefaultAnswerMode } from './answer-modes.ts';
import { EnvReader, type EnvProblem, type EnvVars } from './edge-env-reader.ts';

/** The edge's OpenTelemetry traces (EDGE_OTLP_TRACES_*, EDGE_TRACE_*). */
export interface EdgeTracingConfig {
  /** OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly tracesUrl: string;
  readonly sampleRatio: number;
  readonly serviceName: string;
  /** Sent with every export (EDGE_OTLP_TRACES_HEADERS: a collector's API key). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface EdgeConfig {
  readonly answerMode: DefaultAnswerMode;
  /** Snapshots older than this are refreshed in the background (stale-while-revalidate). */
  readonly refreshMs: number;
  /** Decisions from a snapshot older than this are marked stale (database unreachable). */
  readonly staleSnapshotMs: number;
  /** How long an unknown app / unknown key answer is cached. */
  readonly negativeCacheMs: number;
  readonly maxApps: number;
  /** "Unknown app" / "unknown key" answers kept, each in its own LRU apart from real entries. */
  readonly maxNegative: number;
  /** First loads (app or key not cached) in flight per cache; beyond it 503 `edge-busy`. */
  readonly maxFirstLoads: number;
  /** How long the first request on a stale snapshot waits for a refresh before deciding stale. */
  readonly staleRefreshWaitMs: number;
  /** Longest a snapshot or key read may take before it counts as "database unreachable". */
  readonly dbTimeoutMs: number;
  readonly maxKeys: number;
  /**
   * Keys of the projects past `maxKeys` that an isolate holds as a filter of their hashes (4 bytes
   * a key; EDGE_MAX_FILTERED_KEYS), fewest-keys projects first: a made-up key for such a project is
   * refused with no read. 0: none (every key of those projects costs a read, as before).
   */
  readonly maxFilteredKeys: number;
  readonly tokenTtlSeconds: number;
  readonly tokenIssuer: string;
  readonly auth: boolean;
  /**
   * Bytes of request bodies an isolate holds to re-send on a fallback (EDGE_RETRY_BUFFER_BYTES),
   * shared max-min fairly by project; a body past its project's share is streamed, not retried.
   */
  readonly retryBufferBytes: number;
  readonly logDecisions: boolean;
  readonly recordDecisions: boolean;
  readonly decisionBatch: number;
  readonly decisionFlushMs: number;
  readonly benchRoute: boolean;
  /** Trust `x-switchyard-dev-location` as the client's location (local stack and tests only). */
  readonly trustDevLocation: boolean;
  /** Secret that unlocks `/explain` and synthetic requests; unset: they are disabled. */
  readonly operatorKey: string | undefined;
  readonly libsqlUrl: string;
  readonly libsqlAuthToken: string | undefined;
  readonly policy: Policy;
  /** Policy canary (ROUTE_CANARY_PERCENT / ROUTE_CANARY_POLICY, shared/canary); null: off. */
  readonly canary: CanaryConfig | null;
  readonly signingKey: SigningKey;
  /**
   * Secret salt of the keyless clients' identity hash (workers/src/client-key.ts), derived from
   * TOKEN_SIGNING_KEY so no new secret is needed; absent = keyless requests are not sticky.
   */
  readonly clientKeySalt?: string;
  /** OpenTelemetry traces (EDGE_OTLP_TRACES_URL); null: off. */
  readonly tracing: EdgeTracingConfig | null;
}

export type ConfigResult = { readonly ok: true; readonly config: EdgeConfig } | { readonly ok: false; readonly errors: readonly EnvProblem[] };

/** Named defaults, so the README table and the code cannot drift apart silently. */
export const EDGE_DEFAULTS = {
  EDGE_ANSWER_MODE: 'forward',
  EDGE_REFRESH_MS: 1_000,
  EDGE_STALE_SNAPSHOT_MS: 30_000,
  EDGE_NEGATIVE_CACHE_MS: 5_000,
  EDGE_MAX_APPS: 1_000,
  EDGE_MAX_NEGATIVE: 10_000,
  EDGE_MAX_FIRST_LOADS: 64,
  EDGE_RETRY_BUFFER_BYTES: 32 * 1024 * 1024,
  EDGE_STALE_REFRESH_WAIT_MS: 250,
  EDGE_DB_TIMEOUT_MS: 2_000,
  EDGE_MAX_KEYS: 10_000,
  EDGE_MAX_FILTERED_KEYS: 100_000,
  EDGE_TOKEN_TTL_SECONDS: 30,
  EDGE_TOKEN_ISSUER: 'switchyard-edge',
  EDGE_AUTH: true,
  EDGE_LOG_DECISIONS: true,
  EDGE_RECORD_DECISIONS: true,
  EDGE_DECISION_BATCH: 50,
  EDGE_DECISION_FLUSH_MS: 1_000,
  EDGE_BENCH_ROUTE: false,
  EDGE_TRUST_DEV_LOCATION: false,
  EDGE_TRACE_SAMPLE_RATIO: 1,
  EDGE_TRACE_SERVICE_NAME: 'switchyard-edge',
} as const;

const D = EDGE_DEFAULTS;

/** Bindings also hold non-string values (services, KV); the policy reads only string vars. */
function stringVars(env: EnvVars): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Parses and validates the environment. Async only because importing the signing key is. */
export async function loadConfig(env: EnvVars): Promise<ConfigResult> {
  const r = new EnvReader(env);
  const answerMode = r.oneOf<DefaultAnswerMode>('EDGE_ANSWER_MODE', D.EDGE_ANSWER_MODE, DEFAULT_ANSWER_MODES);
  const refreshMs = r.int('EDGE_REFRESH_MS', D.EDGE_REFRESH_MS, 10, 600_000);
  const staleSnapshotMs = r.int('EDGE_STALE_SNAPSHOT_MS', D.EDGE_STALE_SNAPSHOT_MS, 10, 86_400_000);
  if (staleSnapshotMs < refreshMs) {
    r.problem('EDGE_STALE_SNAPSHOT_MS', String(staleSnapshotMs), `must be at least EDGE_REFRESH_MS (${refreshMs})`);
  }
  const negativeCacheMs = r.int('EDGE_NEGATIVE_CACHE_MS', D.EDGE_NEGATIVE_CACHE_MS, 0, 600_000);
  const maxApps = r.int('EDGE_MAX_APPS', D.EDGE_MAX_APPS, 1, 1_000_000);
  const maxNegative = r.int('EDGE_MAX_NEGATIVE', D.EDGE_MAX_NEGATIVE, 1, 1_000_000);
  const maxFirstLoads = r.int('EDGE_MAX_FIRST_LOADS', D.EDGE_MAX_FIRST_LOADS, 1, 10_000);
  // At most 96 MiB: the isolate's limit is 128 MB and the rest of the Worker needs room too.
  const retryBufferBytes = r.int('EDGE_RETRY_BUFFER_BYTES', D.EDGE_RETRY_BUFFER_BYTES, 0, 96 * 1024 * 1024);
  const staleRefreshWaitMs = r.int('EDGE_STALE_REFRESH_WAIT_MS', D.EDGE_STALE_REFRESH_WAIT_MS, 0, 25_000);
  const dbTimeoutMs = r.int('EDGE_DB_TIMEOUT_MS', D.EDGE_DB_TIMEOUT_MS, 50, 25_000);
  const maxKeys = r.int('EDGE_MAX_KEYS', D.EDGE_MAX_KEYS, 1, 1_000_000);
  // At most 1,000,000: 4 MB in every isolate, and 8 MB from the database at each auth clock move.
  const maxFilteredKeys = r.int('EDGE_MAX_FILTERED_KEYS', D.EDGE_MAX_FILTERED_KEYS, 0, 1_000_000);
  const tokenTtlSeconds = r.int('EDGE_TOKEN_TTL_SECONDS', D.EDGE_TOKEN_TTL_SECONDS, 1, 300);
  const tokenIssuer = r.raw('EDGE_TOKEN_ISSUER') ?? D.EDGE_TOKEN_ISSUER;
  const auth = r.flag('EDGE_AUTH', D.EDGE_AUTH);
  const logDecisions = r.flag('EDGE_LOG_DECISIONS', D.EDGE_LOG_DECISIONS);
  const recordDecisions = r.flag('EDGE_RECORD_DECISIONS', D.EDGE_RECORD_DECISIONS);
  const decisionBatch = r.int('EDGE_DECISION_BATCH', D.EDGE_DECISION_BATCH, 1, 1_000);
  const decisionFlushMs = r.int('EDGE_DECISION_FLUSH_MS', D.EDGE_DECISION_FLUSH_MS, 1, 25_000);
  const benchRoute = r.flag('EDGE_BENCH_ROUTE', D.EDGE_BENCH_ROUTE);
  const trustDevLocation = r.flag('EDGE_TRUST_DEV_LOCATION', D.EDGE_TRUST_DEV_LOCATION);

  const libsqlUrl = r.raw('LIBSQL_URL');
  if (libsqlUrl === undefined) {
    r.problem('LIBSQL_URL', null, 'is required: the libSQL HTTP URL of the control-plane database (e.g. https://<db>.turso.io or http://127.0.0.1:8080)');
  } else if (!/^(https?|libsql):\/\/[^\s]+$/.test(libsqlUrl)) {
    r.problem('LIBSQL_URL', libsqlUrl, 'must be an http(s):// or libsql:// URL');
  }
  const libsqlAuthToken = r.raw('LIBSQL_AUTH_TOKEN');
  const operatorKey = r.raw('EDGE_OPERATOR_KEY');
  if (operatorKey !== undefined && operatorKey.length < 16) {
    r.problem('EDGE_OPERATOR_KEY', '<redacted>', 'must be at least 16 characters (a random secret: `openssl rand -hex 24`); unset it to disable explain');
  }

  const tracing = readTracing(r);

  const policyResult = parsePolicy(stringVars(env));
  if (!policyResult.ok) {
    for (const e of policyResult.errors) r.problem(e.variable, e.value ?? null, e.message);
  }
  // A misspelt override (`ROUTE_WEIGT_LATENCY`) ran the default unannounced, and a misspelt canary
  // variable (`ROUTE_CANARY_PERCNT`) left the canary off; replay, simulate and the canary refuse both.
  for (const name of Object.keys(env)) {
    if (!name.startsWith('ROUTE_')) continue;
    const why = unknownRouteVariable(name, CANARY_VARIABLES);
    if (why !== null) r.problem(name, null, why);
  }
  // Read through `r` (not only the string copy) so the var-name probe (infra/workerd/worker-env.ts) lists them.
  const canaryVars = { ROUTE_CANARY_PERCENT: r.raw('ROUTE_CANARY_PERCENT'), ROUTE_CANARY_POLICY: r.raw('ROUTE_CANARY_POLICY') };
  const canaryResult = policyResult.ok ? parseCanary({ ...stringVars(env), ...canaryVars }, policyResult.value) : null;
  if (canaryResult !== null && !canaryResult.ok) {
    // Messages only: a value is never echoed back in a config error (same rule as the policy's).
    for (const e of canaryResult.errors) r.problem(e.variable, null, e.message);
  }

  let signingKey: SigningKey | undefined;
  const jwk = r.raw('TOKEN_SIGNING_KEY');
  const clientKeySalt = jwk === undefined ? undefined : await sha256Hex(`switchyard client key salt\n${jwk}`);
  if (jwk === undefined) {
    r.problem('TOKEN_SIGNING_KEY', null, 'is required: an Ed25519 private JWK (JSON, with "kid"); set it with `wrangler secret put TOKEN_SIGNING_KEY`');
  } else {
    try {
      signingKey = await importSigningKey(JSON.parse(jwk) as unknown);
    } catch (err) {
      // Never echo the value: it is a private key.
      r.problem('TOKEN_SIGNING_KEY', '<redacted>', `is not a usable Ed25519 private JWK with a kid: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  if (r.problems.length > 0 || !policyResult.ok || canaryResult === null || !canaryResult.ok || signingKey === undefined || libsqlUrl === undefined) {
    return { ok: false, errors: r.problems };
  }
  return {
    ok: true,
    config: {
      answerMode,
      refreshMs,
      staleSnapshotMs,
      negativeCacheMs,
      retryBufferBytes,
      maxApps,
      maxNegative,
      maxFirstLoads,
      staleRefreshWaitMs,
      dbTimeoutMs,
      maxKeys,
      maxFilteredKeys,
      tokenTtlSeconds,
      tokenIssuer,
      auth,
      logDecisions,
      recordDecisions,
      decisionBatch,
      decisionFlushMs,
      benchRoute,
      trustDevLocation,
      operatorKey,
      libsqlUrl,
      libsqlAuthToken,
      policy: policyResult.value,
      canary: canaryResult.value,
      signingKey,
      ...(clientKeySalt === undefined ? {} : { clientKeySalt }),
      tracing,
    },
  };
}

/** EDGE_OTLP_TRACES_URL (unset: tracing off), EDGE_TRACE_SAMPLE_RATIO, EDGE_TRACE_SERVICE_NAME. */
function readTracing(r: EnvReader): EdgeTracingConfig | null {
  const url = r.raw('EDGE_OTLP_TRACES_URL');
  const rawRatio = r.raw('EDGE_TRACE_SAMPLE_RATIO');
  const ratio = rawRatio === undefined ? D.EDGE_TRACE_SAMPLE_RATIO : Number(rawRatio);
  if (rawRatio !== undefined && !validRatio(ratio)) r.problem('EDGE_TRACE_SAMPLE_RATIO', rawRatio, 'must be a number from 0 to 1 (the share of new traces recorded)');
  const serviceName = r.raw('EDGE_TRACE_SERVICE_NAME') ?? D.EDGE_TRACE_SERVICE_NAME;
  if (url === undefined) return null;
  const problem = otlpUrlProblem(url);
  if (problem !== null) {
    r.problem('EDGE_OTLP_TRACES_URL', url, problem);
    return null;
  }
  const headers = otlpHeaders(r, r.raw('EDGE_OTLP_TRACES_HEADERS'));
  return { tracesUrl: url, sampleRatio: validRatio(ratio) ? ratio : 1, serviceName, ...(headers === null ? {} : { headers }) };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~\w-]+$/;

/**
 * EDGE_OTLP_TRACES_HEADERS, the OTel exporter format `name=value,name2=value2` (values
 * URL-encoded): a hosted collector or vendor needs its API key on every export. A secret: never
 * echoed in a problem.
 */
function otlpHeaders(r: EnvReader, raw: string | undefined): Record<string, string> | null {
  if (raw === undefined || raw.trim() === '') return null;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const at = pair.indexOf('=');
    const name = pair.slice(0, Math.max(0, at)).trim();
    let value: string | null = null;
    try {
      value = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // Reported below.
    }
    if (at < 1 || !HEADER_NAME.test(name) || value === null || value === '' || /[\r\n]/.test(value)) {
      r.problem('EDGE_OTLP_TRACES_HEADERS', '<redacted>', 'must be name=value pairs separated by commas, values URL-encoded (e.g. authorization=Bearer%20<key>)');
      return null;
    }
    out[name.toLowerCase()] = value;
  }
  return out;
}
