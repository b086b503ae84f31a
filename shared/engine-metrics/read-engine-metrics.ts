/**
 * The one reader of an inference engine's `/metrics`, shared by the aggregator (hot/warm/cold
 * capacity) and the regional proxy (replica choice). Pure: text in, typed load out. The
 * engine is configured or detected from which family names are present.
 */
import { ALL_ENGINE_FAMILIES, ENGINE_NAMES, ENGINES, type EngineName } from './engines.ts';
import { parsePrometheusText, type ParsedText, type Sample } from './prometheus-text.ts';

export interface EngineLoad {
  readonly engine: EngineName;
  /** Requests being generated, summed over label sets (models, ranks). */
  readonly running: number;
  readonly waiting: number;
  /** KV-cache usage 0..1, or null when the engine does not export it. */
  readonly kvUsage: number | null;
  /** KV-cache capacity in tokens (vLLM block_size × num_gpu_blocks; SGLang max_total_num_tokens). */
  readonly kvCapacityTokens: number | null;
  /** Tokens per KV block, when the engine says. */
  readonly blockSize: number | null;
  /** Cumulative prefix-cache lookups and hits (tokens); null when not counted. */
  readonly prefixQueries: number | null;
  readonly prefixHits: number | null;
  /** Prefix-cache hit rate 0..1: hits / queries, or the engine's own gauge; null when unknown. */
  readonly prefixHitRate: number | null;
  /**
   * Whether the model is loaded, from `sim_model_loaded` (engines that load lazily report it);
   * null when the server does not say (a real engine: ready means loaded).
   */
  readonly modelLoaded: boolean | null;
  /**
   * Totals since the engine started (histogram sums and counts, summed over label sets): the
   * seconds its requests waited for a slot, and the seconds they ran. A reader takes the
   * difference between two scrapes. Null when the engine does not publish them (or publishes
   * nonsense: left out, the page still read).
   */
  readonly queueTime: TimeTotals | null;
  readonly runTime: TimeTotals | null;
  /**
   * End-to-end latency totals, for an engine without a running-time histogram (SGLang): a reader
   * takes the running time as the finished requests' latencies less their waits (the wait is
   * recorded at a request's start, the latency at its end: control/aggregator/engine-times.ts).
   */
  readonly e2eTime: TimeTotals | null;
}

/** A histogram's `_sum` (seconds) and `_count` (requests) since the engine started. */
export interface TimeTotals {
  readonly seconds: number;
  readonly count: number;
}

export type EngineSetting = EngineName | 'auto';

export type EngineMetricsResult =
  | { readonly ok: true; readonly load: EngineLoad }
  | { readonly ok: false; readonly reason: string };

type Families = ReadonlyMap<string, readonly Sample[]>;

/** The first engine whose running-requests family is present. */
export function detectEngine(families: Families): EngineName | null {
  return ENGINES.find((e) => ENGINE_NAMES[e].running.some((n) => families.has(n))) ?? null;
}

/** Sum of the first present family among `names`; undefined when none is present. */
function sumOf(families: Families, names: readonly string[]): { name: string; value: number } | undefined {
  for (const name of names) {
    const list = families.get(name);
    if (list !== undefined) return { name, value: list.reduce((s, x) => s + x.value, 0) };
  }
  return undefined;
}

function gauge(families: Families, names: readonly string[], problems: string[]): number | null {
  const s = sumOf(families, names);
  if (s === undefined) return null;
  if (!Number.isFinite(s.value) || s.value < 0) {
    problems.push(`${s.name} is ${s.value}, expected a finite number >= 0`);
    return null;
  }
  return s.value;
}

/**
 * The first histogram among `names` with both its `_sum` and `_count`; null when none, or when
 * they are not finite numbers >= 0: a bad histogram leaves the times unreported, it does not
 * fail the page (the load gauges are what capacity and replica choice need).
 */
function totals(families: Families, names: readonly string[]): TimeTotals | null {
  for (const name of names) {
    const seconds = sumOf(families, [`${name}_sum`]);
    const count = sumOf(families, [`${name}_count`]);
    if (seconds === undefined || count === undefined) continue;
    const ok = (v: number): boolean => Number.isFinite(v) && v >= 0;
    return ok(seconds.value) && ok(count.value) ? { seconds: seconds.value, count: count.value } : null;
  }
  return null;
}

/** KV capacity from vLLM's info gauge labels (first label set that has both numbers). */
function cacheConfig(families: Families, names: readonly string[]): { blockSize: number; tokens: number } | null {
  for (const name of names) {
    for (const s of families.get(name) ?? []) {
      const block = Number(s.labels['block_size']);
      const blocks = Number(s.labels['num_gpu_blocks']);
      if (Number.isSafeInteger(block) && block > 0 && Number.isSafeInteger(blocks) && blocks > 0) {
        return { blockSize: block, tokens: block * blocks };
      }
    }
  }
  return null;
}

/** Reads one `/metrics` body as `engine` says (or as detected); refuses garbage with a reason. */
export function readEngineMetrics(text: string, engine: EngineSetting = 'auto'): EngineMetricsResult {
  return engineLoadOf(parsePrometheusText(text, ALL_ENGINE_FAMILIES), engine);
}

/** The families of a page parsed for `ALL_ENGINE_FAMILIES` (at once, or piece by piece), read as `engine` says. */
export function engineLoadOf(parsed: ParsedText, engine: EngineSetting = 'auto'): EngineMetricsResult {
  if (!parsed.ok) return parsed;
  const families = parsed.samples;
  const name = engine === 'auto' ? detectEngine(families) : engine;
  if (name === null) return { ok: false, reason: `no running-requests gauge of any known engine (${ENGINES.join(', ')})` };
  const names = ENGINE_NAMES[name];
  const problems: string[] = [];
  const running = gauge(families, names.running, problems);
  if (running === null && problems.length === 0) return { ok: false, reason: `no ${names.running.join(' / ')} sample` };
  const waiting = gauge(families, names.waiting, problems);
  const kvUsage = gauge(families, names.kvUsage, problems);
  const queries = gauge(families, names.prefixQueries, problems);
  const hits = gauge(families, names.prefixHits, problems);
  const rateGauge = gauge(families, names.prefixHitRate, problems);
  const capacityGauge = gauge(families, names.kvCapacityTokens, problems);
  const loaded = gauge(families, ['sim_model_loaded'], problems);
  const queueTime = totals(families, names.queueTime);
  const runTime = totals(families, names.runTime);
  const e2eTime = totals(families, names.e2eTime);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  const config = cacheConfig(families, names.cacheConfigInfo);
  return {
    ok: true,
    load: {
      engine: name,
      running: Math.round(running ?? 0),
      waiting: Math.round(waiting ?? 0),
      kvUsage,
      kvCapacityTokens: config?.tokens ?? (capacityGauge !== null && capacityGauge > 0 ? capacityGauge : null),
      blockSize: config?.blockSize ?? null,
      prefixQueries: queries,
      prefixHits: hits,
      prefixHitRate: queries !== null && hits !== null ? (queries > 0 ? hits / queries : null) : rateGauge,
      // A replica serves one model, so any non-zero sample means loaded.
      modelLoaded: loaded === null ? null : loaded > 0,
      queueTime,
      runTime,
      e2eTime,
    },
  };
}
