/**
 * Each replica's slots shared fairly between projects (shared/limits/replica-share.ts): what this
 * proxy holds at each replica URL, in total and per project (every app and cluster listing the
 * URL counts: the engine's slots are one pool), and the replica's capacity: reported by its
 * aggregator (the registry's `reportedSlots`), configured (PROXY_REPLICA_SLOTS) or learnt from its
 * 429s and queue (`replicaCapacity`). choose-endpoint.ts skips a replica that apps of
 * two or more projects list (EndpointRegistry.sharedByProjects) where the caller's project is over
 * its share; the attempt planner takes a hold on the replica it picks (every replica: cheap).
 * With libSQL, what the other proxies (and sibling worker processes) hold at shared replicas is
 * added to this proxy's own count (replica-hold-sync.ts, about one lease interval old), so a flood
 * spread over several proxies still gets one share of the engine, not one per proxy.
 */
import { capacityLearnt, capacityNow, replicaCapacity, replicaShareVerdict, type ReplicaVerdict } from '../../shared/limits/replica-share.ts';

/** `learn` from the replicas' 429s, a fixed number of slots per replica, or `off`. */
export type ReplicaSlotsSetting = number | 'learn' | 'off';

/** Idle entries (no request held) are swept this often; a learnt capacity this old is forgotten with them. */
const SWEEP_MS = 600_000;
const FORGET_MS = 3_600_000;

interface ReplicaLoad {
  readonly url: string;
  /** Requests this proxy holds there, all projects. */
  total: number;
  /** Projects holding at least one request there (entries of `projects` with n > 0). */
  holding: number;
  /**
   * Every project that held work there since the last sweep: kept while idle, so a replica used
   * one request at a time allocates nothing per request. Bounded by the projects whose apps list
   * the URL (a request only takes a replica its app lists).
   */
  readonly projects: Map<string, ProjectLoad>;
  /** Capacity taught by the last 429 (0: none yet), and when. */
  learnt: number;
  learntAt: number;
}

/** What the other proxies hold at one replica (replica-hold-sync.ts): in total and per project. */
interface PeerLoad {
  total: number;
  readonly projects: Map<string, number>;
}

/** One holder's requests of one project at one replica, as proxies publish them to each other. */
export interface ReplicaHold {
  readonly url: string;
  readonly project: string;
  readonly holds: number;
}

/** One project's requests at one replica: also the hold an attempt gives back. */
export interface ProjectLoad {
  readonly project: string;
  readonly replica: ReplicaLoad;
  n: number;
}

export class ReplicaShares {
  private readonly replicas = new Map<string, ReplicaLoad>();
  /** The other proxies' holds at shared replicas, replaced by each sync (empty without libSQL). */
  private peers = new Map<string, PeerLoad>();
  private lastSweep = 0;

  constructor(
    private readonly slots: ReplicaSlotsSetting,
    /** A replica's slots as its aggregator reported them (EndpointRegistry.reportedSlots); null = none. */
    private readonly reported: (url: string) => number | null = () => null,
  ) {}

  /** Whether `project` may send one more request to `url` now. */
  verdict(url: string, project: string, now: number): ReplicaVerdict {
    const r = this.replicas.get(url);
    const peer = this.peers.get(url);
    if (peer === undefined) {
      if (r === undefined || r.total === 0) return 'admit';
      return replicaShareVerdict(this.capacity(r, now), r.total, r.holding, r.projects.get(project)?.n ?? 0);
    }
    // Projects holding work there anywhere: this proxy's, and the peers' it holds nothing for.
    let holding = r?.holding ?? 0;
    for (const other of peer.projects.keys()) if ((r?.projects.get(other)?.n ?? 0) === 0) holding += 1;
    const mine = r?.projects.get(project)?.n ?? 0;
    const total = (r?.total ?? 0) + peer.total;
    return replicaShareVerdict(this.capacityOf(url, now), total, holding, mine + (peer.projects.get(project) ?? 0));
  }

  /** This proxy's holds at the replicas `shared` names (the ones the rule applies to), to publish. */
  published(shared: (url: string) => boolean): ReplicaHold[] {
    const out: ReplicaHold[] = [];
    for (const [url, r] of this.replicas) {
      if (r.total === 0 || !shared(url)) continue;
      for (const [project, p] of r.projects) if (p.n > 0) out.push({ url, project, holds: p.n });
    }
    return out;
  }

  /** The other proxies' holds, as the last sync read them (summed per replica and project). */
  usePeers(holds: readonly ReplicaHold[]): void {
    const next = new Map<string, PeerLoad>();
    for (const h of holds) {
      if (h.holds <= 0) continue;
      let peer = next.get(h.url);
      if (peer === undefined) {
        peer = { total: 0, projects: new Map() };
        next.set(h.url, peer);
      }
      peer.total += h.holds;
      peer.projects.set(h.project, (peer.projects.get(h.project) ?? 0) + h.holds);
    }
    this.peers = next;
  }

  /** Count one request of `project` at `url`; give it back with `give` (once). */
  take(url: string, project: string, now: number): ProjectLoad {
    if (now - this.lastSweep > SWEEP_MS) this.sweep(now);
    const r = this.entry(url);
    let p = r.projects.get(project);
    if (p === undefined) {
      p = { project, replica: r, n: 0 };
      r.projects.set(project, p);
    }
    if (p.n === 0) r.holding += 1;
    p.n += 1;
    r.total += 1;
    return p;
  }

  give(p: ProjectLoad): void {
    const r = p.replica;
    p.n -= 1;
    r.total -= 1;
    if (p.n === 0) r.holding -= 1;
  }

  /**
   * The replica answered 429 while this proxy held `total` there (the refused request included),
   * and the other proxies what they last published: in `learn` mode that is its capacity now.
   */
  refusedBy(url: string, now: number): void {
    if (this.slots !== 'learn') return;
    const r = this.replicas.get(url);
    if (r === undefined) return;
    const learnt = capacityLearnt(r.total + (this.peers.get(url)?.total ?? 0));
    if (learnt === 0) return;
    r.learnt = learnt;
    r.learntAt = now;
  }

  /**
   * A scrape of the replica's `/metrics` (inference-aware apps' replicas: replica-scraper.ts) found
   * requests waiting: an engine that queues instead of refusing (vLLM's and SGLang's default) is
   * full at the `running` it reports, and never answers the 429 `refusedBy` learns from. In
   * `learn` mode that is its capacity now (the engine's, over every proxy: an upper bound of what
   * this one may hold, so it never refuses too early).
   */
  queuedAt(url: string, running: number, now: number): void {
    if (this.slots !== 'learn' || running <= 0) return;
    const r = this.entry(url);
    r.learnt = running;
    r.learntAt = now;
  }

  /** The capacity the rule uses for `url` now; 0 is unknown (everyone admitted). */
  capacityOf(url: string, now: number): number {
    const r = this.replicas.get(url);
    return r === undefined ? replicaCapacity(this.slots, this.reported(url), 0) : this.capacity(r, now);
  }

  /** Requests of `project` this proxy holds at `url` (tests, debugging). */
  held(url: string, project: string): number {
    return this.replicas.get(url)?.projects.get(project)?.n ?? 0;
  }

  private entry(url: string): ReplicaLoad {
    let r = this.replicas.get(url);
    if (r === undefined) {
      r = { url, total: 0, holding: 0, projects: new Map(), learnt: 0, learntAt: 0 };
      this.replicas.set(url, r);
    }
    return r;
  }

  private capacity(r: ReplicaLoad, now: number): number {
    return replicaCapacity(this.slots, this.reported(r.url), capacityNow(r.learnt, now - r.learntAt));
  }

  /** Drops idle projects, and idle replicas without a recent learnt capacity (departed URLs). */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [url, r] of this.replicas) {
      if (r.total === 0 && (r.learnt === 0 || now - r.learntAt > FORGET_MS)) {
        this.replicas.delete(url);
        continue;
      }
      for (const [project, p] of r.projects) if (p.n === 0) r.projects.delete(project);
    }
  }
}
