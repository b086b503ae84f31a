import { boundedText, MAX_REPLICA_PAGE_BYTES } from '../../shared/http/bounded-text.ts';
import { parseMetrics } from './parse-metrics.ts';
import { parseModelsBody } from '../../shared/rollout/served-versions.ts';
import type { ReplicaObservation } from './summarize-app.ts';

export type FetchFn = (input: string, init: { signal: AbortSignal }) => Promise<Response>;

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return err instanceof Error ? `${err.message}${cause}` : String(err);
}

async function get(fetchFn: FetchFn, url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  // One deadline covers connecting, headers and body: a replica that trickles bytes counts as hung.
  const res = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
  // Bounded as the proxy's scraper reads it: one app's huge page must not stall the tick that
  // pushes every app's capacity on this cluster.
  return { status: res.status, body: await boundedText(res, MAX_REPLICA_PAGE_BYTES, 'page') };
}

/**
 * Scrapes one replica's `/health` and `/metrics` concurrently with a deadline. Never throws:
 * every failure (refused, timeout, non-2xx, garbage) becomes an unhealthy observation with a
 * reason, so one bad replica can never stop the tick.
 */
export async function scrapeReplica(baseUrl: string, timeoutMs: number, fetchFn: FetchFn): Promise<ReplicaObservation> {
  const [health, metrics, models] = await Promise.allSettled([
    get(fetchFn, `${baseUrl}/health`, timeoutMs),
    get(fetchFn, `${baseUrl}/metrics`, timeoutMs),
    get(fetchFn, `${baseUrl}/v1/models`, timeoutMs),
  ]);
  const problems: string[] = [];
  let healthy = false;
  if (health.status === 'rejected') problems.push(`/health ${describe(health.reason, timeoutMs)}`);
  else if (health.value.status < 200 || health.value.status > 299) problems.push(`/health answered ${health.value.status}`);
  else healthy = true;

  let parsed = null;
  if (metrics.status === 'rejected') problems.push(`/metrics ${describe(metrics.reason, timeoutMs)}`);
  else if (metrics.value.status < 200 || metrics.value.status > 299) problems.push(`/metrics answered ${metrics.value.status}`);
  else {
    const r = parseMetrics(metrics.value.body);
    if (r.ok) parsed = r.metrics;
    else problems.push(`/metrics unreadable: ${r.reason}`);
  }
  // `/v1/models` only tells the served versions (rollouts): its failure is no health problem.
  // Absent when it did not answer: the caller keeps the replica's last known versions (a replica
  // failing its requests still serves what it served).
  const served = models.status === 'fulfilled' && models.value.status === 200 ? { models: parseModelsBody(jsonOrNull(models.value.body)) } : {};
  return { url: baseUrl, healthy, metrics: parsed, problem: problems.length > 0 ? problems.join('; ') : null, ...served };
}

function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
