/**
 * A small stale-while-revalidate cache for libSQL reads on a request's path (the in-region path's
 * app snapshots and keys; whether an app has a webhook secret, async-jobs.ts): a warm entry costs a Map lookup; an entry older than `refreshMs` is served as is while
 * one background load replaces it; only a missing entry waits for the database. Bounded: the
 * oldest entry goes first, so random keys sent by a caller cannot grow memory. Misses (`isMiss`:
 * an unknown key or app) are kept apart, bounded on their own and forgotten after `refreshMs`:
 * a flood of random keys evicts only other misses, never a real entry (which a real request
 * would then have to read again — and could not, with the database down).
 */
interface Entry<T> {
  value: T;
  loadedAt: number;
  refreshing: boolean;
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
}

/** First loads in flight, shared by the caches given it: one bound for all of a path's reads. */
export class FirstLoadSlots {
  held = 0;
  constructor(readonly max: number) {}
}

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

  /** The cached value (refreshed in the background when old), else a fresh load (may throw). */
  get(key: string): T | Promise<T> {
    const hit = this.#entries.get(key);
    if (hit === undefined) {
      const miss = this.#misses.get(key);
      if (miss !== undefined && this.o.now() - miss.loadedAt < this.o.refreshMs) return miss.value;
      return this.#loadNow(key);
    }
    if (!hit.refreshing && this.o.now() - hit.loadedAt >= this.o.refreshMs) {
      hit.refreshing = true;
      this.load(key).then(
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
          this.o.onError(err);
        },
      );
    }
    return hit.value;
  }

  #loadNow(key: string): Promise<T> {
    let p = this.#pending.get(key);
    if (p === undefined) {
      const slots = this.o.firstLoads;
      if (slots !== undefined && slots.held >= slots.max) return Promise.reject(new CacheBusy(`${slots.max} uncached keys are being read already`));
      if (slots !== undefined) slots.held += 1;
      // One load per key however many requests wait for it.
      p = this.load(key).then((value) => {
        this.#store(key, value);
        return value;
      });
      const settled = (): void => {
        this.#pending.delete(key);
        if (slots !== undefined) slots.held -= 1;
      };
      p.then(settled, settled);
      this.#pending.set(key, p);
    }
    return p;
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
    this.#entries.set(key, { value, loadedAt: now, refreshing: false });
    dropOldest(this.#entries, this.o.maxEntries);
  }
}

function dropOldest(m: Map<string, unknown>, max: number): void {
  if (m.size <= max) return;
  const oldest = m.keys().next();
  if (oldest.done !== true) m.delete(oldest.value);
}
