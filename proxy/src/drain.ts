/**
 * Graceful drain: stop accepting, tell the store (so the edge stops choosing
 * us), refuse new requests on open connections with a jittered Retry-After,
 * let in-flight exchanges finish until the deadline, close remaining
 * WebSockets with 1001 spread over the last window (so clients do not all
 * reconnect at once), then cut whatever is left.
 */
import type { Listeners } from './listener.ts';
import type { ProxyRuntime } from './runtime.ts';

export interface DrainResult {
  /** Exchanges still open at the deadline and closed by us. */
  readonly forced: number;
  readonly durationMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

export async function drain(
  rt: ProxyRuntime,
  listeners: Listeners,
  markDraining: () => Promise<void>,
  deadlineMs: number,
): Promise<DrainResult> {
  const started = Date.now();
  rt.draining = true;
  const closed = new Promise<void>((resolve) => listeners.server.close(() => resolve()));
  // Idle keep-alive connections carry nothing: close them now; busy ones close after their response.
  listeners.h1?.closeIdleConnections();
  // HTTP/2: GOAWAY; streams already open finish, new ones go elsewhere.
  for (const s of listeners.h2sessions) s.close();
  await markDraining().catch((err: unknown) =>
    rt.logger.warn({ err }, 'could not mark draining in the store'),
  );

  const deadline = started + deadlineMs;
  const wsWindowStart = deadline - Math.min(rt.config.drainWsWindowMs, deadlineMs);
  let wsSpread = false;
  while (rt.inFlight.size > 0 && Date.now() < deadline) {
    const onlyWebSockets = [...rt.inFlight].every((t) => t.kind === 'websocket');
    if (!wsSpread && (Date.now() >= wsWindowStart || onlyWebSockets)) {
      wsSpread = true;
      spreadWebSocketCloses(
        rt,
        Math.max(0, Math.min(rt.config.drainWsWindowMs, deadline - Date.now())),
      );
    }
    await sleep(Math.min(50, deadline - Date.now()));
  }
  const forced = rt.inFlight.size;
  for (const t of [...rt.inFlight]) t.close();
  for (const s of listeners.sockets) s.destroy();
  for (const s of listeners.h2sessions) s.destroy();
  await closed;
  return { forced, durationMs: Date.now() - started };
}

/** Close open WebSockets with 1001 at evenly spread instants over `windowMs`. */
function spreadWebSocketCloses(rt: ProxyRuntime, windowMs: number): void {
  const sockets = [...rt.inFlight].filter((t) => t.kind === 'websocket');
  sockets.forEach((t, i) => {
    const at = sockets.length <= 1 ? 0 : (windowMs * i) / sockets.length;
    setTimeout(() => t.close(), at).unref();
  });
}
