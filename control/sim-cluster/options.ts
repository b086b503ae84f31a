/**
 * `startSimCluster` options: validated up front, every bad field reported at
 * once, and turned into one fully-defaulted config object.
 */
import { METRIC_NAMES, type MetricNames } from './engine-families.ts';
import { SimOptionsError, type OptionIssue } from './errors.ts';

/** Where the server reports what it does (pino's `Logger` fits). */
export interface SimLogger {
  /** Per-request lines: high volume under load, so off at the default level. */
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface SimClusterOptions {
  readonly clusterId: string;
  readonly replicaId: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly model: string;
  /** The served model's version, reported on `/v1/models` (as `version` and vLLM's `root`); null/absent = none. */
  readonly modelVersion?: string | null;
  /** Requests generated concurrently. */
  readonly slots: number;
  /** How many requests may wait for a slot before 429; `'reject'` = none wait. */
  readonly queue: number | 'reject';
  readonly tokensPerSecond: number;
  /** Paid by the first request after start (and after idle unload). */
  readonly coldStartMs: number;
  readonly gpuType: string;
  /** Tokens generated when a request gives no `max_tokens`. Default 16. */
  readonly defaultMaxTokens?: number;
  /** Unload the model after this long without requests; null (default) = never. */
  readonly idleUnloadMs?: number | null;
  /** Default duration of a `/v1/jobs` request. Default 10 000. */
  readonly jobDurationMs?: number;
  /** Default heartbeat interval of a `/v1/jobs` request. Default 1 000. */
  readonly jobHeartbeatMs?: number;
  /** K in `dieMidStream`: tokens (or heartbeats) sent before the socket is destroyed. Default 3. */
  readonly dieAfterTokens?: number;
  /** Prefix cache (kv-cache-model.ts): blocks held (default 4096) of this many tokens (16). */
  readonly kvBlocks?: number;
  readonly kvBlockTokens?: number;
  /** Prefill speed of uncached prompt tokens, one prefill at a time. Default 50 000. */
  readonly prefillTokensPerSecond?: number;
  /** Whose metric names `/metrics` uses: `vllm` (default) or `sglang`. */
  readonly metricNames?: MetricNames;
  /**
   * 0 (default): HTTP/1.1 only. N ≥ 1: the same port also serves cleartext HTTP/2 with prior
   * knowledge (h2c, as engines behind an Envoy/gRPC-style front do), advertising
   * SETTINGS_MAX_CONCURRENT_STREAMS = N.
   */
  readonly h2cMaxStreams?: number;
  /**
   * Milliseconds of API-server event-loop work each running request puts ahead of the small
   * answers (`/health`, `/metrics`, `/v1/models`). Default 0. vLLM's and SGLang's OpenAI servers
   * are one asyncio loop that also detokenizes and writes every running stream's chunks, so
   * under load their `/health` answers late while the socket and the network stay quick.
   */
  readonly apiLoopMsPerRequest?: number;
  readonly logger?: SimLogger;
}

export interface SimClusterConfig {
  readonly clusterId: string;
  readonly replicaId: string;
  readonly host: string;
  readonly port: number;
  readonly model: string;
  readonly modelVersion: string | null;
  readonly slots: number;
  /** 0 when the options said `'reject'`. */
  readonly queueLimit: number;
  readonly queueMode: 'queue' | 'reject';
  readonly tokensPerSecond: number;
  readonly coldStartMs: number;
  readonly gpuType: string;
  readonly defaultMaxTokens: number;
  readonly idleUnloadMs: number | null;
  readonly jobDurationMs: number;
  readonly jobHeartbeatMs: number;
  readonly dieAfterTokens: number;
  readonly kvBlocks: number;
  readonly kvBlockTokens: number;
  readonly prefillTokensPerSecond: number;
  readonly metricNames: MetricNames;
  readonly h2cMaxStreams: number;
  readonly apiLoopMsPerRequest: number;
  readonly logger: SimLogger | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

type Check<T> = { ok: true; value: T } | { ok: false; message: string };

function text(v: unknown): Check<string> {
  return typeof v === 'string' && v.trim() !== '' ? { ok: true, value: v } : { ok: false, message: `must be a non-empty string, got ${show(v)}` };
}

function int(min: number, max: number): (v: unknown) => Check<number> {
  return (v) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? { ok: true, value: v }
      : { ok: false, message: `must be an integer from ${min} to ${max}, got ${show(v)}` };
}

function positive(v: unknown): Check<number> {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? { ok: true, value: v } : { ok: false, message: `must be a finite number > 0, got ${show(v)}` };
}

function queue(v: unknown): Check<number | 'reject'> {
  if (v === 'reject') return { ok: true, value: v };
  const n = int(0, 1_000_000)(v);
  return n.ok ? n : { ok: false, message: `must be 'reject' or an integer from 0 to 1000000, got ${show(v)}` };
}

function metricNames(v: unknown): Check<MetricNames> {
  return METRIC_NAMES.includes(v as MetricNames) ? { ok: true, value: v as MetricNames } : { ok: false, message: `must be one of ${METRIC_NAMES.join(', ')}, got ${show(v)}` };
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v);
}

/** Validates options; returns the defaulted config or every issue found. */
export function validateSimClusterOptions(
  input: SimClusterOptions,
): { ok: true; config: SimClusterConfig } | { ok: false; issues: OptionIssue[] } {
  const issues: OptionIssue[] = [];
  const raw = input as unknown as Record<string, unknown>;
  function take<T>(field: string, check: (v: unknown) => Check<T>, fallback?: T): T {
    const v = raw[field];
    if (v === undefined && fallback !== undefined) return fallback;
    const r = check(v);
    if (r.ok) return r.value;
    issues.push({ field, message: r.message });
    // Placeholder only: the config is never returned when issues exist.
    return fallback as T;
  }
  const idle = raw['idleUnloadMs'] == null ? null : take('idleUnloadMs', int(1, DAY_MS));
  const q = take('queue', queue);
  const config: SimClusterConfig = {
    clusterId: take('clusterId', text),
    replicaId: take('replicaId', text),
    host: take('host', text, '127.0.0.1'),
    port: take('port', int(0, 65_535)),
    model: take('model', text),
    modelVersion: raw['modelVersion'] == null ? null : take('modelVersion', text),
    slots: take('slots', int(1, 100_000)),
    queueLimit: q === 'reject' ? 0 : q,
    queueMode: q === 'reject' ? 'reject' : 'queue',
    tokensPerSecond: take('tokensPerSecond', positive),
    coldStartMs: take('coldStartMs', int(0, DAY_MS)),
    gpuType: take('gpuType', text),
    defaultMaxTokens: take('defaultMaxTokens', int(1, 1_000_000), 16),
    idleUnloadMs: idle ?? null,
    jobDurationMs: take('jobDurationMs', int(0, DAY_MS), 10_000),
    jobHeartbeatMs: take('jobHeartbeatMs', int(1, DAY_MS), 1_000),
    dieAfterTokens: take('dieAfterTokens', int(0, 1_000_000), 3),
    kvBlocks: take('kvBlocks', int(1, 100_000_000), 4096),
    kvBlockTokens: take('kvBlockTokens', int(1, 4096), 16),
    prefillTokensPerSecond: take('prefillTokensPerSecond', positive, 50_000),
    metricNames: take('metricNames', metricNames, 'vllm'),
    h2cMaxStreams: take('h2cMaxStreams', int(0, 1_000_000), 0),
    apiLoopMsPerRequest: take('apiLoopMsPerRequest', int(0, 60_000), 0),
    logger: input.logger ?? null,
  };
  return issues.length === 0 ? { ok: true, config } : { ok: false, issues };
}

/** Like `validateSimClusterOptions` but throws `SimOptionsError` (code `SIM_INVALID_OPTIONS`). */
export function resolveSimClusterOptions(input: SimClusterOptions): SimClusterConfig {
  const r = validateSimClusterOptions(input);
  if (!r.ok) throw new SimOptionsError(r.issues);
  return r.config;
}
