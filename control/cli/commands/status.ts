import type { Command } from 'commander';
import { formatStatusTable, readStatus } from '../../aggregator/status-table.ts';
import { withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { openDb } from '../../config/open-db.ts';
import { describeCommand } from '../command-index.ts';

/** `switchyard status [--db URL]`: clusters, health, freshness and per-app capacity as aggregators pushed them. */
export function register(program: Command): void {
  withDbFlags(
    program.command('status').description(describeCommand('status')),
  ).action(async (opts: DbFlags) => {
    const store = openDb(opts, process.env);
    try {
      process.stdout.write(`${formatStatusTable(await readStatus(store.client), Date.now())}\n`);
    } finally {
      store.close();
    }
  });
}
