/**
 * The libSQL side of replica shares across proxies (table `replica_holds`, schema v34): each
 * holder (a proxy, or `<id>#<index>` for a worker process) replaces its own rows and reads the
 * others' live ones in one batch. Rows live a few lease intervals past their write, so a proxy
 * that stops (or loses libSQL) stops counting against the others by itself.
 */
import type { Client, InStatement } from '@libsql/client';
import type { ReplicaHold } from './replica-shares.ts';

export interface ReplicaHoldSync {
  readonly holderId: string;
  /** This holder's requests per shared replica and project now (replaces what it wrote before). */
  readonly holds: readonly ReplicaHold[];
  /** False when there is nothing to replace (none now, none written before): a read, no write. */
  readonly write: boolean;
  readonly now: number;
  readonly expiresAt: number;
}

export interface ReplicaHoldStore {
  /** The other holders' live holds, summed per replica and project. */
  syncReplicaHolds(sync: ReplicaHoldSync): Promise<ReplicaHold[]>;
}

/** Rows this long past their expiry are deleted by whichever holder writes next. */
const PRUNE_AFTER_MS = 60_000;
/** Rows per INSERT: 5 arguments each, under SQLite's oldest limit of 999 per statement. */
const ROWS_PER_INSERT = 190;

export function libsqlReplicaHoldStore(client: Client): ReplicaHoldStore {
  return {
    async syncReplicaHolds(s) {
      const read: InStatement = {
        sql: `SELECT url, project, SUM(holds) AS holds FROM replica_holds
              WHERE holder_id <> ? AND expires_at > ? GROUP BY url, project`,
        args: [s.holderId, s.now],
      };
      if (!s.write) return holdsOf((await client.execute(read)).rows);
      const stmts: InStatement[] = [
        { sql: 'DELETE FROM replica_holds WHERE holder_id = ? OR expires_at < ?', args: [s.holderId, s.now - PRUNE_AFTER_MS] },
      ];
      for (let i = 0; i < s.holds.length; i += ROWS_PER_INSERT) {
        const chunk = s.holds.slice(i, i + ROWS_PER_INSERT);
        stmts.push({
          sql: `INSERT INTO replica_holds (holder_id, url, project, holds, expires_at) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          args: chunk.flatMap((h) => [s.holderId, h.url, h.project, h.holds, s.expiresAt]),
        });
      }
      stmts.push(read);
      const results = await client.batch(stmts, 'write');
      return holdsOf(results[results.length - 1]?.rows ?? []);
    },
  };
}

function holdsOf(rows: ReadonlyArray<Record<string, unknown>>): ReplicaHold[] {
  return rows.map((r) => ({ url: String(r['url']), project: String(r['project']), holds: Number(r['holds']) }));
}
