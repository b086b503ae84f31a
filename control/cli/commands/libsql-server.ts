/**
 * `switchyard libsql-server --db <file>`: serve a local libSQL database over
 * Hrana/HTTP for the Worker (@libsql/client/web) and remote-mode tools. Local
 * runs and tests only; production points the same clients at Turso.
 */
import type { Command } from 'commander';
import { pino } from 'pino';
import {
  AUTH_TOKEN_ENV,
  parseLibsqlServerFlags,
  type LibsqlServerFlags,
} from '../../hrana/cli-flags.ts';
import { startHranaServer } from '../../hrana/server.ts';
import { UsageError } from '../exit-codes.ts';
import { describeCommand } from '../command-index.ts';

export function register(program: Command): void {
  program
    .command('libsql-server')
    .description(describeCommand('libsql-server'))
    .option('--db <file>', 'database file to serve (created if missing)')
    .option('--host <host>', 'listen host', '127.0.0.1')
    .option('--port <port>', 'listen port (0 = random)', '8080')
    .option(
      '--auth-token <token>',
      `require "Authorization: Bearer <token>" (env ${AUTH_TOKEN_ENV})`,
    )
    .option(
      '--stream-idle-ms <ms>',
      'close streams (and roll back their transactions) after this idle time',
      '10000',
    )
    .action(async (flags: LibsqlServerFlags) => {
      const parsed = parseLibsqlServerFlags(flags, process.env);
      if (!parsed.ok) throw new UsageError(parsed.errors);
      const logger = pino({ name: 'libsql-server' });
      const server = await startHranaServer({ ...parsed.config, logger });
      // The "hrana server listening" log line carries the URL for scripts waiting on startup.
      const stop = (signal: string): void => {
        logger.info({ signal }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            logger.error({ err: String(err) }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
