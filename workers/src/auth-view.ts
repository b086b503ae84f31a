/**
 * The isolate's view of what may be checked before any snapshot is read: every app's gate (owner,
 * keyless or not, CORS origins) and every API key's hash, kept fresh by the auth clock (schema
 * v26). The clock is one row, read at most once per `checkMs` and off the request path; only when
 * it moved (or `maxAgeMs` passed) are gates and keys re-read and `onMove` told. So the database
 * cost is one row per isolate per second, whatever the number of keys, and a key change reaches
 * the isolate within `checkMs` plus two reads.
 *
 * A key the view does not hold costs no read of its own: the view holds them all, so an unknown
 * key can only be one created since the last clock check, and `recheck` answers that with one
 * clock read shared by every waiter and at most one per `recheckMs`. A flood of made-up keys thus
 * costs the database a few rows a second per isolate, never one read per key (before, each took
 * a first-load slot and, with a slow database, every other tenant's uncached key got 503).
 * With more keys than the view may hold (`keys` null in the read) the edge looks keys up one by
 * one as before.
 */
import type { ApiKey } from '../../shared/domain/types.ts';
import type { AppGate, AuthRead } from './shared-deps.ts';
import { SourceUnavailable } from './swr-cache.ts';

export interface AuthViewOptions {
  /** The clock is read at most this often (EDGE_REFRESH_MS). */
  readonly checkMs: number;
  /** Gates and keys are re-read at least this often even if the clock stood still. */
  readonly maxAgeMs: number;
  readonly now: () => number;
  /** An unknown key's clock check runs at most this often (a flood shares them). */
  readonly recheckMs: number;
  readonly loadClock: () => Promise<number>;
  readonly loadGates: () => Promise<AuthRead>;
  /** The clock moved: re-read what depends on it. Never rejects. */
  readonly onMove: () => Promise<void>;
  readonly log: (line: string) => void;
}

export class AuthView {
  readonly #o: AuthViewOptions;
  #gates: Map<string, AppGate> | null = null;
  #keys: Map<string, ApiKey> | null = null;
  #clock = -1;
  #loadedAt = 0;
  #checkedAt = 0;
  #checking: Promise<void> | null = null;
  #first: Promise<Map<string, AppGate>> | null = null;
  /** One log line per outage, not one per second. */
  #failing = false;

  constructor(options: AuthViewOptions) {
    this.#o = options;
  }

  /**
   * Every app's gate. The first call waits on the database (throws SourceUnavailable when it is
   * down); later calls answer from memory and check the clock in the background.
   */
  async gates(waitUntil: (p: Promise<unknown>) => void): Promise<ReadonlyMap<string, AppGate>> {
    if (this.#gates === null) return this.#firstLoad(waitUntil);
    if (this.#checking === null && this.#o.now() - this.#checkedAt >= this.#o.checkMs) {
      this.#checking = this.#check().finally(() => (this.#checking = null));
      waitUntil(this.#checking);
    }
    return this.#gates;
  }

  /**
   * The key with this hash as of the view's clock: null when there is none, undefined when the
   * view holds no keys (too many, an old schema, not loaded yet): then look it up one by one.
   */
  key(hash: string): ApiKey | null | undefined {
    if (this.#keys === null) return undefined;
    return this.#keys.get(hash) ?? null;
  }

  /**
   * A key the view does not know may be newer than the view: check the clock now (re-reading
   * gates and keys if it moved), unless a check ran within `recheckMs` — then its answer stands.
   * Never rejects; a database that does not answer leaves the view as it was.
   */
  async recheck(waitUntil: (p: Promise<unknown>) => void): Promise<void> {
    if (this.#checking === null && this.#o.now() - this.#checkedAt >= this.#o.recheckMs) {
      this.#checking = this.#check().finally(() => (this.#checking = null));
      waitUntil(this.#checking);
    }
    await this.#checking;
  }

  /** One shared first read, under the starting request's waitUntil (see SwrCache#firstLoad). */
  #firstLoad(waitUntil: (p: Promise<unknown>) => void): Promise<Map<string, AppGate>> {
    this.#first ??= (async (): Promise<Map<string, AppGate>> => {
      try {
        return this.#install(await this.#o.loadGates());
      } catch (err) {
        throw new SourceUnavailable(err instanceof Error ? err.message : String(err));
      } finally {
        this.#first = null;
      }
    })();
    waitUntil(this.#first.catch(() => undefined));
    return this.#first;
  }

  #install(read: AuthRead): Map<string, AppGate> {
    // An operator past EDGE_MAX_KEYS should know each isolate reads keys one by one again: one
    // line when the view starts without them or stops holding them (or holds them again), not
    // one per re-read. A database before v26 (clock -1) never holds them, and says so elsewhere.
    const held = this.#gates === null ? true : this.#keys !== null;
    const holds = read.keys !== null;
    if (read.clock !== -1 && holds !== held) {
      this.#o.log(JSON.stringify(holds ? { level: 'info', msg: 'auth view holds every API key again' } : { level: 'warn', msg: 'more API keys than an isolate holds (EDGE_MAX_KEYS, at most 20000): this isolate reads each key on its first use' }));
    }
    this.#gates = read.gates;
    this.#keys = read.keys;
    this.#clock = read.clock;
    this.#loadedAt = this.#checkedAt = this.#o.now();
    return read.gates;
  }

  async #check(): Promise<void> {
    this.#checkedAt = this.#o.now();
    try {
      const tooOld = this.#o.now() - this.#loadedAt >= this.#o.maxAgeMs;
      // Unreadable (database down, or not yet at schema v26): re-read as if it moved, as every
      // key was re-read each second before the clock; with the database down that fails too.
      const clock = tooOld ? null : await this.#o.loadClock().catch(() => null);
      if (clock !== null && clock === this.#clock) {
        this.#failing = false;
        return;
      }
      this.#install(await this.#o.loadGates());
      this.#failing = false;
      await this.#o.onMove();
    } catch (err) {
      // Database down: keep the last view (and the keys cached with it), as the snapshots do.
      if (this.#failing) return;
      this.#failing = true;
      this.#o.log(JSON.stringify({ level: 'warn', msg: 'auth clock unreadable; keeping the last view', error: err instanceof Error ? err.message : String(err) }));
    } finally {
      this.#checkedAt = this.#o.now();
    }
  }
}
