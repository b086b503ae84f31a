/**
 * Start-up times the aggregator measures itself: engines do not publish how long they took to
 * become ready (vLLM has no such metric), so a start-up is timed from the first scrape that saw
 * the replica starting to the first scrape that saw it ready (accurate to one interval). Pure.
 */
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { nextAverage } from '../../shared/engine-metrics/request-time-average.ts';
import { replicaUsable, type ReplicaObservation } from './summarize-app.ts';

/**
 * ready = serving with its model loaded; starting = (engines that report it) loading its model
 * for waiting requests; down = not answering, unhealthy or unreadable (a start-up, or just a
 * missed scrape); idle = model unloaded with nothing waiting (scaled to zero: not a start-up
 * until a request wakes it).
 */
export type Readiness = 'ready' | 'starting' | 'down' | 'idle';

export function readinessOf(o: ReplicaObservation): Readiness {
  if (!replicaUsable(o) || o.metrics === null) return 'down';
  if (o.metrics.modelLoaded === false) return o.metrics.running + o.metrics.waiting > 0 ? 'starting' : 'idle';
  return 'ready';
}

/**
 * Per replica: when the current start-up was first seen (null when none is in progress), how many
 * scrapes it has lasted, and whether the engine said it was loading. A replica already starting
 * at the aggregator's first scrape is timed from that scrape.
 */
export interface ReplicaStart {
  readonly startingSince: number | null;
  readonly scrapes: number;
  readonly loading: boolean;
}

export const NO_START: ReplicaStart = { startingSince: null, scrapes: 0, loading: false };

/**
 * Advances one replica's tracking by one scrape; `sampleMs` is a completed start-up, if any. A
 * single scrape without an answer between two ready ones is a missed scrape (a loaded machine, a
 * dropped packet), not a start-up: a GPU replica does not start within one interval. It counts
 * when the engine said it was loading, or the silence lasted two scrapes or more.
 */
export function advanceStart(prev: ReplicaStart, readiness: Readiness, at: number): { next: ReplicaStart; sampleMs: number | null } {
  if (readiness === 'starting' || readiness === 'down') {
    return { next: { startingSince: prev.startingSince ?? at, scrapes: prev.scrapes + 1, loading: prev.loading || readiness === 'starting' }, sampleMs: null };
  }
  const counts = readiness === 'ready' && prev.startingSince !== null && (prev.loading || prev.scrapes >= 2);
  return { next: NO_START, sampleMs: counts && prev.startingSince !== null ? at - prev.startingSince : null };
}

export type StartTier = 'warm' | 'cold';

export interface StartDefaults {
  readonly warmStartMs: number;
  readonly coldStartMs: number;
}

/** The decision policy's defaults, used when an app's config names none. */
export const POLICY_START_DEFAULTS: StartDefaults = { warmStartMs: DEFAULT_POLICY.ttft.warmStartMs, coldStartMs: DEFAULT_POLICY.ttft.coldStartMs };

/**
 * A replica does not say which tier it started on, so a sample goes to the tier whose default it
 * is nearer to on a log scale (split at the geometric mean): warm and cold start-ups differ by an
 * order of magnitude, so the split is robust, and it uses the fixed defaults so the estimates
 * cannot drift into each other.
 */
export function classifyStart(ms: number, defaults: StartDefaults): StartTier {
  return ms < Math.sqrt(defaults.warmStartMs * defaults.coldStartMs) ? 'warm' : 'cold';
}

/**
 * Samples longer than this many times the cold default are outages (a replica down for an hour
 * then back), not start-ups, and are dropped.
 */
export const MAX_START_FACTOR = 4;

export interface StartEstimate {
  /** Moving averages of observed start-ups; null = none observed yet. */
  readonly warmStartMs: number | null;
  readonly coldStartMs: number | null;
}

export const NO_ESTIMATE: StartEstimate = { warmStartMs: null, coldStartMs: null };

/** Folds one observed start-up into the app's estimate: the first sample replaces the default guess. */
export function addStartSample(est: StartEstimate, sampleMs: number, defaults: StartDefaults): StartEstimate {
  return addTieredStartSample(est, sampleMs, classifyStart(sampleMs, defaults), defaults);
}

/** As addStartSample, for a start-up whose tier is known (Kubernetes says whether a node was added). */
export function addTieredStartSample(est: StartEstimate, sampleMs: number, tier: StartTier, defaults: StartDefaults): StartEstimate {
  if (!(sampleMs >= 0) || sampleMs > MAX_START_FACTOR * defaults.coldStartMs) return est;
  const prev = tier === 'warm' ? est.warmStartMs : est.coldStartMs;
  // The same moving average as the engines' request times (one rule for every time an aggregator reports).
  const avg = nextAverage(prev, sampleMs);
  return tier === 'warm' ? { ...est, warmStartMs: avg } : { ...est, coldStartMs: avg };
}
