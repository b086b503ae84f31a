/**
 * The decision writers' rule (edge and proxy alike) for `decision_snapshots`: a batch of decision
 * rows is written with an `INSERT OR IGNORE` of each distinct snapshot it names, except those
 * this process already wrote recently. Pure: the caller runs the statements and reports success.
 *
 * "Recently" is bounded twice. In size (an LRU of ids): memory stays small. In time (`ttlMs`,
 * counted from the oldest decision of the batch that wrote it): `db prune` deletes a snapshot
 * only when no decision references it, and it deletes no decision younger than an hour
 * (control/cli/commands/db.ts MIN_RETENTION_MS), so a snapshot remembered for less than that
 * still has the decisions that wrote it, and cannot have been pruned. Past the TTL it is sent
 * again: harmless if present, restored if not.
 */
import { multiRowInserts, type Arg } from '../schema/multi-row-insert.ts';
import type { SnapshotRow } from './record-json.ts';

export const SNAPSHOT_INSERT = 'INSERT OR IGNORE INTO decision_snapshots (id, json, at)';

/** Well under the hour prune keeps: clock skew between a writer and the control plane cannot close it. */
const DEFAULT_TTL_MS = 10 * 60_000;
const DEFAULT_MAX = 512;
/** ~5 KB a snapshot: a few per statement keeps each statement small. */
const SNAPSHOTS_PER_STATEMENT = 10;

export interface SnapshotWrite {
  /** Run these in the same batch as the decision rows, before them. */
  readonly statements: Array<{ sql: string; args: Arg[] }>;
  /** Pass to `written` once the batch has committed (never after a failure). */
  readonly ids: readonly string[];
  readonly oldestAt: number;
}

export class WrittenSnapshots {
  /** id → the oldest decision `at` of the batch that wrote it; Map order is recency. */
  readonly #ids = new Map<string, number>();

  constructor(
    private readonly max = DEFAULT_MAX,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  /**
   * The inserts for the distinct snapshots of a batch not known to be written. `rows` are the
   * batch's decisions: their `at` and snapshot (none: an older caller's row, nothing to write).
   */
  plan(rows: ReadonlyArray<{ readonly at: number; readonly snapshot?: SnapshotRow | undefined }>, now: number): SnapshotWrite {
    const fresh = new Map<string, SnapshotRow>();
    let oldestAt = Infinity;
    for (const r of rows) {
      oldestAt = Math.min(oldestAt, r.at);
      const s = r.snapshot;
      if (s === undefined || fresh.has(s.id)) continue;
      const stamp = this.#ids.get(s.id);
      if (stamp !== undefined && now - stamp < this.ttlMs) {
        this.#ids.delete(s.id);
        this.#ids.set(s.id, stamp);
        continue;
      }
      fresh.set(s.id, s);
    }
    const values = [...fresh.values()].map((s): Arg[] => [s.id, s.json, s.at]);
    return { statements: multiRowInserts(SNAPSHOT_INSERT, values, SNAPSHOTS_PER_STATEMENT), ids: [...fresh.keys()], oldestAt };
  }

  /** The batch that carried `w` committed: its snapshots are in the database. */
  written(w: SnapshotWrite): void {
    for (const id of w.ids) {
      this.#ids.delete(id);
      this.#ids.set(id, w.oldestAt);
      if (this.#ids.size > this.max) {
        const oldest = this.#ids.keys().next().value;
        if (oldest !== undefined) this.#ids.delete(oldest);
      }
    }
  }

  get size(): number {
    return this.#ids.size;
  }
}
