/**
 * Active health checks: every interval, GET <endpoint><path> on each known
 * endpoint (off the hot path). A 2xx marks it up, anything else or no answer
 * within the timeout marks it down; the round trip feeds the cluster's RTT.
 */
import type { ProxyRuntime } from './runtime.ts';

export async function checkAllOnce(rt: ProxyRuntime): Promise<void> {
  await Promise.all(
    rt.registry.allEndpoints().map(async ({ clusterId, endpoint }) => {
      const t0 = rt.now();
      try {
        const r = await rt.dispatcher.request({
          origin: endpoint.url,
          path: rt.config.healthCheckPath,
          method: 'GET',
          headersTimeout: rt.config.healthCheckTimeoutMs,
          bodyTimeout: rt.config.healthCheckTimeoutMs,
          signal: AbortSignal.timeout(rt.config.healthCheckTimeoutMs),
        });
        await r.body.dump();
        endpoint.checkedHealthy = r.statusCode >= 200 && r.statusCode < 300;
        if (endpoint.checkedHealthy) rt.latency.rtt(clusterId, rt.now() - t0);
      } catch {
        endpoint.checkedHealthy = false;
      }
    }),
  );
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
