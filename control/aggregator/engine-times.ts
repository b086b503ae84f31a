/**
 * An app's queue wait and service time on this cluster, from its replicas' engine histograms
 * (vLLM `request_queue_time_seconds` and `request_inference_time_seconds`, SGLang, TGI:
 * shared/engine-metrics/engines.ts): what each total grew by between two scrapes, summed over
 * the app's replicas, then smoothed (shared/engine-metrics/request-time-average.ts). The decision
 * reads them as `queueWaitMs` and `serviceMs` (how long a request holds its slot); without them it
 * estimates the wait from the slots alone and uses its policy's service time for every app.
 */
import type { TimeTotals } from '../../shared/engine-metrics/read-engine-metrics.ts';
import { nextAverage, reportedWait } from '../../shared/engine-metrics/request-time-average.ts';

/** One replica's totals at this scrape; null when its `/metrics` failed or lacks them. */
export interface ReplicaTimes {
  readonly url: string;
  readonly queue: TimeTotals | null;
  readonly run: TimeTotals | null;
  /** End-to-end latency, read when the engine has no running-time histogram (SGLang). */
  readonly e2e?: TimeTotals | null;
  /** Requests running at this scrape: SGLang has counted their waits, not yet their latencies. */
  readonly running?: number;
}

/** A replica as last scraped, with the summed waits of its requests then running (seconds, estimated). */
interface Seen {
  readonly times: ReplicaTimes;
  readonly inflightWait: number;
}

export interface AppTimes {
  /** Moving average of the requests' wait for a slot, ms; null when it is no wait (or none counted yet). */
  readonly queueWaitMs: number | null;
  /** Moving average of the requests' running time, ms; null until one was counted. */
  readonly serviceMs: number | null;
}

/**
 * What a total grew by since `prev`: none without a previous scrape (a new or returning
 * replica); a decrease is a restart, counted from zero as Prometheus' `rate()` does.
 */
export function increase(now: TimeTotals | null | undefined, prev: TimeTotals | null | undefined): TimeTotals | null {
  if (now === null || now === undefined || prev === null || prev === undefined) return null;
  if (restarted(now, prev)) return now;
  return { seconds: now.seconds - prev.seconds, count: now.count - prev.count };
}

function restarted(now: TimeTotals | null | undefined, prev: TimeTotals | null | undefined): boolean {
  return now != null && prev != null && (now.count < prev.count || now.seconds < prev.seconds);
}

type Sum = { seconds: number; count: number };

/** Keeps each app's replicas' previous totals and its averages between ticks. */
export class EngineTimes {
  readonly #last = new Map<string, ReadonlyMap<string, Seen>>();
  readonly #wait = new Map<string, number | null>();
  readonly #service = new Map<string, number | null>();

  /** This scrape's times for `appId`; replicas not scraped now are forgotten (pods come and go). */
  observe(appId: string, replicas: readonly ReplicaTimes[]): AppTimes {
    const before = this.#last.get(appId);
    const queue: Sum = { seconds: 0, count: 0 };
    const run: Sum = { seconds: 0, count: 0 };
    const e2eRun: Sum = { seconds: 0, count: 0 };
    const next = new Map<string, Seen>();
    for (const r of replicas) {
      const step = stepReplica(r, before?.get(r.url));
      add(queue, step.queue);
      add(run, step.run);
      add(e2eRun, step.e2eRun);
      next.set(r.url, step.seen);
    }
    this.#last.set(appId, next);
    const wait = nextAverage(this.#wait.get(appId) ?? null, meanMs(queue));
    const service = nextAverage(this.#service.get(appId) ?? null, meanMs(run) ?? meanMs(e2eRun));
    this.#wait.set(appId, wait);
    this.#service.set(appId, service);
    return { queueWaitMs: reportedWait(wait), serviceMs: service !== null && service > 0 ? service : null };
  }
}

/** One replica's increases since its previous scrape (none without one), and what to keep of this one. */
function stepReplica(r: ReplicaTimes, prev: Seen | undefined): { queue: TimeTotals | null; run: TimeTotals | null; e2eRun: TimeTotals | null; seen: Seen } {
  const queue = increase(r.queue, prev?.times.queue);
  // After a restart the requests running before it will never finish: none of theirs in flight.
  const before = prev === undefined || restarted(r.queue, prev.times.queue) ? { running: 0, wait: 0 } : { running: Math.max(0, prev.times.running ?? 0), wait: prev.inflightWait };
  const e2e = prev === undefined ? null : increase(r.e2e, prev.times.e2e);
  const finished = finishedWait(e2e?.count ?? 0, queue, before);
  // Kept only for an engine read by its end-to-end latency (elsewhere nothing would take it back).
  const inflightWait = (r.running ?? 0) > 0 && r.e2e != null ? Math.max(0, before.wait + (queue?.seconds ?? 0) - finished) : 0;
  const e2eRun = e2e === null || e2e.count <= 0 ? null : { seconds: Math.max(0, e2e.seconds - finished), count: e2e.count };
  return { queue, run: increase(r.run, prev?.times.run), e2eRun, seen: { times: r, inflightWait } };
}

/**
 * What the `n` requests an end-to-end histogram counted this interval had waited (SGLang, which
 * has no running-time histogram: their running time is their latencies less these). SGLang counts
 * a wait when a request starts and its latency when it ends, so the finished ones are taken from
 * those running at the previous scrape (at their mean wait), then from this interval's starts.
 * Subtracting the interval's mean wait instead read a queue building as a running time near 0 and
 * a queue draining as the whole latency, wait included (2× a 1 s service after a burst, kept
 * while idle).
 */
function finishedWait(n: number, started: TimeTotals | null, before: { running: number; wait: number }): number {
  const fromBefore = Math.min(n, before.running);
  const startedMean = started !== null && started.count > 0 ? started.seconds / started.count : 0;
  return (fromBefore > 0 ? (fromBefore * before.wait) / before.running : 0) + (n - fromBefore) * startedMean;
}

function meanMs(s: Sum): number | null {
  return s.count > 0 ? (s.seconds / s.count) * 1000 : null;
}

function add(sum: Sum, d: TimeTotals | null): void {
  if (d === null) return;
  sum.seconds += d.seconds;
  sum.count += d.count;
}
