/**
 * `switchyard dashboard`: the read-only operations dashboard (fleet, live decisions with their
 * explanations, traffic, errors and TTFT, traces, reports) behind the operator key.
 */
import type { Command } from 'commander';
import { DASHBOARD_DEFAULTS, parseDashboardConfig, type DashboardFlags } from '../../dashboard/dashboard-config.ts';
import { startDashboard } from '../../dashboard/start-dashboard.ts';
import { EXIT } from '../exit-codes.ts';
import { errorLine } from '../error-line.ts';
import { describeCommand } from '../command-index.ts';

export function register(program: Command): void {
  program
    .command('dashboard')
    .description(describeCommand('dashboard'))
    .option('--db <url>', 'database URL (default: $LIBSQL_URL)')
    .option('--auth-token <token>', 'database auth token (default: $LIBSQL_AUTH_TOKEN)')
    .option('--host <host>', 'listen address', DASHBOARD_DEFAULTS.host)
    .option('--port <port>', `listen port (default: $SWITCHYARD_DASHBOARD_PORT or ${DASHBOARD_DEFAULTS.port})`)
    .option('--poll-ms <ms>', 'how often the database is read for live updates', String(DASHBOARD_DEFAULTS.pollMs))
    .option('--bucket-ms <ms>', 'chart bucket width', String(DASHBOARD_DEFAULTS.bucketMs))
    .option('--keep-buckets <n>', 'chart buckets kept (window = n × bucket)', String(DASHBOARD_DEFAULTS.keepBuckets))
    .option('--feed-size <n>', 'decisions kept in the live feed and sent per update at most', String(DASHBOARD_DEFAULTS.feedSize))
    .option('--reports-dir <dir>', 'where `switchyard simulate` / `replay` wrote their reports', DASHBOARD_DEFAULTS.reportsDir)
    .action(async (flags: DashboardFlags) => {
      const parsed = parseDashboardConfig(flags, process.env);
      if (!parsed.ok) {
        for (const e of parsed.errors) process.stderr.write(errorLine(e));
        process.exitCode = EXIT.usage;
        return;
      }
      const handle = await startDashboard(parsed.config, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`dashboard listening on ${handle.url} (sign in with the operator key)\n`);
      const stop = (): void => {
        handle.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
