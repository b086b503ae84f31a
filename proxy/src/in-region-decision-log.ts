/**
 * Records in-region decisions in the edge's `decisions` table (same columns, INSERT OR IGNORE),
 * so explain, the dashboard and outcome feedback see them; `input_json` says `"scope":"in-region"`
 * with the proxy and region, and names its snapshot, written once in the same batch by the
 * edge's rule (shared/decision/written-snapshots.ts). Written in batches off the request path through the shared
 * WriteBuffer rule (bounded, one write in flight, backoff): a dead database costs no request.
 */
import { WriteBuffer } from '../../shared/batching/write-buffer.ts';
import type { Decision } from '../../shared/decision/types.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { multiRowInserts, type Arg } from '../../shared/schema/multi-row-insert.ts';
import type { InputRecord } from '../../shared/decision/record-json.ts';
import { WrittenSnapshots } from '../../shared/decision/written-snapshots.ts';

/**
 * One decision to record. Its explanation and `input_json` are built when the batch is written
 * (the decision's lazy getters, `input()`), never on the request that made it.
 */
export interface InRegionDecisionRow {
  readonly decision: Decision;
  readonly decisionUs: number;
  readonly input: () => InputRecord;
}

export interface DecisionWriter {
  batch(stmts: Array<{ sql: string; args: Array<string | number | null> }>, mode: 'write'): Promise<unknown>;
}

const INSERT = `INSERT OR IGNORE INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason,
  policy_version, seed, stale, decision_us, explanation_json, input_json, snapshot_id)`;

export class InRegionDecisionLog {
  // Full: the project with the most rows buffered loses one, so one tenant's burst drops its own
  // rows first, however many apps it bursts through.
  readonly #buffer = new WriteBuffer<InRegionDecisionRow>({
    max: 10_000, batch: 200, baseBackoffMs: 1_000, maxBackoffMs: 30_000, key: (row) => projectOfAppId(row.decision.appId),
  });
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  readonly #snapshots = new WrittenSnapshots();

  constructor(
    private readonly db: DecisionWriter,
    private readonly now: () => number,
    private readonly onError: (err: unknown) => void,
  ) {}

  record(row: InRegionDecisionRow): void {
    this.#buffer.push(row);
  }

  start(flushMs: number): void {
    this.#timer = setInterval(() => void this.flush(), flushMs);
    this.#timer.unref();
  }

  /** Write what is buffered (one write at a time). */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      for (let rows = this.#buffer.begin(this.now()); rows !== null; rows = this.#buffer.begin(this.now())) {
        try {
          const built = rows.map((row) => ({ row, at: row.decision.at, ...row.input() }));
          const plan = this.#snapshots.plan(built, this.now());
          // Many rows per INSERT: the database's triggers on `decisions` are compiled once per statement.
          await this.db.batch([...plan.statements, ...multiRowInserts(INSERT, built.map(toArgs))], 'write');
          this.#snapshots.written(plan);
          this.#buffer.succeeded(rows);
        } catch (err) {
          this.#buffer.failed(rows, this.now(), Math.random());
          this.onError(err);
          return;
        }
      }
    });
    return this.#writing;
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    await this.flush();
  }
}

function toArgs({ row: { decision: d, decisionUs }, inputJson, snapshot }: { row: InRegionDecisionRow } & InputRecord): Arg[] {
  return [
    d.id, d.at, d.appId, d.fn, d.synthetic ? 1 : 0, d.outcome, d.chosen, d.reason,
    d.policyVersion, d.seed, d.stale ? 1 : 0, decisionUs, JSON.stringify(d), inputJson, snapshot.id,
  ];
}
