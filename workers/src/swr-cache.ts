/**
 * A bounded, per-isolate stale-while-revalidate cache with single-flight loads. Used for app
 * snapshots and API keys alike: the very first request for a key waits on the loader; afterwards
 * requests are answered from memory and refreshes run off the hot path (via `waitUntil`). A failed
 * refresh keeps the last value (the caller decides when it is too old to trust); a failed first
 * load is an error the caller turns into a 503.
 */
import { Lru } from './lru.ts';

export interface SwrOptions<T> {
  readonly max: number;
  /** Values older than this are refreshed in the background. */
  readonly refreshMs: number;
  /** How long a "not found" (null) answer is trusted before asking again. */
  readonly negativeMs: number;
  /** Loads the current value; null means "does not exist". Throws when the source is down. */
  readonly load: (key: string) => Promise<T | null>;
  readonly now: () => number;
}

export interface SwrHit<T> {
  /** null: the source says the key does not exist. */
  readonly value: T | null;
  /** When the value was loaded from the source. */
  readonly loadedAt: number;
  /** The last refresh error, when the value is being served after a failed refresh. */
  readonly lastError: string | null;
}

interface Entry<T> {
  value: T | null;
  loadedAt: number;
  lastAttemptAt: number;
  lastError: string | null;
  refreshing: boolean;
}

/** Thrown when there is nothing cached and the source cannot be read. */
export class SourceUnavailable extends Error {
  override readonly name = 'SourceUnavailable';
}

export class SwrCache<T> {
  readonly #o: SwrOptions<T>;
  readonly #entries: Lru<string, Entry<T>>;
  /** First loads in flight, so concurrent cold requests share one query. */
  readonly #pending = new Map<string, Promise<Entry<T>>>();

  constructor(options: SwrOptions<T>) {
    this.#o = options;
    this.#entries = new Lru(options.max);
  }

  /**
   * Returns the cached value, scheduling a background refresh through `waitUntil` when it is
   * older than `refreshMs`. Waits on the source only when nothing usable is cached.
   */
  async get(key: string, waitUntil: (p: Promise<unknown>) => void): Promise<SwrHit<T>> {
    const now = this.#o.now();
    const e = this.#entries.get(key);
    if (e !== undefined) {
      const negativeExpired = e.value === null && now - e.loadedAt >= this.#o.negativeMs;
      if (!negativeExpired) {
        if (!e.refreshing && now - Math.max(e.loadedAt, e.lastAttemptAt) >= this.#o.refreshMs) {
          waitUntil(this.#refresh(key, e));
        }
        return e;
      }
    }
    const entry = await this.#firstLoad(key);
    return entry;
  }

  /** Forgets a key (e.g. after a config change is known). */
  invalidate(key: string): void {
    this.#entries.delete(key);
  }

  #firstLoad(key: string): Promise<Entry<T>> {
    const inFlight = this.#pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const p = (async (): Promise<Entry<T>> => {
      try {
        const value = await this.#o.load(key);
        const t = this.#o.now();
        const entry: Entry<T> = { value, loadedAt: t, lastAttemptAt: t, lastError: null, refreshing: false };
        this.#entries.set(key, entry);
        return entry;
      } catch (err) {
        throw new SourceUnavailable(err instanceof Error ? err.message : String(err));
      } finally {
        this.#pending.delete(key);
      }
    })();
    this.#pending.set(key, p);
    return p;
  }

  async #refresh(key: string, e: Entry<T>): Promise<void> {
    e.refreshing = true;
    e.lastAttemptAt = this.#o.now();
    try {
      const value = await this.#o.load(key);
      e.value = value;
      e.loadedAt = this.#o.now();
      e.lastError = null;
    } catch (err) {
      // Keep serving the last value; the caller marks decisions stale once it is old enough.
      e.lastError = err instanceof Error ? err.message : String(err);
    } finally {
      e.refreshing = false;
      e.lastAttemptAt = this.#o.now();
    }
  }
}
