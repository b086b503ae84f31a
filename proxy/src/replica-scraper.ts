/**
 * Scrapes `/metrics` of the replicas inference-aware picks consider, every
 * `replicaScrapeIntervalMs` (the proxy sits in the cluster's region, so ~1 s is cheap), with
 * the one shared engine reader. Only what a real engine publishes is read. A failed scrape
 * leaves the last report to age out; it never marks a replica down (health checks do that).
 */
import { readEngineMetrics } from '../../shared/engine-metrics/read-engine-metrics.ts';
import type { ProxyRuntime } from './runtime.ts';

/**
 * A real engine's page is tens to a few hundred KB (vLLM with histograms and LoRA labels stays
 * well under 1 MB); past this the page is not read on: at loopback speed an endless page would
 * otherwise be buffered (and parsed on the event loop) for the whole scrape timeout.
 */
export const MAX_METRICS_BYTES = 4 * 1024 * 1024;

/** The page's text, or an error once it passes MAX_METRICS_BYTES (the rest is never read). */
async function boundedText(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_METRICS_BYTES) {
      await reader.cancel();
      throw new Error(`/metrics is larger than ${MAX_METRICS_BYTES} bytes`);
    }
    parts.push(value);
  }
  return Buffer.concat(parts).toString('utf8');
}

async function scrapeOne(rt: ProxyRuntime, url: string): Promise<void> {
  const cfg = rt.config;
  try {
    const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(cfg.replicaScrapeTimeoutMs) });
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`answered ${res.status}`);
    }
    const text = await boundedText(res);
    const r = readEngineMetrics(text, cfg.replicaEngine);
    if (!r.ok) throw new Error(r.reason);
    rt.replicas.observe(url, r.load, rt.now());
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
