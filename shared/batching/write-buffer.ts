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
 */
export interface WriteBufferOptions {
  /** Records kept while writes fail; beyond this new records are dropped (and counted). */
  readonly max: number;
  /** Records per write. */
  readonly batch: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
}

export interface WriteBufferStats {
  readonly buffered: number;
  readonly written: number;
  readonly dropped: number;
  readonly failures: number;
  readonly consecutiveFailures: number;
}

/** Delay before the next attempt after `failures` consecutive failures: exponential, jittered to [½, 1]×. */
export function backoffDelay(failures: number, o: Pick<WriteBufferOptions, 'baseBackoffMs' | 'maxBackoffMs'>, random: number): number {
  const ceiling = Math.min(o.maxBackoffMs, o.baseBackoffMs * 2 ** Math.min(30, Math.max(0, failures - 1)));
  return Math.round(ceiling / 2 + (ceiling / 2) * Math.min(1, Math.max(0, random)));
}

export class WriteBuffer<T> {
  readonly #o: WriteBufferOptions;
  #rows: T[] = [];
  #inFlight = false;
  #nextAttemptAt = 0;
  #written = 0;
  #dropped = 0;
  #failures = 0;
  #consecutive = 0;

  constructor(options: WriteBufferOptions) {
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
    if (this.#rows.length >= this.#o.max) {
      this.#dropped++;
      return false;
    }
    this.#rows.push(row);
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
    return this.#rows.splice(0, this.#o.batch);
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
    if (kept.length > this.#o.max) {
      this.#dropped += kept.length - this.#o.max;
      kept.length = this.#o.max;
    }
    this.#rows = kept;
    return this.#backOff(now, random);
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
    return { buffered: this.#rows.length, written: this.#written, dropped: this.#dropped, failures: this.#failures, consecutiveFailures: this.#consecutive };
  }
}
