/**
 * Active health checks: every interval, GET <endpoint><path> on each known
 * endpoint (off the hot path). A 2xx marks it up; a definite "no" (another
 * status, connection refused) marks it down at once; silence past the timeout
 * marks it down only when it happens twice in a row, so one slow answer from a
 * busy replica (e.g. one tenant's huge uploads) does not flip the cluster's
 * reported health for everyone. A check this process could not even start (no
 * open file: EMFILE) leaves the replica's state as it was. Each round's 2xx round trips feed the cluster's RTT, per round
 * (min-rtt-window.ts: the quickest stands for the network, not any replica's busy loop).
 */
import { classifyUpstreamError } from './errors.ts';
import type { ProxyRuntime } from './runtime.ts';

/** Consecutive unanswered checks that mark an endpoint down. */
const MISSES_TO_DOWN = 2;

/** `AbortSignal.timeout` rejects with a DOMException, which is not always an `Error` instance. */
function isAbortTimeout(err: unknown): boolean {
  const name =
    typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

export async function checkAllOnce(rt: ProxyRuntime): Promise<void> {
  const roundAt = rt.now();
  const answers = new Map<string, number[]>();
  await Promise.all(
    rt.registry.allEndpoints().map(async ({ clusterId, endpoint }) => {
      const t0 = rt.now();
      try {
        // Over the cluster's own protocol (HTTP/1.1, ALPN or HTTP/2): upstream-router.ts.
        const status = await rt.upstreams.probe(clusterId, endpoint.url, rt.config.healthCheckPath, rt.config.healthCheckTimeoutMs);
        endpoint.checkedHealthy = status >= 200 && status < 300;
        endpoint.missedChecks = 0;
        if (endpoint.checkedHealthy) {
          const ms = rt.now() - t0;
          const seen = answers.get(clusterId);
          if (seen === undefined) answers.set(clusterId, [ms]);
          else seen.push(ms);
        }
      } catch (err) {
        const fault = classifyUpstreamError(err);
        // This process had no open file for the check (EMFILE): no answer about the replica at all.
        if (fault.blame === 'local') return;
        const silent = fault.code === 'upstream-timeout' || isAbortTimeout(err);
        endpoint.missedChecks = silent ? endpoint.missedChecks + 1 : MISSES_TO_DOWN;
        if (endpoint.missedChecks >= MISSES_TO_DOWN) endpoint.checkedHealthy = false;
      }
    }),
  );
  for (const [clusterId, ms] of answers) rt.latency.rttRound(clusterId, roundAt, ms);
}

/** Run checks every interval until stopped; returns the stop function. */
export function startHealthChecks(rt: ProxyRuntime): () => void {
  let running = false;
  const tick = (): void => {
    if (running) return; // a slow round must not pile up behind itself
    running = true;
    checkAllOnce(rt)
      .catch((err: unknown) => rt.logger.warn({ err }, 'health check round failed'))
      .finally(() => (running = false));
  };
  const timer = setInterval(tick, rt.config.healthCheckIntervalMs);
  timer.unref();
  tick();
  return () => clearInterval(timer);
}
