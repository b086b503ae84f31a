/**
 * A bounded, per-isolate stale-while-revalidate cache with single-flight loads. Used for app
 * snapshots and API keys alike: the very first request for a key waits on the loader; afterwards
 * requests are answered from memory and refreshes run off the hot path (via `waitUntil`). A failed
 * refresh keeps the last value (the caller decides when it is too old to trust); a failed first
 * load is an error the caller turns into a 503.
 *
 * "Does not exist" answers live in their own bounded LRU (issue 11 #3): a flood of unknown apps or
 * random API keys fills only that, and can never evict a real entry — so with the database down
 * afterwards, real traffic is still served from memory. The first loads in flight are bounded
 * too (`maxFirstLoads`): with a slow database, a flood of unique names or keys gets a quick
 * `FirstLoadsFull` (503) instead of becoming as many concurrent queries.
 *
 * A value older than `staleMs` (if set) is not served straight away when the source was fine at
 * the last attempt: the request waits up to `staleWaitMs` for a refresh first (issue 12 #6), so
 * the first request after an idle spell is decided on fresh state, not on the state of before the
 * spell. When the source is known to be down, the old value is served at once.
 */
import { Lru } from './shared-deps.ts';

export interface SwrOptions<T> {
  /** Real (existing) entries kept. */
  readonly max: number;
  /** "Does not exist" answers kept, separately from real entries. */
  readonly maxNegative: number;
  /** Values older than this are refreshed in the background. */
  readonly refreshMs: number;
  /** How long a "not found" (null) answer is trusted before asking again. */
  readonly negativeMs: number;
  /** Values at least this old are refreshed before use, waiting up to `staleWaitMs`. */
  readonly staleMs?: number;
  readonly staleWaitMs?: number;
  /** First loads (nothing cached) in flight at once; beyond it `get` throws `FirstLoadsFull`. */
  readonly maxFirstLoads?: number;
  /**
   * The tenant a key's first load is for (known before the load): one tenant holds at most half
   * of `maxFirstLoads` (at least one), and a quarter (at least one) stays for tenants with none
   * in flight (`firstLoadRefusal`), so floods of first loads on a slow database leave room to the
   * other tenants. A caller that knows the tenant better (an API key's is only known after its
   * read) passes it to `get` instead.
   */
  readonly firstLoadGroupOf?: (key: string) => string;
  /** Loads the current value; null means "does not exist". Throws when the source is down. */
  readonly load: (key: string) => Promise<T | null>;
  /**
   * Loads many in one read (a key missing from the answer does not exist); when given,
   * `reloadAll` reads every cached entry with one call instead of one `load` each.
   */
  readonly loadMany?: (keys: readonly string[]) => Promise<ReadonlyMap<string, T>>;
  /**
   * Runs on a background-refreshed value before it replaces the served one (e.g. priming a
   * snapshot's per-snapshot decision caches), so no request pays that work. Not run on first
   * loads: a request is already waiting on those.
   */
  readonly prepare?: (value: T) => void;
  /**
   * The tenant an entry belongs to: when full, the tenant holding the most entries loses its own
   * least recently used one (shared/caching/lru.ts), so one tenant's many apps or keys never evict another's.
   */
  readonly groupOf?: (key: string, value: T) => string;
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
  value: T;
  loadedAt: number;
  lastAttemptAt: number;
  lastError: string | null;
  refreshing: Promise<void> | null;
  /** A seeded value's confirming read (`seed`): `get` waits for it before serving the value. */
  confirming: Promise<void> | null;
}

/** Thrown when there is nothing cached and the source cannot be read. */
export class SourceUnavailable extends Error {
  override readonly name = 'SourceUnavailable';
}

/** Thrown when too many first loads are in flight: the caller answers 503 with Retry-After. */
export class FirstLoadsFull extends Error {
  override readonly name = 'FirstLoadsFull';
}

/**
 * Why a tenant holding `inGroup` first loads may not start another while `total` of `max` are
 * in flight (null: it may). A tenant with none in flight needs only a free slot. One with some
 * holds at most half of `max` (at least one) and leaves a quarter (at least one) to tenants with
 * none: with half each, two tenants' floods on a slow database took every slot, and a third
 * tenant's first request got 503 edge-busy.
 */
export function firstLoadRefusal(total: number, inGroup: number, max: number): string | null {
  if (total >= max) return `${max} first loads in flight`;
  if (inGroup === 0) return null;
  const groupMax = Math.max(1, Math.floor(max / 2));
  if (inGroup >= groupMax) return `${groupMax} first loads in flight for one tenant, half of ${max}`;
  const reserve = Math.max(1, Math.ceil(max / 4));
  if (total >= max - reserve) return `${total} of ${max} first loads in flight: the last ${reserve} are kept for tenants with none`;
  return null;
}

export class SwrCache<T> {
  readonly #o: SwrOptions<T>;
  readonly #entries: Lru<string, Entry<T>>;
  /** Keys the source said do not exist, with when it said so. */
  readonly #missing: Lru<string, number>;
  /** First loads in flight, so concurrent cold requests share one query. */
  readonly #pending = new Map<string, Promise<SwrHit<T>>>();
  /** First loads in flight per tenant (`firstLoadGroupOf`). */
  readonly #pendingByGroup = new Map<string, number>();
  /** Bumped by `reloadAll`: a first load that began before it may hold the old answer. */
  #generation = 0;
  /** The last `loadMany` re-read: the next waits for it, so an older answer never lands last. */
  #bulk: Promise<void> = Promise.resolve();

  constructor(options: SwrOptions<T>) {
    this.#o = options;
    const groupOf = options.groupOf;
    this.#entries = new Lru(options.max, groupOf === undefined ? null : (key, e) => groupOf(key, e.value));
    this.#missing = new Lru(options.maxNegative);
  }

  /** Real entries and remembered misses currently held. */
  get sizes(): { readonly entries: number; readonly missing: number } {
    return { entries: this.#entries.size, missing: this.#missing.size };
  }

  /**
   * Returns the cached value, scheduling a background refresh through `waitUntil` when it is
   * older than `refreshMs`. Waits on the source only when nothing usable is cached; that first
   * load counts against `group` (else `firstLoadGroupOf(key)`, else no tenant).
   */
  async get(key: string, waitUntil: (p: Promise<unknown>) => void, group?: string): Promise<SwrHit<T>> {
    const now = this.#o.now();
    const e = this.#entries.get(key);
    if (e !== undefined) {
      if (e.confirming !== null) {
        await e.confirming;
        return this.get(key, waitUntil, group);
      }
      const { staleMs, staleWaitMs = 0 } = this.#o;
      if (staleMs !== undefined && staleWaitMs > 0 && now - e.loadedAt >= staleMs && e.lastError === null) {
        const refresh = this.#refresh(key, e);
        waitUntil(refresh);
        await settleWithin(refresh, staleWaitMs);
      } else if (e.refreshing === null && now - Math.max(e.loadedAt, e.lastAttemptAt) >= this.#o.refreshMs) {
        waitUntil(this.#refresh(key, e));
      }
      return e;
    }
    const missingAt = this.#missing.get(key);
    if (missingAt !== undefined && now - missingAt < this.#o.negativeMs) {
      return { value: null, loadedAt: missingAt, lastError: null };
    }
    return this.#firstLoad(key, waitUntil, group ?? this.#o.firstLoadGroupOf?.(key));
  }

  /** The cached value (null: known missing), or undefined; never loads, refreshes or reorders. */
  peek(key: string): T | null | undefined {
    const e = this.#entries.peek(key);
    if (e !== undefined) return e.value;
    const missingAt = this.#missing.peek(key);
    return missingAt !== undefined && this.#o.now() - missingAt < this.#o.negativeMs ? null : undefined;
  }

  /**
   * The source changed (e.g. the auth clock moved): forget every "does not exist" answer (a key
   * just created works at once) and re-read every cached entry now, each as its background refresh.
   */
  reloadAll(): Promise<void> {
    this.#generation++;
    this.#missing.clear();
    const entries = [...this.#entries.entries()];
    const loadMany = this.#o.loadMany;
    // A refresh already in flight may have read the source before the change: read again after it.
    if (loadMany !== undefined) {
      if (entries.length === 0) return this.#bulk;
      const after = Promise.all([this.#bulk, ...entries.map(([, e]) => e.refreshing)]);
      this.#bulk = after.then(() => this.#reloadMany(entries, loadMany));
      return this.#bulk;
    }
    const refreshes = entries.map(([key, e]) => (e.refreshing ?? Promise.resolve()).then(() => this.#refresh(key, e)));
    return Promise.all(refreshes).then(() => undefined);
  }

  /**
   * Takes values read elsewhere (the auth view's keys, when it stops holding them all) and
   * confirms them with every other cached entry in one `reloadAll`. Until that read ends `get`
   * waits for it rather than serve them, so a value changed since (a key revoked in the very
   * change that crossed the limit) is never served; if it fails, they are served as read (as a
   * failed refresh keeps the last value). Entries already cached are kept. Never rejects.
   */
  seed(values: ReadonlyMap<string, T>): Promise<void> {
    const at = this.#o.now();
    const seeded: Array<Entry<T>> = [];
    for (const [key, value] of values) {
      if (this.#entries.peek(key) !== undefined) continue;
      const e = this.#store(key, value, at);
      if (e !== null) seeded.push(e);
    }
    const confirmed = this.reloadAll().then(() => {
      for (const e of seeded) if (e.confirming === confirmed) e.confirming = null;
    });
    for (const e of seeded) e.confirming = confirmed;
    return confirmed;
  }

  /**
   * Every entry in one read: with thousands of keys cached, one read per key at each auth change
   * was thousands of concurrent queries per isolate. Entries evicted or replaced meanwhile are left
   * alone; a failed read keeps every value, as a failed refresh does. Never rejects.
   */
  async #reloadMany(entries: ReadonlyArray<[string, Entry<T>]>, loadMany: (keys: readonly string[]) => Promise<ReadonlyMap<string, T>>): Promise<void> {
    const started = this.#o.now();
    for (const [, e] of entries) e.lastAttemptAt = started;
    let values: ReadonlyMap<string, T>;
    try {
      values = await loadMany(entries.map(([key]) => key));
    } catch (err) {
      for (const [, e] of entries) e.lastError = err instanceof Error ? err.message : String(err);
      return;
    }
    const t = this.#o.now();
    for (const [key, e] of entries) {
      if (this.#entries.peek(key) !== e) continue;
      const value = values.get(key);
      if (value === undefined) {
        this.#store(key, null, t);
        continue;
      }
      try {
        this.#o.prepare?.(value);
      } catch {
        // An optimisation only (as on the per-entry path's callers): the value is served anyway.
      }
      e.value = value;
      e.loadedAt = t;
      e.lastError = null;
    }
  }

  /** Forgets everything (the values are now kept elsewhere and would only go stale here). */
  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#missing.clear();
  }

  /** Forgets a key (e.g. after a config change is known). */
  invalidate(key: string): void {
    this.#entries.delete(key);
    this.#missing.delete(key);
  }

  #store(key: string, value: T | null, at: number): Entry<T> | null {
    if (value === null) {
      this.#entries.delete(key);
      this.#missing.set(key, at);
      return null;
    }
    this.#missing.delete(key);
    const entry: Entry<T> = { value, loadedAt: at, lastAttemptAt: at, lastError: null, refreshing: null, confirming: null };
    this.#entries.set(key, entry);
    return entry;
  }

  /**
   * One load per key however many requests wait on it. It runs under the starting request's
   * `waitUntil`: other requests share it, and workerd cancels a request's I/O and timers when its
   * client goes away, which would leave the shared load (and every request waiting on it, and its
   * `maxFirstLoads` slot) unsettled for good.
   */
  #firstLoad(key: string, waitUntil: (p: Promise<unknown>) => void, group: string | undefined): Promise<SwrHit<T>> {
    const inFlight = this.#pending.get(key);
    if (inFlight !== undefined) return inFlight;
    const max = this.#o.maxFirstLoads ?? Infinity;
    if (this.#pending.size >= max) return Promise.reject(new FirstLoadsFull(`${max} first loads in flight`));
    const inGroup = group === undefined ? 0 : (this.#pendingByGroup.get(group) ?? 0);
    const refused = group === undefined ? null : firstLoadRefusal(this.#pending.size, inGroup, max);
    if (refused !== null) return Promise.reject(new FirstLoadsFull(refused));
    if (group !== undefined) this.#pendingByGroup.set(group, inGroup + 1);
    const generation = this.#generation;
    const p = (async (): Promise<SwrHit<T>> => {
      try {
        const value = await this.#o.load(key);
        const t = this.#o.now();
        // The source changed while this read was in flight: answer the waiting requests, keep nothing.
        if (generation !== this.#generation) return { value, loadedAt: t, lastError: null };
        return this.#store(key, value, t) ?? { value: null, loadedAt: t, lastError: null };
      } catch (err) {
        throw new SourceUnavailable(err instanceof Error ? err.message : String(err));
      } finally {
        this.#pending.delete(key);
        if (group !== undefined) {
          const n = (this.#pendingByGroup.get(group) ?? 1) - 1;
          if (n === 0) this.#pendingByGroup.delete(group);
          else this.#pendingByGroup.set(group, n);
        }
      }
    })();
    this.#pending.set(key, p);
    waitUntil(p.catch(() => undefined));
    return p;
  }

  /** One refresh per entry at a time; callers share it. */
  #refresh(key: string, e: Entry<T>): Promise<void> {
    e.refreshing ??= (async (): Promise<void> => {
      e.lastAttemptAt = this.#o.now();
      try {
        const value = await this.#o.load(key);
        if (value === null) {
          // Gone from the source (app deleted, key removed): remember the miss instead.
          this.#store(key, null, this.#o.now());
          return;
        }
        this.#o.prepare?.(value);
        e.value = value;
        e.loadedAt = this.#o.now();
        e.lastError = null;
      } catch (err) {
        // Keep serving the last value; the caller marks decisions stale once it is old enough.
        e.lastError = err instanceof Error ? err.message : String(err);
      } finally {
        e.refreshing = null;
        e.lastAttemptAt = this.#o.now();
      }
    })();
    return e.refreshing;
  }
}

/** Resolves when `p` settles or after `ms`, whichever is first (never rejects). */
async function settleWithin(p: Promise<void>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([p.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
