import type { Command } from 'commander';
import { formatStatusTable, readStatus } from '../../aggregator/status-table.ts';
import { withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { openDb } from '../../config/open-db.ts';
import { describeCommand } from '../command-index.ts';

/** The columns the table's header does not explain (control/aggregator/README.md has the detail). */
const COLUMNS = `
Columns:
  HOT FREE/BUSY  loaded slots free / busy; QUEUED  requests waiting for a slot
  START W/C      warm / cold start-up times the aggregator observed
  WAIT/SERVICE   queue wait and service (slot-held) time read from the engines' histograms
  '-' in START W/C or WAIT/SERVICE: not reported, the policy default applies (for WAIT also:
  no wait seen yet, or an average below 1 ms); times below a second are shown in ms`;

/** `switchyard status [--db URL]`: clusters, health, freshness and per-app capacity as aggregators pushed them. */
export function register(program: Command): void {
  withDbFlags(
    program.command('status').description(describeCommand('status')),
  )
    .addHelpText('after', COLUMNS)
    .action(async (opts: DbFlags) => {
    const store = openDb(opts, process.env);
    try {
      process.stdout.write(`${formatStatusTable(await readStatus(store.client), Date.now())}\n`);
    } finally {
      store.close();
    }
  });
}
