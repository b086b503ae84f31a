/**
 * What one proxy worker process shares with its siblings on the same port (node:cluster,
 * cluster-primary.ts): circuit transitions and outlier ejections go to the primary, which
 * relays them to every other worker, so a replica ejected (or a circuit opened) in one worker
 * is ejected in all. Admission limits are counted by the primary (cluster-limits.ts); metrics are
 * summed by the primary's scrape (prom-client AggregatorRegistry).
 */
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { OutlierDetector } from './outlier-detector.ts';

/** The worker's place among its siblings, from the primary (SWITCHYARD_PROXY_WORKER=index/count). */
export interface WorkerSlot {
  readonly index: number;
  readonly count: number;
  /** When the primary booted: a restarted worker 0 takes up only jobs older than that, not its live siblings'. */
  readonly bootedAt?: number;
}

export const WORKER_ENV = 'SWITCHYARD_PROXY_WORKER';

/** Messages between workers and the primary; `sy` marks ours among other IPC (prom-client's). */
export type PeerMessage =
  | { readonly sy: 'circuit'; readonly key: string; readonly state: 'open' | 'closed'; readonly at: number }
  | { readonly sy: 'eject'; readonly appId: string; readonly url: string; readonly until: number }
  | { readonly sy: 'ready'; readonly url: string }
  /** A worker's start failed: the primary fails the whole start with this message. */
  | { readonly sy: 'start-failed'; readonly message: string }
  | { readonly sy: 'drain' };

export function isPeerMessage(m: unknown): m is PeerMessage {
  return typeof m === 'object' && m !== null && typeof (m as { sy?: unknown }).sy === 'string';
}

/** The slot this process was forked into, or null (a single-process proxy). */
export function workerSlotFromEnv(env: Readonly<Record<string, string | undefined>>): WorkerSlot | null {
  const raw = env[WORKER_ENV];
  const m = raw === undefined ? null : /^(\d+)\/(\d+)(?:@(\d+))?$/.exec(raw);
  if (m === null) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) return null;
  return m[3] === undefined ? { index, count } : { index, count, bootedAt: Number(m[3]) };
}

export interface ClusterPeers {
  circuitChanged(key: string, state: 'open' | 'closed', at: number): void;
  ejected(appId: string, url: string, until: number): void;
}

/** Sends this worker's transitions to the primary and applies the siblings' ones it relays. */
export function processPeers(
  breaker: (key: string) => CircuitBreaker,
  outliers: () => OutlierDetector,
): ClusterPeers {
  const send = (m: PeerMessage): void => {
    // A worker whose primary is gone is about to exit; nothing to share with.
    if (process.connected) process.send?.(m);
  };
  process.on('message', (m: unknown) => {
    if (!isPeerMessage(m)) return;
    if (m.sy === 'circuit') breaker(m.key).adopt(m.state, m.at);
    else if (m.sy === 'eject') outliers().adoptEjection(m.appId, m.url, m.until);
  });
  return {
    circuitChanged: (key, state, at) => send({ sy: 'circuit', key, state, at }),
    ejected: (appId, url, until) => send({ sy: 'eject', appId, url, until }),
  };
}
