/**
 * Reads a replica's `/metrics` page for the scraper, at a bounded cost. The page is the replica's
 * (its app's image decides what it exports) and the scraper reads it every second on the event
 * loop every tenant's requests share: one app's three replicas with ~4 MB pages (one label set
 * per LoRA adapter, per request…) cost ~150 ms each per scrape, and other tenants got a fifth of
 * their pace (test/one-apps-large-replica-metrics-never-stall-anothers-requests.test.ts). So:
 *  * at most SCRAPE_PAGE_MAX_BYTES are read (a real engine's page is tens to a few hundred KB);
 *  * at most SCRAPE_MAX_SAMPLES samples of the families the proxy reads (a real engine has one
 *    per model and rank): past it the page is refused and the rest is not read;
 *  * parsed a slice at a time as it arrives, yielding between slices, so no page holds the loop.
 * A refused page is a failed scrape: that replica's load report ages out, nothing else.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ALL_ENGINE_FAMILIES } from '../../shared/engine-metrics/engines.ts';
import { PrometheusTextReader } from '../../shared/engine-metrics/prometheus-text.ts';
import { engineLoadOf, type EngineMetricsResult, type EngineSetting } from '../../shared/engine-metrics/read-engine-metrics.ts';

export const SCRAPE_PAGE_MAX_BYTES = 1024 * 1024;
export const SCRAPE_MAX_SAMPLES = 1_024;
/** Bytes parsed between two yields: well under a millisecond. */
const SLICE_BYTES = 16 * 1024;

export async function readReplicaMetricsPage(res: Response, engine: EngineSetting): Promise<EngineMetricsResult> {
  const lines = new PrometheusTextReader(ALL_ENGINE_FAMILIES, SCRAPE_MAX_SAMPLES);
  const decoder = new TextDecoder();
  const reader = res.body?.getReader();
  let size = 0;
  for (let read = await reader?.read(); read !== undefined && !read.done; read = await reader?.read()) {
    const bytes = read.value;
    size += bytes.byteLength;
    if (size > SCRAPE_PAGE_MAX_BYTES) {
      await reader?.cancel();
      return { ok: false, reason: `/metrics is larger than ${SCRAPE_PAGE_MAX_BYTES} bytes` };
    }
    for (let at = 0; at < bytes.byteLength && !lines.failed; at += SLICE_BYTES) {
      lines.push(decoder.decode(bytes.subarray(at, at + SLICE_BYTES), { stream: true }));
      // A chunk already received resolves the next read in a microtask: only this lets I/O in.
      await nextTurn();
    }
    if (lines.failed) {
      await reader?.cancel();
      break;
    }
  }
  lines.push(decoder.decode());
  return engineLoadOf(lines.end(), engine);
}
