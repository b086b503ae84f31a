/**
 * The one rule for writing records to a database that may be down (issue 12 #4), used by the
 * edge's decision log and the proxy's outcome reporter. Pure state: callers own the clock, the
 * randomness, the timers and the actual write.
 *
 *  * bounded: beyond `max` buffered records a new record is dropped (O(1), never a copy) and
 *    counted — memory cannot grow with the length of an outage;
 *  * one write in flight at a time, at most `batch` records each;
 *  * after a failed write the records go back (still bounded) and nothing is written until a
 *    backoff with jitter has passed, doubling per consecutive failure up to `maxBackoffMs` — an
 *    outage costs one attempt per backoff period, not one per new record.
 *
 * With a `key` (the app), a full buffer drops from the key with the most records buffered, not
 * whatever arrives next: one app's burst then loses its own records first, not other apps'.
 */
export interface WriteBufferOptions<T = unknown> {
  /** Records kept while writes fail; beyond this new records are dropped (and counted). */
  readonly max: number;
  /** Records per write. */
  readonly batch: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** Fair dropping by this key (e.g. the app id); absent: a full buffer drops the arriving record. */
  readonly key?: (row: T) => string;
}

export interface WriteBufferStats {
  readonly buffered: number;
  readonly written: number;
  readonly dropped: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
  /** Drops per key (with a `key` option only); at most MAX_DROP_KEYS keys, the rest under `*`. */
  readonly droppedByKey?: Readonly<Record<string, number>>;
}

const MAX_DROP_KEYS = 32;

/** Delay before the next attempt after `failures` consecutive failures: exponential, jittered to [½, 1]×. */
export function backoffDelay(failures: number, o: Pick<WriteBufferOptions, 'baseBackoffMs' | 'maxBackoffMs'>, random: number): number {
  const ceiling = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
}

export class WriteBuffer<T> {
  readonly #o: WriteBufferOptions<T>;
  #rows: T[] = [];
  /** Records buffered per key (with a `key` option). */
  readonly #perKey = new Map<string, number>();
  readonly #droppedByKey = new Map<string, number>();
  #inFlight = false;
  #nextAttemptAt = 0;
  #written = 0;
  #dropped = 0;
  #failures = 0;
  #consecutive = 0;

  constructor(options: WriteBufferOptions<T>) {
    if (!(options.max >= options.batch && options.batch >= 1)) throw new RangeError('WriteBuffer: need max >= batch >= 1');
    this.#o = options;
  }

  get size(): number {
    return this.#rows.length;
  }

  get inFlight(): boolean {
    return this.#inFlight;
  }

  /** When the next write may start (0: now); later than now while backing off. */
  get nextAttemptAt(): number {
    return this.#nextAttemptAt;
  }

  /** Buffers a record; false when it was dropped because the buffer is full. */
  push(row: T): boolean {
    const key = this.#o.key;
    if (this.#rows.length >= this.#o.max) {
      if (key === undefined) {
        this.#dropped++;
        return false;
      }
      const k = key(row);
      const heaviest = this.#heaviest();
      if (heaviest === null || (this.#perKey.get(k) ?? 0) >= heaviest.count) {
        this.#countDrop(k);
        return false;
      }
      this.#evictNewest(heaviest.key, key);
    }
    this.#rows.push(row);
    if (key !== undefined) this.#add(key(row), 1);
    return true;
  }

  /** A full batch is waiting (callers write at once then, and otherwise on a timer). */
  get batchReady(): boolean {
    return this.#rows.length >= this.#o.batch;
  }

  /**
   * The records to write now, or null: nothing buffered, a write in flight, or backing off. The
   * caller must report the result with `succeeded` or `failed`.
   */
  begin(now: number): T[] | null {
    if (this.#inFlight || this.#rows.length === 0 || now < this.#nextAttemptAt) return null;
    this.#inFlight = true;
    const rows = this.#rows.splice(0, this.#o.batch);
    const key = this.#o.key;
    if (key !== undefined) for (const r of rows) this.#add(key(r), -1);
    return rows;
  }

  succeeded(rows: readonly T[]): void {
    this.#inFlight = false;
    this.#written += rows.length;
    this.#consecutive = 0;
    this.#nextAttemptAt = 0;
  }

  /** Puts the records back (the newest beyond `max` are dropped) and backs off; returns the delay. */
  failed(rows: readonly T[], now: number, random: number): number {
    this.#inFlight = false;
    this.#failures++;
    this.#consecutive++;
    const kept = [...rows, ...this.#rows];
    const key = this.#o.key;
    if (key === undefined) {
      if (kept.length > this.#o.max) {
        this.#dropped += kept.length - this.#o.max;
        kept.length = this.#o.max;
      }
      this.#rows = kept;
      return this.#backOff(now, random);
    }
    this.#rows = kept;
    for (const r of rows) this.#add(key(r), 1);
    while (this.#rows.length > this.#o.max) {
      const heaviest = this.#heaviest();
      if (heaviest === null) break;
      this.#evictNewest(heaviest.key, key);
    }
    return this.#backOff(now, random);
  }

  /** Ends a backoff now (a drain's last write): the next `begin` may start at once. */
  retryNow(): void {
    this.#nextAttemptAt = 0;
  }

  /** A related write to the same store failed (e.g. a health row): back off all the same. */
  noteFailure(now: number, random: number): number {
    this.#failures++;
    this.#consecutive++;
    return this.#backOff(now, random);
  }

  #backOff(now: number, random: number): number {
    const delay = backoffDelay(this.#consecutive, this.#o, random);
    this.#nextAttemptAt = now + delay;
    return delay;
  }

  stats(): WriteBufferStats {
    const s = { buffered: this.#rows.length, written: this.#written, dropped: this.#dropped, failures: this.#failures, consecutiveFailures: this.#consecutive };
    return this.#o.key === undefined ? s : { ...s, droppedByKey: Object.fromEntries(this.#droppedByKey) };
  }

  /** The key with the most records buffered: O(keys), paid only when the buffer is full. */
  #heaviest(): { key: string; count: number } | null {
    let best: { key: string; count: number } | null = null;
    for (const [key, count] of this.#perKey) if (best === null || count > best.count) best = { key, count };
    return best;
  }

  /** Drops the newest record of `k`: a bursting key's newest rows sit at the end, so the scan is short. */
  #evictNewest(k: string, key: (row: T) => string): void {
    for (let i = this.#rows.length - 1; i >= 0; i--) {
      if (key(this.#rows[i] as T) !== k) continue;
      this.#rows.splice(i, 1);
      this.#add(k, -1);
      this.#countDrop(k);
      return;
    }
  }

  #add(k: string, n: number): void {
    const c = (this.#perKey.get(k) ?? 0) + n;
    if (c > 0) this.#perKey.set(k, c);
    else this.#perKey.delete(k);
  }

  #countDrop(k: string): void {
    this.#dropped++;
    const slot = this.#droppedByKey.has(k) || this.#droppedByKey.size < MAX_DROP_KEYS ? k : '*';
    this.#droppedByKey.set(slot, (this.#droppedByKey.get(slot) ?? 0) + 1);
  }
}
