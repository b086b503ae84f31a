/**
 * The two answers a draining proxy gives instead of a replica's: `draining`
 * for work that never reached a replica (the edge may send even a POST to its
 * next cluster), and `draining-cut` for an exchange already dispatched upstream
 * that the drain had to cut (the replica may have started it: the edge re-sends
 * only idempotent requests). Mixing them up is a double run.
 */
import { reconnectUrl } from './drain-handoff.ts';
import { ProxyError } from './errors.ts';
import type { RequestTarget } from './request-target.ts';
import type { ProxyRuntime } from './runtime.ts';

type Target = Pick<RequestTarget, 'project' | 'app' | 'fn'>;

/** The edge URL to reconnect through, when the request's app is known (drain-handoff.ts). */
function reconnect(rt: ProxyRuntime, target: Target | undefined, websocket: boolean): string | null {
  return target === undefined ? null : reconnectUrl(rt, target, websocket);
}

/** Retry-After while draining: base plus jitter, so refused clients do not reconnect in lockstep. */
export function drainRetryAfter(rt: ProxyRuntime): number {
  const base = rt.config.drainRetryAfterS;
  return base + Math.floor(Math.random() * (base + 1));
}

/** Nothing was sent upstream: `x-switchyard-refused: not-started`. */
export function drainingError(rt: ProxyRuntime, target?: Target, websocket = false): ProxyError {
  return new ProxyError(
    'draining',
    503,
    'this proxy is draining; retry (the edge will route elsewhere)',
    true,
    drainRetryAfter(rt),
    true,
    reconnect(rt, target, websocket),
  );
}

/** Dispatched upstream, then cut by the drain: `x-switchyard-refused: 1` (may have started). */
export function drainCutError(rt: ProxyRuntime, target?: Target): ProxyError {
  return new ProxyError(
    'draining-cut',
    503,
    'this proxy is draining and cut the request before its answer began; the replica may have started it, so only retry it if it is safe to run twice',
    true,
    drainRetryAfter(rt),
    false,
    reconnect(rt, target, false),
  );
}
