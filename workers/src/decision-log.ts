/**
 * Per-isolate buffer of decision records, flushed to the `decisions` table in batches through
 * `waitUntil` — never on the hot path. A batch is written when it is full, or at the latest
 * `flushMs` after its first record. When the database is down the records are kept (bounded,
 * oldest dropped first and counted) and retried with the next flush.
 */
import type { Decision } from '../../shared/decision/types.ts';

export interface DecisionRow {
  readonly decision: Decision;
  readonly inputJson: string;
  /** Time spent in decide(), microseconds. */
  readonly decisionUs: number;
}

/** Where batches go: the libSQL `decisions` table in production. */
export type DecisionSink = (rows: readonly DecisionRow[]) => Promise<void>;

export interface DecisionLogOptions {
  readonly batch: number;
  readonly flushMs: number;
  /** Records kept while the sink is failing; beyond this the oldest are dropped. */
  readonly maxBuffered: number;
  readonly sink: DecisionSink;
  readonly onError: (message: string) => void;
}

export class DecisionLog {
  readonly #o: DecisionLogOptions;
  #buffer: DecisionRow[] = [];
  #timerArmed = false;
  #flushing: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(options: DecisionLogOptions) {
    this.#o = options;
  }

  get buffered(): number {
    return this.#buffer.length;
  }

  /** Buffers one record and arranges for it to be written soon, off the hot path. */
  record(row: DecisionRow, waitUntil: (p: Promise<unknown>) => void): void {
    this.#buffer.push(row);
    if (this.#buffer.length >= this.#o.batch) {
      waitUntil(this.flush());
    } else if (!this.#timerArmed) {
      // The timer lives inside waitUntil so the runtime keeps the isolate alive until it fires.
      this.#timerArmed = true;
      waitUntil(
        new Promise<void>((resolve) => setTimeout(resolve, this.#o.flushMs)).then(() => {
          this.#timerArmed = false;
          return this.flush();
        }),
      );
    }
  }

  /** Writes everything buffered; flushes are serialised so batches never interleave. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async #flushOnce(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const rows = this.#buffer;
    this.#buffer = [];
    try {
      await this.#o.sink(rows);
    } catch (err) {
      this.#buffer = [...rows, ...this.#buffer];
      const excess = this.#buffer.length - this.#o.maxBuffered;
      if (excess > 0) {
        this.#buffer.splice(0, excess);
        this.dropped += excess;
      }
      this.#o.onError(
        `decision log: writing ${rows.length} decisions failed (${err instanceof Error ? err.message : String(err)}); ${this.#buffer.length} kept, ${this.dropped} dropped so far`,
      );
    }
  }
}
