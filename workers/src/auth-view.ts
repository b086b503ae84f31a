/**
 * The isolate's view of what may be checked before any snapshot is read: every app's gate (owner,
 * keyless or not, CORS origins) and every API key's hash, kept fresh by the auth clock (schema
 * v26). The clock is one row, read at most once per `checkMs` and off the request path; only when
 * it moved (or `maxAgeMs` passed) are gates and keys re-read and `onMove` told. So the database
 * cost is one row per isolate per second, whatever the number of keys, and a key change reaches
 * the isolate within `checkMs` plus two reads.
 *
 * Keys are held per project: every key of every project that fits (smallest first, up to
 * EDGE_MAX_KEYS in all), so one project with too many keys reads its own keys one by one and
 * every other tenant's stay in memory. A key the view does not hold, checked for an app whose
 * project it holds, costs no read of its own: an unknown key can only be one created since the
 * last clock check, and `recheck` answers that with one clock read shared by every waiter and at
 * most one per `recheckMs`. A flood of made-up keys thus costs the database a few rows a second
 * per isolate, never one read per key (before, each took a first-load slot and, with a slow
 * database, every other tenant's uncached key got 503). For a project in `unheld` (or with no
 * keys in the read at all: an old schema) the edge looks keys up one by one as before, except
 * that a project in `unheld` with a filter of its key hashes (`KeyHashFilter`, 4 bytes a key, the
 * smaller such projects up to EDGE_MAX_FILTERED_KEYS keys in all) has a key whose hash the filter
 * does not hold treated like an unknown key of a held project: refused after the shared clock
 * check, with no read of its own. So made-up keys sent to a tenant issuing one key per end-user
 * cost the database no more than to any other tenant; its real keys (one created a moment ago
 * too, found by that check) are read one by one as before.
 */
import type { ApiKey } from '../../shared/domain/types.ts';
import type { AppGate, AuthRead, KeyHashFilter } from './shared-deps.ts';
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
   * Gates and keys were re-read; `holdsKeys`: the view holds every project's keys (the per-key
   * cache is not consulted, so it may be emptied) or not (it is, so re-read it). `carried`: the
   * keys this isolate answered from the view (as of the last read) of projects it has just stopped
   * holding, so the per-key cache need not start empty. Never rejects.
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
  /** Projects whose keys the view does not hold (too many): read one by one. */
  #unheld: ReadonlySet<string> = new Set();
  /** Of those, the ones whose key hashes the view holds as a filter: a hash it lacks is no key of theirs. */
  #filters: ReadonlyMap<string, KeyHashFilter> = new Map();
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
   * The key with this hash as of the view's clock, checked for an app of `projectId` (a key of
   * another project is still returned: the caller refuses it as such). Null when there is none:
   * the view holds all of that project's keys, and a key of a project it does not hold would be
   * refused for this app anyway. Null too when the view holds that project's keys only as a
   * filter and the filter has no such hash. Undefined when the view does not hold that project's
   * keys (too many, an old schema, not loaded yet) or the filter may hold it: then look it up.
   */
  key(hash: string, projectId: string): ApiKey | null | undefined {
    if (this.#keys === null) return undefined;
    const k = this.#keys.get(hash);
    if (k === undefined) {
      if (!this.#unheld.has(projectId)) return null;
      return this.#filters.get(projectId)?.mayHold(hash) === false ? null : undefined;
    }
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
    // A database before v26 (clock -1) never holds keys, and says so elsewhere.
    if (read.clock !== -1) this.#logUnheld(read);
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
    this.#unheld = read.unheld;
    this.#filters = read.filters;
    this.#clock = read.clock;
    this.#loadedAt = this.#checkedAt = this.#o.now();
    return read.gates;
  }

  /**
   * An operator should know which project's keys each isolate reads one by one (its apps' key
   * checks cost reads): one line when a project stops fitting or fits again, not one per re-read.
   * Names projects: the operator's log only.
   */
  #logUnheld(read: AuthRead): void {
    const before = this.#gates === null || this.#keys !== null ? this.#unheld : null;
    if (read.keys === null) {
      if (before !== null) this.#o.log(JSON.stringify({ level: 'warn', msg: 'the auth view holds no API keys (EDGE_MAX_KEYS 0): every key is read one by one' }));
      return;
    }
    const stopped = [...read.unheld].filter((p) => before === null || !before.has(p));
    const fit = before === null ? [] : [...before].filter((p) => !read.unheld.has(p));
    // Bounded: a change that moves many projects at once must not flood the log.
    for (const p of stopped.slice(0, MAX_PROJECT_LINES)) this.#o.log(JSON.stringify({ level: 'warn', msg: `project ${p} has more keys than fit; its keys are read one by one (EDGE_MAX_KEYS, at most 20000, holds the projects with fewer keys first)${read.filters.has(p) ? '; a filter of their hashes refuses made-up keys unread' : PAST_FILTER}`, project: p }));
    for (const p of fit.slice(0, MAX_PROJECT_LINES)) this.#o.log(JSON.stringify({ level: 'info', msg: `project ${p}'s keys fit again: the auth view holds them`, project: p }));
    // Past the filter too, every well-formed key sent to the project's apps costs a read: said
    // once, with the line above, or when a project still unheld loses its filter.
    const unfiltered = before === null ? [] : [...read.unheld].filter((p) => before.has(p) && this.#filters.has(p) && !read.filters.has(p));
    for (const p of unfiltered.slice(0, MAX_PROJECT_LINES)) this.#o.log(JSON.stringify({ level: 'warn', msg: `project ${p}'s keys no longer fit the filter${PAST_FILTER}`, project: p }));
    const more = Math.max(0, stopped.length - MAX_PROJECT_LINES) + Math.max(0, fit.length - MAX_PROJECT_LINES) + Math.max(0, unfiltered.length - MAX_PROJECT_LINES);
    if (more > 0) this.#o.log(JSON.stringify({ level: 'warn', msg: `${more} more projects' keys stopped or started fitting in the auth view`, unheld: read.unheld.size }));
  }

  /**
   * The keys in use to carry to the per-key cache, of the projects the view has just stopped
   * holding: one tenant creating keys must not send its own keys in use to a first load at once
   * (past EDGE_MAX_FIRST_LOADS, 503). Forgets keys no longer held.
   */
  #carry(before: Map<string, ApiKey> | null): ReadonlyMap<string, ApiKey> {
    const out = new Map<string, ApiKey>();
    const now = this.#keys;
    for (const h of this.#used) {
      if (now?.has(h) === true) continue;
      this.#used.delete(h);
      const k = before?.get(h);
      // Gone from a project still held: deleted, so nothing to carry.
      if (k !== undefined && (now === null || this.#unheld.has(k.projectId))) out.set(h, k);
    }
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
      void this.#o.onMove(this.#keys !== null && this.#unheld.size === 0, this.#carry(before));
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

/** The log's note for a project past EDGE_MAX_FILTERED_KEYS as well. */
const PAST_FILTER = '; past EDGE_MAX_FILTERED_KEYS too (the smaller projects are filtered first): every well-formed key sent to its apps, made-up ones included, costs a read';

/** Projects named per re-read in the log when they stop (or start) fitting; the rest are counted. */
const MAX_PROJECT_LINES = 10;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The database has no `auth_clock` table yet (before schema v26). */
function noClockTable(err: unknown): boolean {
  return /no such table:? (main\.)?auth_clock/i.test(err instanceof Error ? err.message : String(err));
}
