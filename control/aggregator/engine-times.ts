/**
 * An app's queue wait and service time on this cluster, from its replicas' engine histograms
 * (vLLM `request_queue_time_seconds` and `request_inference_time_seconds`, SGLang, TGI:
 * shared/engine-metrics/engines.ts): what each total grew by between two scrapes, summed over
 * the app's replicas. The decision reads them as `queueWaitMs` (how long a queued request waits
 * per position) and `serviceMs` (how long a request holds its slot); without them it estimates
 * the wait from the slots alone and uses its policy's service time for every app.
 */
import type { TimeTotals } from '../../shared/engine-metrics/read-engine-metrics.ts';

/** One replica's totals at this scrape; null when its `/metrics` failed or lacks them. */
export interface ReplicaTimes {
  readonly url: string;
  readonly queue: TimeTotals | null;
  readonly run: TimeTotals | null;
}

export interface AppTimes {
  /** Mean wait of the requests admitted since the last scrape, ms; null when none waited. */
  readonly queueWaitMs: number | null;
  /** Moving average of the requests' running time, ms; null until one finished. */
  readonly serviceMs: number | null;
}

/** Weight of the newest interval's mean in the service-time average (as start-ups, startup-times.ts). */
export const SERVICE_EWMA_ALPHA = 0.3;

/**
 * What a total grew by since `prev`: none without a previous scrape (a new or returning
 * replica); a decrease is a restart, counted from zero as Prometheus' `rate()` does.
 */
export function increase(now: TimeTotals | null, prev: TimeTotals | null | undefined): TimeTotals | null {
  if (now === null || prev === null || prev === undefined) return null;
  if (now.count < prev.count || now.seconds < prev.seconds) return now;
  return { seconds: now.seconds - prev.seconds, count: now.count - prev.count };
}

/** Keeps each app's replicas' previous totals and its service-time average between ticks. */
export class EngineTimes {
  readonly #last = new Map<string, ReadonlyMap<string, ReplicaTimes>>();
  readonly #service = new Map<string, number>();

  /** This scrape's times for `appId`; replicas not scraped now are forgotten (pods come and go). */
  observe(appId: string, replicas: readonly ReplicaTimes[]): AppTimes {
    const before = this.#last.get(appId);
    const queue = { seconds: 0, count: 0 };
    const run = { seconds: 0, count: 0 };
    const next = new Map<string, ReplicaTimes>();
    for (const r of replicas) {
      const prev = before?.get(r.url);
      add(queue, increase(r.queue, prev?.queue));
      add(run, increase(r.run, prev?.run));
      next.set(r.url, r);
    }
    this.#last.set(appId, next);
    const wait = queue.count > 0 ? (queue.seconds / queue.count) * 1000 : 0;
    let service = this.#service.get(appId) ?? null;
    if (run.count > 0) {
      const sample = (run.seconds / run.count) * 1000;
      service = service === null ? sample : service + SERVICE_EWMA_ALPHA * (sample - service);
      this.#service.set(appId, service);
    }
    return { queueWaitMs: wait > 0 ? wait : null, serviceMs: service !== null && service > 0 ? service : null };
  }
}

function add(sum: { seconds: number; count: number }, d: TimeTotals | null): void {
  if (d === null) return;
  sum.seconds += d.seconds;
  sum.count += d.count;
}
