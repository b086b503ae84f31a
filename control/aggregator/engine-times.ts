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

/** A replica as last scraped, with the waits of its requests then running (seconds, estimated). */
interface Seen {
  readonly times: ReplicaTimes;
  readonly lastWait: number;
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
  const lastWait = queue !== null && queue.count > 0 ? queue.seconds / queue.count : (prev?.lastWait ?? 0);
  const inflightWait = Math.max(0, r.running ?? 0) * lastWait;
  // After a restart the requests running before it will never finish: none of theirs to take back.
  const inflightBefore = prev === undefined || restarted(r.queue, prev.times.queue) ? 0 : prev.inflightWait;
  const e2e = prev === undefined ? null : increase(r.e2e, prev.times.e2e);
  return { queue, run: increase(r.run, prev?.times.run), e2eRun: finishedRunning(e2e, queue, inflightWait - inflightBefore), seen: { times: r, lastWait, inflightWait } };
}

/**
 * The running time of the requests an end-to-end histogram counted this interval (SGLang, which
 * has no running-time one): their latencies less their waits. SGLang counts a wait when a request
 * starts and its latency when it ends, so the waits of the finished requests are the interval's
 * counted waits less the growth of those still running (`inflightGrowth`, seconds). Subtracting
 * the interval's mean wait instead read a queue building as a running time near 0 and a queue
 * draining as one of the whole latency, wait included (2× a 1 s service after a burst, kept
 * while idle).
 */
function finishedRunning(de: TimeTotals | null, dq: TimeTotals | null, inflightGrowth: number): TimeTotals | null {
  if (de === null || de.count <= 0) return null;
  const finishedWait = Math.max(0, (dq?.seconds ?? 0) - inflightGrowth);
  return { seconds: Math.max(0, de.seconds - finishedWait), count: de.count };
}

function meanMs(s: Sum): number | null {
  return s.count > 0 ? (s.seconds / s.count) * 1000 : null;
}

function add(sum: Sum, d: TimeTotals | null): void {
  if (d === null) return;
  sum.seconds += d.seconds;
  sum.count += d.count;
}
