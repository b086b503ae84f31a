/**
 * The isolate's view of what may be checked before any snapshot is read: every app's gate (owner,
 * keyless or not, CORS origins), kept fresh by the auth clock (schema v26). The clock is one row,
 * read at most once per `checkMs` and off the request path; only when it moved (or `maxAgeMs`
 * passed) are the gates re-read and `onMove` told (the edge re-reads its cached keys then). So the
 * database cost is one row per isolate per second, whatever the number of keys, and a key change
 * reaches the isolate within `checkMs` plus two reads, as fast as the 1 s key refresh it replaces.
 */
import type { AppGate } from './shared-deps.ts';
import { SourceUnavailable } from './swr-cache.ts';

export interface AuthViewOptions {
  /** The clock is read at most this often (EDGE_REFRESH_MS). */
  readonly checkMs: number;
  /** Gates and keys are re-read at least this often even if the clock stood still. */
  readonly maxAgeMs: number;
  readonly now: () => number;
  readonly loadClock: () => Promise<number>;
  readonly loadGates: () => Promise<{ readonly clock: number; readonly gates: Map<string, AppGate> }>;
  /** The clock moved: re-read what depends on it. Never rejects. */
  readonly onMove: () => Promise<void>;
  readonly log: (line: string) => void;
}

export class AuthView {
  readonly #o: AuthViewOptions;
  #gates: Map<string, AppGate> | null = null;
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

  #install(read: { readonly clock: number; readonly gates: Map<string, AppGate> }): Map<string, AppGate> {
    this.#gates = read.gates;
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
