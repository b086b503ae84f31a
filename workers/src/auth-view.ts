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
  /** An unknown key's clock check starts at most this often (a flood shares them). */
  readonly recheckMs: number;
  readonly loadClock: () => Promise<number>;
  readonly loadGates: () => Promise<AuthRead>;
  /**
   * Gates and keys were re-read; `holdsKeys`: the view holds every key (the per-key cache is not
   * consulted, so it may be emptied) or not (it is, so re-read it). `carried`: when the view has
   * just stopped holding keys, the ones this isolate answered from it (as of the last read), so
   * the per-key cache need not start empty. Never rejects.
   */
  readonly onMove: (holdsKeys: boolean, carried: ReadonlyMap<string, ApiKey>) => Promise<void>;
  readonly log: (line: string) => void;
  /** Waits `ms` (tests pass a clock of their own); default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class AuthView {
  readonly #o: AuthViewOptions;
  #gates: Map<string, AppGate> | null = null;
  #keys: Map<string, ApiKey> | null = null;
  /** Hashes of the keys answered from the view since it last started holding them. */
  #used = new Set<string>();
  #clock = -1;
  #loadedAt = 0;
  #checkedAt = 0;
  /** When the last clock check started: unknown keys' checks are spaced from it. */
  #checkStartedAt = 0;
  /** When the last read the database answered started (-1: none yet). */
  #answeredFrom = -1;
  #checking: Promise<boolean> | null = null;
  /** The next check every unknown key seen since the last one started waits for. */
  #nextRecheck: Promise<boolean> | null = null;
  #first: Promise<Map<string, AppGate>> | null = null;
  /** One log line per outage, not one per second. */
  #failing = false;
  /** The unreadable rows last logged (JSON): logged again only when they change. */
  #unreadable = '[]';

  constructor(options: AuthViewOptions) {
    this.#o = options;
  }

  /**
   * Every app's gate. The first call waits on the database (throws SourceUnavailable when it is
   * down); later calls answer from memory and check the clock in the background.
   */
  async gates(waitUntil: (p: Promise<unknown>) => void): Promise<ReadonlyMap<string, AppGate>> {
    if (this.#gates === null) return this.#firstLoad(waitUntil);
    if (this.#checking === null && this.#o.now() - this.#checkedAt >= this.#o.checkMs) waitUntil(this.#startCheck());
    return this.#gates;
  }

  /**
   * The key with this hash as of the view's clock: null when there is none, undefined when the
   * view holds no keys (too many, an old schema, not loaded yet): then look it up one by one.
   */
  key(hash: string): ApiKey | null | undefined {
    if (this.#keys === null) return undefined;
    const k = this.#keys.get(hash);
    if (k === undefined) return null;
    this.#used.add(hash);
    return k;
  }

  /**
   * A key the view does not know may be newer than the view: the answer is a clock check that
   * starts after this call (an earlier one may have read the clock before the key was committed),
   * re-reading gates and keys if it moved. Every caller until that check starts shares it, and it
   * starts `recheckMs` after the previous one at the soonest, so a flood of unknown keys costs at
   * most one clock read per `recheckMs`; a key just created waits that long at most. True when
   * the check read the database; false when it could not (the view is as it was). Never rejects.
   */
  recheck(waitUntil: (p: Promise<unknown>) => void): Promise<boolean> {
    if (this.#nextRecheck !== null) return this.#nextRecheck;
    // `then` runs after this assignment even when no wait is needed.
    const next = this.#recheckTurn().then(() => {
      this.#nextRecheck = null; // callers from now on wait for the check after this one
      return this.#startCheck();
    });
    this.#nextRecheck = next;
    waitUntil(next);
    return next;
  }

  /**
   * `recheck`, unless a read the database answered started at or after `since` (the caller's
   * arrival): the view is then as fresh as a new check would make it, e.g. after the caller's own
   * unknown key was rechecked.
   */
  recheckSince(since: number, waitUntil: (p: Promise<unknown>) => void): Promise<boolean> {
    return this.#answeredFrom >= since ? Promise.resolve(true) : this.recheck(waitUntil);
  }

  /** Until an unknown key's check may start: `recheckMs` after the last one, and no check running. */
  async #recheckTurn(): Promise<void> {
    const wait = this.#checkStartedAt + this.#o.recheckMs - this.#o.now();
    if (wait > 0) await (this.#o.sleep ?? sleep)(wait);
    // A check running now may have started before some of the waiters came: let it end first.
    if (this.#checking !== null) await this.#checking;
  }

  /** One shared first read, under the starting request's waitUntil (see SwrCache#firstLoad). */
  #firstLoad(waitUntil: (p: Promise<unknown>) => void): Promise<Map<string, AppGate>> {
    this.#first ??= (async (): Promise<Map<string, AppGate>> => {
      const started = this.#o.now();
      try {
        const gates = this.#install(await this.#o.loadGates());
        this.#answeredFrom = started;
        return gates;
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
    // Rows the read left out (one tenant's bad row must not fail every tenant's view): the
    // operator must know, but one line when they change, not one per re-read.
    const unreadable = JSON.stringify(read.unreadable);
    if (unreadable !== this.#unreadable) {
      this.#o.log(JSON.stringify(read.unreadable.length > 0
        ? { level: 'error', msg: 'unreadable rows left out of the auth view: their apps are unknown and their keys refused until fixed', rows: read.unreadable }
        : { level: 'info', msg: 'the auth view reads every row again' }));
      this.#unreadable = unreadable;
    }
    this.#gates = read.gates;
    this.#keys = read.keys;
    this.#clock = read.clock;
    this.#loadedAt = this.#checkedAt = this.#o.now();
    return read.gates;
  }

  /**
   * The keys in use to carry to the per-key cache when the view stops holding keys (else none):
   * crossing EDGE_MAX_KEYS — one tenant creating keys — must not send every other tenant's key in
   * use to a first load at once (past EDGE_MAX_FIRST_LOADS, 503). Forgets keys no longer held.
   */
  #carry(before: Map<string, ApiKey> | null): ReadonlyMap<string, ApiKey> {
    const out = new Map<string, ApiKey>();
    if (this.#keys !== null) {
      const now = this.#keys;
      if (this.#used.size > now.size) this.#used = new Set([...this.#used].filter((h) => now.has(h)));
      return out;
    }
    if (before !== null) for (const h of this.#used) {
      const k = before.get(h);
      if (k !== undefined) out.set(h, k);
    }
    this.#used = new Set();
    return out;
  }

  #startCheck(): Promise<boolean> {
    const running: Promise<boolean> = this.#check().finally(() => {
      if (this.#checking === running) this.#checking = null;
    });
    this.#checking = running;
    return running;
  }

  /** True when the database answered (the view is current as of now), false when it did not. */
  async #check(): Promise<boolean> {
    const started = this.#o.now();
    this.#checkedAt = this.#checkStartedAt = started;
    try {
      const tooOld = this.#o.now() - this.#loadedAt >= this.#o.maxAgeMs;
      // No clock table (a database before v26): re-read as if it moved, as every key was re-read
      // each second before the clock. Any other failure (database down) fails the check here,
      // without a second read waiting out its own timeout.
      const clock = tooOld ? null : await this.#o.loadClock().catch((err: unknown) => (noClockTable(err) ? null : Promise.reject(err)));
      if (clock !== null && clock === this.#clock) {
        this.#failing = false;
        this.#answeredFrom = started;
        return true;
      }
      const before = this.#keys;
      this.#install(await this.#o.loadGates());
      this.#failing = false;
      this.#answeredFrom = started;
      // Not awaited: an unknown key waiting on this check must not wait for a key cache reload.
      void this.#o.onMove(this.#keys !== null, this.#carry(before));
      return true;
    } catch (err) {
      // Database down: keep the last view (and the keys cached with it), as the snapshots do.
      if (!this.#failing) this.#o.log(JSON.stringify({ level: 'warn', msg: 'auth clock unreadable; keeping the last view', error: err instanceof Error ? err.message : String(err) }));
      this.#failing = true;
      return false;
    } finally {
      this.#checkedAt = this.#o.now();
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The database has no `auth_clock` table yet (before schema v26). */
function noClockTable(err: unknown): boolean {
  return /no such table:? (main\.)?auth_clock/i.test(err instanceof Error ? err.message : String(err));
}
