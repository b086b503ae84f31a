/**
 * Replica shares across proxies (issue 10 P1, tenant isolation). Each proxy shares a replica's
 * slots between projects by what it holds there (replica-shares.ts); a flood sent through two
 * proxies (a fallback from another region, or sibling worker processes) got one share per proxy
 * and could still fill the engine, so another project's first request waited in its queue (21 s
 * live on the dev stack). Every lease interval each holder publishes its holds at the replicas
 * that apps of several projects list and reads everyone else's; the rule then counts both. The
 * others' holds are at most about two intervals old; when libSQL stops answering they are dropped
 * once their rows would have lapsed, and each proxy counts its own again.
 */
import { RenewalLoop, TTL_INTERVALS } from './lease-renewal.ts';
import type { EndpointRegistry } from './endpoint-registry.ts';
import type { ReplicaHoldStore } from './replica-hold-store.ts';
import type { ReplicaShares } from './replica-shares.ts';
import type { ProxyRuntime } from './runtime.ts';

export interface ReplicaHoldSyncDeps {
  readonly store: ReplicaHoldStore;
  readonly registry: Pick<EndpointRegistry, 'sharedByProjects' | 'hasSharedReplicas'>;
  readonly shares: ReplicaShares;
  /** The proxy id; `<id>#<index>` for a worker of several, so siblings count each other. */
  readonly holderId: string;
  readonly intervalMs: number;
  readonly now: () => number;
}

/** Publishes this holder's holds and takes the others', every interval (RenewalLoop: one at a time, a hung call abandoned). */
export class ReplicaHoldSync {
  private readonly loop: RenewalLoop;
  private staleTimer: NodeJS.Timeout | null = null;
  /** Whether this holder has rows in libSQL (written since its last write of none). */
  private written = false;
  private lastOkAt: number;
  /** Syncs started, and the newest whose result was applied: a call abandoned and done late is dropped. */
  private started = 0;
  private applied = 0;

  constructor(private readonly d: ReplicaHoldSyncDeps) {
    this.lastOkAt = d.now();
    this.loop = new RenewalLoop('replica hold sync', d.intervalMs, () => this.sync());
  }

  once(): Promise<void> {
    return this.loop.once();
  }

  start(onError: (err: unknown) => void): void {
    this.loop.start(onError);
    // Checked apart from the syncs: a hung libSQL call must not keep the peers' holds counted.
    this.staleTimer = setInterval(() => this.dropStale(), this.d.intervalMs);
    this.staleTimer.unref();
  }

  stop(): void {
    this.loop.stop();
    if (this.staleTimer !== null) clearInterval(this.staleTimer);
    this.staleTimer = null;
  }

  private async sync(): Promise<void> {
    const { store, registry, shares, now } = this.d;
    const t = now();
    // Nothing to share and nothing written: no replica this proxy sends to is shared by projects.
    if (!registry.hasSharedReplicas() && !this.written) {
      this.lastOkAt = t;
      shares.usePeers([]);
      return;
    }
    const holds = shares.published((url) => registry.sharedByProjects(url));
    const write = holds.length > 0 || this.written;
    const seq = ++this.started;
    const others = await store.syncReplicaHolds({ holderId: this.d.holderId, holds, write, now: t, expiresAt: t + TTL_INTERVALS * this.d.intervalMs });
    // RenewalLoop abandons a hung call and starts another: an older one done late must not
    // put back what it read before a newer one (nor date the peers from its start).
    if (seq < this.applied) return;
    this.applied = seq;
    if (write) this.written = holds.length > 0;
    this.lastOkAt = t;
    shares.usePeers(others);
  }

  /** Stops, and takes this holder's rows out (a drain or close: its holds are over), within `ms`. */
  async withdraw(ms: number): Promise<void> {
    this.stop();
    if (!this.written) return;
    const t = this.d.now();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`withdrawing replica holds took over ${ms} ms`)), ms);
    });
    try {
      await Promise.race([this.d.store.syncReplicaHolds({ holderId: this.d.holderId, holds: [], write: true, now: t, expiresAt: t }), deadline]);
      this.written = false;
    } finally {
      clearTimeout(timer);
    }
  }

  /** libSQL silent for as long as rows live: the peers' holds have lapsed, count this proxy's own. */
  private dropStale(): void {
    if (this.d.now() - this.lastOkAt > TTL_INTERVALS * this.d.intervalMs) this.d.shares.usePeers([]);
  }
}

/** The sync for this proxy (or worker process), when its store can share holds; null otherwise. */
export function replicaHoldSync(
  rt: Pick<ProxyRuntime, 'replicaShares' | 'config' | 'now'>,
  store: Partial<ReplicaHoldStore> | null,
  registry: ReplicaHoldSyncDeps['registry'],
  holderId: string,
): ReplicaHoldSync | null {
  const sync = store?.syncReplicaHolds;
  if (store === null || sync === undefined) return null;
  return new ReplicaHoldSync({
    store: { syncReplicaHolds: sync.bind(store) },
    registry,
    shares: rt.replicaShares,
    holderId,
    intervalMs: rt.config.limitLeaseIntervalMs,
    now: rt.now,
  });
}
