/**
 * Graceful drain: tell the store (so the edge stops choosing us), keep accepting
 * for `drainAcceptMs` (an edge that has not read the mark yet gets a 503
 * `not-started` it re-sends elsewhere, where a refused connection would fail a
 * POST it cannot know was never sent), then stop accepting; and tell every client:
 * * new requests on open connections get 503 + jittered Retry-After (HTTP/1.1
 *   with `Connection: close`); idle HTTP/1.1 keep-alive connections are closed at
 *   once and busy ones after their last answer (idle-keep-alive.ts), as nginx and
 *   HAProxy do: waiting out their keep-alive timeout held every drain that long;
 * * HTTP/2 sessions get GOAWAY;
 * * no new upstream work: `drainStartGraceMs` into the drain, requests with no
 *   answer head yet that are safe to cut (idempotent, or never dispatched) are cut
 *   upstream and answered 503 + Retry-After, rather than starting to stream and
 *   being cut at the deadline. A dispatched non-idempotent request (a POST the
 *   replica may be generating: a non-streaming one sends nothing until done) runs
 *   on to the deadline; cutting it there answers `draining-cut`, never
 *   `not-started` (drain-refusals.ts), so the edge does not run it twice;
 * * in-flight responses finish until the deadline; remaining WebSockets close
 *   with 1001 spread over the last window (so clients do not all reconnect at
 *   once); whatever is left at the deadline is refused (no head yet) or cut.
 */
import { closeIdleKeepAlive } from './idle-keep-alive.ts';
import type { Listeners } from './listener.ts';
import type { ProxyRuntime } from './runtime.ts';

export interface DrainResult {
  /** Exchanges still open at the deadline and closed by us. */
  readonly forced: number;
  /** Requests answered 503 (`draining` / `draining-cut`) because they had no answer head yet. */
  readonly refusedUnstarted: number;
  readonly durationMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

/** Answer every exchange with no answer head yet (that may be cut now) with 503; returns how many. */
function refuseUnanswered(rt: ProxyRuntime, atDeadline: boolean): number {
  let n = 0;
  for (const t of [...rt.inFlight]) if (t.cutUnanswered?.(atDeadline) === true) n += 1;
  if (n > 0) rt.metrics.refusals.inc({ code: 'draining' }, n);
  return n;
}

export async function drain(
  rt: ProxyRuntime,
  listeners: Listeners,
  markDraining: () => Promise<void>,
  deadlineMs: number,
): Promise<DrainResult> {
  const started = Date.now();
  rt.draining = true;
  const acceptUntil = started + Math.min(rt.config.drainAcceptMs, deadlineMs);
  let closed: Promise<void> | null = null;
  const stopAccepting = (): Promise<void> => (closed ??= new Promise<void>((resolve) => listeners.server.close(() => resolve())));
  if (Date.now() >= acceptUntil) void stopAccepting();
  letClientsGo(listeners);
  await markDraining().catch((err: unknown) => rt.logger.warn({ err }, 'could not mark draining in the store'));

  const deadline = started + deadlineMs;
  const graceEnd = started + Math.min(rt.config.drainStartGraceMs, deadlineMs);
  const wsWindowStart = deadline - Math.min(rt.config.drainWsWindowMs, deadlineMs);
  let wsSpread = false;
  let refusedUnstarted = 0;
  let graceOver = false;
  while ((closed === null || rt.inFlight.size > 0 || listeners.sockets.size > 0) && Date.now() < deadline) {
    if (closed === null && Date.now() >= acceptUntil) {
      void stopAccepting();
      letClientsGo(listeners); // and those that connected while the listener still took them
    }
    if (!graceOver && Date.now() >= graceEnd) {
      graceOver = true;
      refusedUnstarted = refuseUnanswered(rt, false);
    }
    const onlyWebSockets = rt.inFlight.size > 0 && [...rt.inFlight].every((t) => t.kind === 'websocket');
    if (!wsSpread && (Date.now() >= wsWindowStart || onlyWebSockets)) {
      wsSpread = true;
      spreadWebSocketCloses(rt, Math.max(0, Math.min(rt.config.drainWsWindowMs, deadline - Date.now())));
    }
    await sleep(Math.min(50, deadline - Date.now()));
  }
  refusedUnstarted += refuseUnanswered(rt, true);
  const forced = rt.inFlight.size;
  // Hand-off events and close frames reach the sockets before they are destroyed.
  await Promise.all([...rt.inFlight].map((t) => t.close()));
  for (const s of listeners.sockets) s.destroy();
  for (const s of listeners.h2sessions) s.destroy();
  await stopAccepting();
  return { forced, refusedUnstarted, durationMs: Date.now() - started };
}

/** HTTP/2: GOAWAY (streams already open finish, new ones go elsewhere); idle HTTP/1.1 connections closed. */
function letClientsGo(listeners: Listeners): void {
  for (const s of listeners.h2sessions) s.close();
  closeIdleKeepAlive(listeners.sockets);
}

/** Close open WebSockets with 1001 at evenly spread instants over `windowMs`. */
function spreadWebSocketCloses(rt: ProxyRuntime, windowMs: number): void {
  const sockets = [...rt.inFlight].filter((t) => t.kind === 'websocket');
  sockets.forEach((t, i) => {
    const at = sockets.length <= 1 ? 0 : (windowMs * i) / sockets.length;
    setTimeout(() => t.close(), at).unref();
  });
}
