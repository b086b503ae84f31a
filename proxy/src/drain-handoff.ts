/**
 * Drain hand-off: what a draining proxy tells a long-lived client about where to
 * go next, in the one form each protocol can carry.
 * * SSE cut at the deadline: a final `event: switchyard.reconnect` whose data is an
 *   OpenAI-format error plus `reconnect` and `retry_after` (an `error` key makes the
 *   `openai` SDK throw instead of treating the cut stream as complete), then a clean end.
 * * WebSocket: close 1012 (service restart) with a JSON reason that fits the 123
 *   bytes a close frame allows (`{"reconnect":…,"retryAfter":…}`).
 * * Plain HTTP refusals: `Retry-After` plus `x-switchyard-reconnect`.
 *
 * The reconnect target is the edge (`edgeUrl`), never another proxy with a fresh
 * token: a cluster has exactly one proxy id (clusters.proxy_id), so there is no peer
 * that could take this proxy's tokens, and a proxy holds only the edge's public keys.
 * Letting proxies mint would mean handing every proxy a signing key that opens every
 * other proxy; going back through the edge costs one decision and keeps that key in one
 * place. The edge already sees this proxy as draining and routes elsewhere — or, for a
 * pinned job, back to the same cluster once its proxy is back.
 */
import { abortResponse, type ClientResponse } from './client-io.ts';
import { drainRetryAfter } from './drain-refusals.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyRuntime } from './runtime.ts';

/** RFC 6455 §5.5: a control frame's payload is ≤ 125 bytes, 2 of them the close code. */
const CLOSE_REASON_MAX = 123;

/** 1012: "service restart" (IANA WebSocket close codes): reconnect, the service is fine. */
export const CLOSE_SERVICE_RESTART = 1012;

export const RECONNECT_EVENT = 'switchyard.reconnect';

type Target = Pick<RequestTarget, 'project' | 'app' | 'fn'>;

function edgeOrigin(rt: ProxyRuntime): string | null {
  return rt.config.edgeUrl === null ? null : rt.config.edgeUrl.replace(/\/+$/, '');
}

/**
 * Where to reconnect: the app path at the edge (`/token/…` for WebSockets, which the edge does
 * not carry itself). The query is left out: it is the client's own and it still has it.
 */
export function reconnectUrl(rt: ProxyRuntime, target: Target, websocket: boolean): string | null {
  const edge = edgeOrigin(rt);
  if (edge === null) return null;
  return `${edge}${websocket ? '/token' : ''}/v4/${target.project}/${target.app}/${target.fn}`;
}

/**
 * The close reason for a WebSocket: the full reconnect URL when it fits, else the edge's origin
 * (reconnect through its `/token` route for the same app path), else only the wait.
 */
export function closeReason(rt: ProxyRuntime, target: Target, retryAfterS: number): string {
  const full = reconnectUrl(rt, target, true);
  const candidates = [full, edgeOrigin(rt), null];
  for (const reconnect of candidates) {
    const reason = JSON.stringify(reconnect === null ? { retryAfter: retryAfterS } : { reconnect, retryAfter: retryAfterS });
    if (Buffer.byteLength(reason) <= CLOSE_REASON_MAX) return reason;
  }
  return '';
}

/** The SSE hand-off event (a blank line first, so it stands alone even after a partial event). */
export function reconnectEvent(rt: ProxyRuntime, target: Target, retryAfterS: number): string {
  const reconnect = reconnectUrl(rt, target, false);
  const where = reconnect === null ? `retry in ${retryAfterS}s` : `reconnect at ${reconnect} in ${retryAfterS}s`;
  const data = {
    error: {
      message: `the regional proxy is draining and ended this stream at its deadline; ${where}`,
      type: 'server_error',
      code: 'proxy_draining',
      param: null,
    },
    reconnect,
    retry_after: retryAfterS,
  };
  return `\n\nevent: ${RECONNECT_EVENT}\ndata: ${JSON.stringify(data)}\n\n`;
}


/** How long drain waits for hand-off events to reach the socket before it destroys it. */
const FLUSH_WAIT_MS = 1_000;

/**
 * Drain's `close()` for an HTTP exchange: an open SSE stream gets the reconnect event and a clean
 * end, written before the upstream is cut so no replica byte follows it; the promise settles once
 * it is flushed (drain destroys sockets after). Anything else is aborted as before.
 */
export function handOffOrAbort(
  rt: ProxyRuntime,
  res: ClientResponse,
  eventStream: boolean,
  target: Target,
  cutUpstream: () => void,
): Promise<void> | void {
  if (!eventStream || !res.headersSent || res.writableEnded || res.destroyed) {
    cutUpstream();
    abortResponse(res);
    return;
  }
  const flushed = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FLUSH_WAIT_MS);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    res.once('finish', done);
    res.once('close', done);
  });
  (res as { write(chunk: string): boolean }).write(reconnectEvent(rt, target, drainRetryAfter(rt)));
  res.end();
  rt.metrics.refusals.inc({ code: 'drain-handoff' });
  cutUpstream();
  return flushed;
}
