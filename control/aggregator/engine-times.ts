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
  if (now.count < prev.count || now.seconds < prev.seconds) return now;
  return { seconds: now.seconds - prev.seconds, count: now.count - prev.count };
}

type Sum = { seconds: number; count: number };

/** Keeps each app's replicas' previous totals and its averages between ticks. */
export class EngineTimes {
  readonly #last = new Map<string, ReadonlyMap<string, ReplicaTimes>>();
  readonly #wait = new Map<string, number | null>();
  readonly #service = new Map<string, number | null>();

  /** This scrape's times for `appId`; replicas not scraped now are forgotten (pods come and go). */
  observe(appId: string, replicas: readonly ReplicaTimes[]): AppTimes {
    const before = this.#last.get(appId);
    const queue: Sum = { seconds: 0, count: 0 };
    const run: Sum = { seconds: 0, count: 0 };
    const e2e: Sum = { seconds: 0, count: 0 };
    const next = new Map<string, ReplicaTimes>();
    for (const r of replicas) {
      const prev = before?.get(r.url);
      add(queue, increase(r.queue, prev?.queue));
      add(run, increase(r.run, prev?.run));
      add(e2e, increase(r.e2e, prev?.e2e));
      next.set(r.url, r);
    }
    this.#last.set(appId, next);
    const waitMs = meanMs(queue);
    const wait = nextAverage(this.#wait.get(appId) ?? null, waitMs);
    const service = nextAverage(this.#service.get(appId) ?? null, runningMs(run, e2e, waitMs));
    this.#wait.set(appId, wait);
    this.#service.set(appId, service);
    return { queueWaitMs: reportedWait(wait), serviceMs: service !== null && service > 0 ? service : null };
  }
}

/**
 * The interval's mean running time: its own histogram's, else its mean end-to-end latency less
 * its mean wait (SGLang records the wait at a request's start and the latency at its end, so the
 * totals are not subtracted: a growing queue would make their difference fall).
 */
function runningMs(run: Sum, e2e: Sum, waitMs: number | null): number | null {
  const r = meanMs(run);
  if (r !== null) return r;
  const total = meanMs(e2e);
  return total === null ? null : Math.max(0, total - (waitMs ?? 0));
}

function meanMs(s: Sum): number | null {
  return s.count > 0 ? (s.seconds / s.count) * 1000 : null;
}

function add(sum: Sum, d: TimeTotals | null): void {
  if (d === null) return;
  sum.seconds += d.seconds;
  sum.count += d.count;
}
