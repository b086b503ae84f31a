/**
 * `switchyard otlp-receiver`: our OTLP/HTTP (JSON) trace receiver, storing spans in the libSQL
 * database's `trace_spans` table (control/otlp-receiver/). `npm start` runs it for the local stack.
 */
import type { Command } from 'commander';
import { withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { openDb } from '../../config/open-db.ts';
import { startOtlpReceiver } from '../../otlp-receiver/receiver.ts';
import { DEFAULT_RETENTION } from '../../otlp-receiver/trace-store.ts';
import { UsageError } from '../exit-codes.ts';
import { describeCommand } from '../command-index.ts';

function positiveInt(name: string, raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

export function register(program: Command): void {
  withDbFlags(
    program
      .command('otlp-receiver')
      .description(describeCommand('otlp-receiver')),
  )
    .option('--host <host>', 'listen host; beyond loopback needs env OTLP_RECEIVER_TOKEN (exporters send Authorization: Bearer <token>)', '127.0.0.1')
    .option('--port <port>', 'listen port (0 = random)', '4318')
    .option('--max-rows <n>', 'spans kept, shared fairly between projects (each keeps its newest)', String(DEFAULT_RETENTION.maxRows))
    .option('--max-age-s <s>', 'spans older than this are deleted', String(DEFAULT_RETENTION.maxAgeMs / 1000))
    .action(async (opts: DbFlags & { host: string; port: string; maxRows: string; maxAgeS: string }) => {
      const port = /^\d+$/.test(opts.port) && Number(opts.port) <= 65535 ? Number(opts.port) : NaN;
      if (Number.isNaN(port)) throw new UsageError(`--port must be 0..65535, got ${JSON.stringify(opts.port)}`);
      const retention = { maxRows: positiveInt('--max-rows', opts.maxRows), maxAgeMs: positiveInt('--max-age-s', opts.maxAgeS) * 1000 };
      const store = openDb(opts, process.env);
      const db = store.client;
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      // From the environment, not a flag: a flag's value shows in `ps` to every local user.
      const rxToken = process.env['OTLP_RECEIVER_TOKEN'];
      const rx = await startOtlpReceiver({ db, host: opts.host, port, retention, log, ...(rxToken !== undefined && rxToken !== '' ? { token: rxToken } : {}) });
      // Parent processes (the dev stack) read this line; /health answers once it is printed.
      process.stdout.write(`${JSON.stringify({ msg: 'otlp receiver ready', url: rx.url, tracesUrl: rx.tracesUrl })}\n`);
      const stop = (): void => {
        void rx.close().finally(() => {
          store.close();
          process.exit(0);
        });
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
