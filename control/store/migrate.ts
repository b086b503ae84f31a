/**
 * Applies shared/schema/migrations.ts. Each migration runs as one write batch (a transaction)
 * together with its `schema_migrations` row, so a crash leaves either all of it or none. Batches,
 * not interactive transactions, so it works the same over HTTP and on `:memory:`.
 */
import type { Client } from '@libsql/client';
import { MIGRATIONS, SCHEMA_VERSION, type Migration } from '../../shared/schema/migrations.ts';
import { int } from '../../shared/snapshot/row-values.ts';
import { guard, StoreError } from './errors.ts';

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

export interface MigrateResult {
  readonly applied: readonly AppliedMigration[];
  /** Schema version after the run. */
  readonly version: number;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
)`;

async function appliedVersions(client: Client): Promise<Set<number>> {
  const rs = await client.execute('SELECT version FROM schema_migrations');
  return new Set(rs.rows.map((row) => int(row, 'version', 'schema_migrations')));
}

/**
 * Bring the database up to this checkout's schema; returns what was applied (empty when up to
 * date). Refuses a database that has versions this code does not know.
 */
export async function migrate(
  client: Client,
  options: { now?: number; migrations?: readonly Migration[] } = {},
): Promise<MigrateResult> {
  const migrations = options.migrations ?? MIGRATIONS;
  const codeVersion =
    migrations === MIGRATIONS ? SCHEMA_VERSION : Math.max(0, ...migrations.map((m) => m.version));
  return guard('migrating the database', async () => {
    await client.execute(CREATE_TABLE);
    const done = await appliedVersions(client);
    const newest = Math.max(0, ...done);
    if (newest > codeVersion) {
      throw new StoreError(
        'schema-too-new',
        `the database is at schema version ${newest} but this code knows only up to ${codeVersion}: upgrade switchyard before using this database`,
      );
    }
    const applied: AppliedMigration[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      try {
        await client.batch(
          [
            ...m.statements,
            {
              sql: 'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
              args: [m.version, m.name, options.now ?? Date.now()],
            },
          ],
          'write',
        );
        applied.push({ version: m.version, name: m.name });
      } catch (err) {
        // A concurrent migrator may have won the race; its version row makes ours a no-op.
        if (!(await appliedVersions(client)).has(m.version)) throw err;
      }
    }
    // Re-read: a concurrent migrator may have applied some of the versions we skipped.
    return { applied, version: Math.max(0, ...(await appliedVersions(client))) };
  });
}
