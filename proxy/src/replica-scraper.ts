/**
 * Scrapes `/metrics` of the replicas inference-aware picks consider, every
 * `replicaScrapeIntervalMs` (the proxy sits in the cluster's region, so ~1 s is cheap), with
 * the one shared engine reader. Only what a real engine publishes is read. A failed scrape
 * leaves the last report to age out; it never marks a replica down (health checks do that).
 */
import { readReplicaMetricsPage } from './replica-metrics-page.ts';
import type { ProxyRuntime } from './runtime.ts';


async function scrapeOne(rt: ProxyRuntime, url: string): Promise<void> {
  const cfg = rt.config;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(cfg.replicaScrapeTimeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`answered ${res.status}`);
    }
    const r = await readReplicaMetricsPage(res, cfg.replicaEngine);
    if (!r.ok) throw new Error(r.reason);
    const now = rt.now();
    rt.replicas.observe(url, r.load, now);
    // A queue at the engine says how many slots it has (replica-shares.ts, `learn`).
    if (r.load.waiting > 0) rt.replicaShares.queuedAt(url, r.load.running, now);
  } catch (err) {
    rt.logger.debug({ endpoint: url, err: err instanceof Error ? err.message : String(err) }, 'replica metrics scrape failed');
  }
}

/** One round over every wanted replica, concurrently. */
export async function scrapeReplicasOnce(rt: ProxyRuntime): Promise<void> {
  await Promise.all(rt.replicas.toScrape(rt.now()).map((url) => scrapeOne(rt, url)));
}

/** Starts the loop (a round never overlaps the previous one); returns its stop function. */
export function startReplicaScraper(rt: ProxyRuntime): () => void {
  const every = rt.config.replicaScrapeIntervalMs;
  if (every <= 0) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void scrapeReplicasOnce(rt).finally(() => {
      running = false;
    });
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}
