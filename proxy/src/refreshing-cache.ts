/**
 * A small stale-while-revalidate cache for libSQL reads on a request's path (the in-region path's
 * app snapshots and keys; whether an app has a webhook secret, async-jobs.ts): a warm entry costs a Map lookup; an entry older than `refreshMs` is served as is while
 * one background load replaces it; only a missing entry waits for the database. Bounded: the
 * oldest entry goes first, so random keys sent by a caller cannot grow memory. Misses (`isMiss`:
 * an unknown key or app) are kept apart, bounded on their own and forgotten after `refreshMs`:
 * a flood of random keys evicts only other misses, never a real entry (which a real request
 * would then have to read again — and could not, with the database down).
 */
import { FairShares } from '../../shared/caching/fair-shares.ts';

interface Entry<T> {
  value: T;
  loadedAt: number;
  refreshing: boolean;
  /** The background refresh in flight (settles, never rejects), else null. */
  refreshed: Promise<void> | null;
  /** The last refresh failed: the database is down, so waiting for another would only delay. */
  refreshFailed: boolean;
}

export interface RefreshingCacheOptions<T = unknown> {
  readonly refreshMs: number;
  readonly maxEntries: number;
  readonly now: () => number;
  /** A background refresh failed (the last good value stays). */
  readonly onError: (err: unknown) => void;
  /** Runs on a background-refreshed value before it is served (not on first loads: a caller waits on those). */
  readonly prepare?: (value: T) => void;
  /** A value that says "no such key" (kept apart from real entries); absent: every value is real. */
  readonly isMiss?: (value: T) => boolean;
  /** Most misses kept (oldest first out); default `maxEntries`. */
  readonly maxMisses?: number;
  /**
   * Most first loads (uncached keys) read at once, counted across every cache given the same
   * slots; more are refused with `CacheBusy` rather than queued on the database every tenant's
   * leases and writes share. Absent: no bound.
   */
  readonly firstLoads?: FirstLoadSlots;
  /**
   * A value at least this old is not served straight away while the database answered the last
   * refresh: the request waits up to `staleWaitMs` for a fresh one (as the edge's `staleMs`,
   * workers/src/swr-cache.ts), so the first request after an idle spell is not decided on the
   * state of before it. Absent: always served at once.
   */
  readonly staleMs?: number;
  readonly staleWaitMs?: number;
}

/**
 * First loads in flight, shared by the caches given it: one bound for all of a path's reads,
 * shared max-min fairly between groups (the tenants they are read for, `FairShares`), so one
 * tenant's made-up keys hold at most half while alone and another tenant's first load still
 * finds a slot. A load that finds none waits its turn for up to `waitMs` (a proxy's restart
 * brings many real first loads at once, each a few ms: they queue, they are not refused), a
 * bounded number per group and client and in all (`maxWaiting`: each IPv6 /64 is a client of its
 * own, so a flood from many addresses queued without limit); past any of these it is refused
 * (`CacheBusy`).
 *
 * Within a group, loads are fair between clients too (`client`: the caller's address), and a
 * freed slot goes to the waiting client holding fewest: the group of an unknown key is the
 * project named in the path, which anyone can name. A flood of made-up keys sent to another
 * tenant's app path held that tenant's part and its waiting line, and its own new keys got 503
 * (session 45: 4 of 4 while one address flooded).
 */
interface Waiter {
  readonly group: string;
  readonly client: string;
  readonly grant: () => void;
}

export class FirstLoadSlots {
  readonly #shares: FairShares;
  readonly #waiting: Waiter[] = [];
  /** Waiters per group and client. */
  readonly #waitingBy = new Map<string, number>();

  constructor(
    readonly max: number,
    readonly waitMs = FIRST_LOAD_WAIT_MS,
    readonly maxWaitingPerClient = FIRST_LOAD_WAITERS,
    readonly maxWaiting = FIRST_LOAD_WAITERS_TOTAL,
  ) {
    this.#shares = new FairShares(max);
  }

  /** Loads in flight now, every group. */
  get held(): number {
    return this.#shares.total;
  }

  /** Resolves true when `client` of `group` holds a slot (give it back with `give`), false when refused. */
  take(group: string, client = ''): boolean | Promise<boolean> {
    const line = `${group}\u0000${client}`;
    const waiting = this.#waitingBy.get(line) ?? 0;
    // In turn within its client's line; other lines' waiters (held back by their share) do not block it.
    if (waiting === 0 && this.#shares.tryAdd(group, client)) return true;
    if (waiting >= this.maxWaitingPerClient || this.#waiting.length >= this.maxWaiting || this.waitMs <= 0) return false;
    this.#waitingBy.set(line, waiting + 1);
    return new Promise<boolean>((resolve) => {
      const entry: Waiter = { group, client, grant: () => done(true) };
      const timer = setTimeout(() => done(false), this.waitMs);
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        const i = this.#waiting.indexOf(entry);
        if (i >= 0) this.#waiting.splice(i, 1);
        const n = (this.#waitingBy.get(line) ?? 1) - 1;
        if (n === 0) this.#waitingBy.delete(line);
        else this.#waitingBy.set(line, n);
        resolve(ok);
      };
      this.#waiting.push(entry);
    });
  }

  give(group: string, client = ''): void {
    this.#shares.remove(group, client);
    // The waiter whose client holds fewest first (oldest among equals), among those whose share
    // has room: by age alone, a flooding client's older waiters took every freed slot of a group
    // before another client's (`grant` removes the entry).
    while (this.#shares.total < this.max) {
      const next = this.#fewestHolding();
      if (next === undefined) return;
      this.#shares.tryAdd(next.group, next.client);
      next.grant();
    }
  }

  /** One pass, oldest first: a later waiter wins only by holding strictly fewer. */
  #fewestHolding(): Waiter | undefined {
    let best: Waiter | undefined;
    let fewest = Number.POSITIVE_INFINITY;
    for (const w of this.#waiting) {
      const holds = this.#shares.heldBy(w.group, w.client);
      if (holds < fewest && this.#shares.canAdd(w.group, w.client)) {
        best = w;
        fewest = holds;
      }
    }
    return best;
  }
}

/** Longest a first load waits for a slot before it is refused: a few loads' time on a slow store. */
export const FIRST_LOAD_WAIT_MS = 1_000;
/** First loads waiting per group and client at most; the rest are refused at once (a flood costs bounded memory). */
export const FIRST_LOAD_WAITERS = 64;
/**
 * First loads waiting at most, every group and client together: about what the slots read within
 * FIRST_LOAD_WAIT_MS at a few ms a load (a restart's real first loads still queue); later ones
 * would mostly time out anyway. A waiter costs a promise and a timer.
 */
export const FIRST_LOAD_WAITERS_TOTAL = 16 * FIRST_LOAD_WAITERS;

/** Too many uncached keys are being read at once: the caller should try again shortly. */
export class CacheBusy extends Error {
  override readonly name = 'CacheBusy';
}

export class RefreshingCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  /** Misses by key: the value and when it was read. */
  readonly #misses = new Map<string, { value: T; loadedAt: number }>();
  readonly #pending = new Map<string, Promise<T>>();

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly o: RefreshingCacheOptions<T>,
  ) {}

  /**
   * The cached value (refreshed in the background when old), else a fresh load (may throw).
   * `group`: whom a first load counts against in `firstLoads` (the tenant it is read for);
   * `client`: who asked, within the group (its address).
   */
  get(key: string, group = '', client = ''): T | Promise<T> {
    const hit = this.#entries.get(key);
    if (hit === undefined) {
      const miss = this.#misses.get(key);
      if (miss !== undefined && this.o.now() - miss.loadedAt < this.o.refreshMs) return miss.value;
      return this.#loadNow(key, group, client);
    }
    const age = this.o.now() - hit.loadedAt;
    if (!hit.refreshing && age >= this.o.refreshMs) this.#refresh(key, hit);
    const { staleMs, staleWaitMs = 0 } = this.o;
    if (staleMs !== undefined && staleWaitMs > 0 && age >= staleMs && !hit.refreshFailed && hit.refreshed !== null) {
      return settleWithin(hit.refreshed, staleWaitMs).then(() => this.#current(key, hit.value));
    }
    return hit.value;
  }

  #refresh(key: string, hit: Entry<T>): void {
    hit.refreshing = true;
    hit.refreshed = this.load(key).then(
      (value) => {
        try {
          this.o.prepare?.(value);
        } catch (err) {
          // Preparing is an optimisation: the new value is served anyway (unprepared).
          this.o.onError(err);
        }
        this.#store(key, value);
      },
      (err: unknown) => {
        hit.refreshing = false;
        hit.refreshed = null;
        hit.refreshFailed = true;
        this.o.onError(err);
      },
    );
  }

  /** What is stored for `key` now (an entry, or the miss it turned into), else `fallback`; never loads. */
  #current(key: string, fallback: T): T {
    const entry = this.#entries.get(key);
    if (entry !== undefined) return entry.value;
    const miss = this.#misses.get(key);
    return miss === undefined ? fallback : miss.value;
  }

  #loadNow(key: string, group: string, client: string): Promise<T> {
    let p = this.#pending.get(key);
    if (p === undefined) {
      const slots = this.o.firstLoads;
      // One load per key however many requests wait for it (a waiting one included).
      p = slots === undefined ? this.#read(key) : this.#readInSlot(key, group, client, slots);
      const settled = (): void => void this.#pending.delete(key);
      p.then(settled, settled);
      this.#pending.set(key, p);
    }
    return p;
  }

  async #readInSlot(key: string, group: string, client: string, slots: FirstLoadSlots): Promise<T> {
    const taken = slots.take(group, client);
    if (!(taken === true || (await taken))) throw new CacheBusy(`${slots.max} uncached keys are being read already (and ${slots.waitMs} ms passed, or too many wait)`);
    try {
      return await this.#read(key);
    } finally {
      slots.give(group, client);
    }
  }

  #read(key: string): Promise<T> {
    return this.load(key).then((value) => {
      this.#store(key, value);
      return value;
    });
  }

  #store(key: string, value: T): void {
    const now = this.o.now();
    if (this.o.isMiss?.(value) === true) {
      // A real entry that became a miss (key revoked away, app deleted) stops being served too.
      this.#entries.delete(key);
      this.#misses.delete(key);
      this.#misses.set(key, { value, loadedAt: now });
      dropOldest(this.#misses, this.o.maxMisses ?? this.o.maxEntries);
      return;
    }
    this.#misses.delete(key);
    this.#entries.delete(key);
    this.#entries.set(key, { value, loadedAt: now, refreshing: false, refreshed: null, refreshFailed: false });
    dropOldest(this.#entries, this.o.maxEntries);
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first. */
function settleWithin(p: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function dropOldest(m: Map<string, unknown>, max: number): void {
  if (m.size <= max) return;
  const oldest = m.keys().next();
  if (oldest.done !== true) m.delete(oldest.value);
}
