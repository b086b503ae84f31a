import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { resolveDb, withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { localPathOf } from '../../store/local-path.ts';
import { migrate } from '../../store/migrate.ts';
import { openStore } from '../../store/open-store.ts';

/** Apply pending migrations and say what happened, one line each. */
export async function runDbMigrate(
  db: { url: string; authToken: string | undefined },
  out: (line: string) => void,
): Promise<void> {
  const path = localPathOf(db.url);
  // A first run on a fresh checkout should just work: create the database's directory.
  if (path !== null) mkdirSync(dirname(path), { recursive: true });
  const store = openStore(db);
  try {
    const result = await migrate(store.client);
    for (const m of result.applied) out(`applied migration ${m.version}: ${m.name}`);
    out(
      result.applied.length === 0
        ? `${db.url} is up to date (schema version ${result.version})`
        : `${db.url} is now at schema version ${result.version}`,
    );
  } finally {
    store.close();
  }
}

/** `switchyard db migrate [--db URL] [--auth-token T]` */
export function register(program: Command): void {
  const db = program.command('db').description('database maintenance');
  withDbFlags(
    db.command('migrate').description('create or upgrade the libSQL schema (idempotent)'),
  ).action(async (opts: DbFlags) => {
    await runDbMigrate(resolveDb(opts, process.env), (line) => process.stdout.write(`${line}\n`));
  });
}
