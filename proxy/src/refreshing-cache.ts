/**
 * A small stale-while-revalidate cache for the in-region path's libSQL reads (app snapshots,
 * keys): a warm entry costs a Map lookup; an entry older than `refreshMs` is served as is while
 * one background load replaces it; only a missing entry waits for the database. Bounded: the
 * oldest entry goes first, so random keys sent by a caller cannot grow memory.
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
}

export class RefreshingCache<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #pending = new Map<string, Promise<T>>();

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly o: RefreshingCacheOptions<T>,
  ) {}

  /** The cached value (refreshed in the background when old), else a fresh load (may throw). */
  get(key: string): T | Promise<T> {
    const hit = this.#entries.get(key);
    if (hit === undefined) return this.#loadNow(key);
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
      // One load per key however many requests wait for it.
      p = this.load(key).then((value) => {
        this.#store(key, value);
        return value;
      });
      const settled = (): void => void this.#pending.delete(key);
      p.then(settled, settled);
      this.#pending.set(key, p);
    }
    return p;
  }

  #store(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, loadedAt: this.o.now(), refreshing: false });
    if (this.#entries.size > this.o.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
  }
}
