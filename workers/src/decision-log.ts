/**
 * Per-isolate buffer of decision records, flushed to the `decisions` table in batches through
 * `waitUntil` — never on the hot path. A batch is written when it is full, or at the latest
 * `flushMs` after its first record.
 *
 * With the database down (issue 12 #4) this costs the request path nothing: buffering follows the
 * shared `WriteBuffer` rule (bounded, one write in flight, backoff with jitter after a failure,
 * drops counted), so an outage means one write attempt per backoff period — not one per decision
 * retrying the whole buffer. Each failure logs one line with the counters; `stats()` exports them
 * (the Worker serves them on `/health`).
 */
import type { Decision } from '../../shared/decision/types.ts';
import type { SnapshotRow } from '../../shared/decision/record-json.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { WriteBuffer } from './shared-deps.ts';
import type { WriteBufferStats } from './shared-deps.ts';

export interface DecisionRow {
  readonly decision: Decision;
  /** Names its snapshot (`"snapshotRef"`) when `snapshot` is given; `inputRecord` builds both. */
  readonly inputJson: string;
  /** The `decision_snapshots` row `inputJson` names, written in the same batch. */
  readonly snapshot?: SnapshotRow;
  /** Time spent in decide(), microseconds. */
  readonly decisionUs: number;
  /** Policy canary: both policies' choices (`CanaryNote` JSON) for a request in the slice. */
  readonly canaryJson?: string | null;
}

/** Where batches go: the libSQL `decisions` table in production. */
export type DecisionSink = (rows: readonly DecisionRow[]) => Promise<void>;

export interface DecisionLogOptions {
  readonly batch: number;
  readonly flushMs: number;
  /** Records kept while the sink is failing; beyond this the project with the most buffered loses one (counted per project). */
  readonly maxBuffered: number;
  /** First and longest wait after a failed write. */
  readonly baseBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly sink: DecisionSink;
  readonly onError: (message: string) => void;
  readonly now?: () => number;
  readonly random?: () => number;
}

type WaitUntil = (p: Promise<unknown>) => void;

export class DecisionLog {
  readonly #o: DecisionLogOptions;
  readonly #buf: WriteBuffer<DecisionRow>;
  readonly #now: () => number;
  /** When the armed timer fires; a timer the runtime dropped (isolate limits) is re-armed once overdue. */
  #timerDueAt: number | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: DecisionLogOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => Date.now());
    this.#buf = new WriteBuffer({
      max: options.maxBuffered,
      batch: Math.min(options.batch, options.maxBuffered),
      baseBackoffMs: options.baseBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      // One buffer for every tenant of the isolate: a full one drops the bursting project's rows
      // first. Keyed by project: per app, a project bursting through 50 apps held 50 shares.
      key: (row) => projectOfAppId(row.decision.appId),
    });
  }

  get buffered(): number {
    return this.#buf.size;
  }

  get dropped(): number {
    return this.#buf.stats().dropped;
  }

  stats(): WriteBufferStats {
    return this.#buf.stats();
  }

  /** Buffers one record and arranges for it to be written soon, off the hot path. O(1). */
  record(row: DecisionRow, waitUntil: WaitUntil): void {
    this.#buf.push(row);
    const now = this.#now();
    if (this.#buf.batchReady && !this.#buf.inFlight && now >= this.#buf.nextAttemptAt) {
      waitUntil(this.flush());
      return;
    }
    const due = Math.max(now + this.#o.flushMs, this.#buf.nextAttemptAt);
    this.#arm(due, waitUntil);
  }

  /** Writes what is buffered, batch by batch, until empty, failing, or another write is running. */
  flush(): Promise<void> {
    if (this.#buf.inFlight) return this.#writing;
    this.#writing = this.#drain();
    return this.#writing;
  }

  async #drain(): Promise<void> {
    for (let rows = this.#buf.begin(this.#now()); rows !== null; rows = this.#buf.begin(this.#now())) {
      try {
        await this.#o.sink(rows);
        this.#buf.succeeded(rows);
      } catch (err) {
        const delay = this.#buf.failed(rows, this.#now(), (this.#o.random ?? Math.random)());
        const s = this.#buf.stats();
        this.#o.onError(
          `decision log: writing ${rows.length} decisions failed (${err instanceof Error ? err.message : String(err)}); next try in ${delay} ms; ${s.buffered} buffered, ${s.dropped} dropped, ${s.consecutiveFailures} failures in a row`,
        );
        return;
      }
    }
  }

  /**
   * One timer at a time, kept alive by the waitUntil of the request that armed it; an overdue one
   * (dropped by the runtime) is replaced. It never re-arms itself: that would keep one request's
   * context alive for as long as records keep coming. The next record arms the next timer.
   */
  #arm(dueAt: number, waitUntil: WaitUntil): void {
    const now = this.#now();
    if (this.#timerDueAt !== null && this.#timerDueAt + 1_000 > now) return;
    this.#timerDueAt = dueAt;
    waitUntil(
      new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, dueAt - now))).then(() => {
        this.#timerDueAt = null;
        return this.flush();
      }),
    );
  }
}
