/**
 * `switchyard dev` (what `npm start` runs): the whole system on one machine.
 */
import type { Command } from 'commander';
import { banner } from '../../dev/banner.ts';
import { DevStackError } from '../../dev/errors.ts';
import { exitReports } from '../../dev/exit-report.ts';
import { startDevStack } from '../../dev/start-dev-stack.ts';
import { StartError } from '../../dev/supervisor.ts';
import { DEFAULT_DEV_BASE_PORT } from '../../dev/topology.ts';
import { UsageError } from '../exit-codes.ts';
import { errorLine } from '../error-line.ts';
import { describeCommand } from '../command-index.ts';

/** `from`: what set the value (--port, or SWITCHYARD_PORT behind the option's default). */
function parsePort(value: string, from: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1024 || n > 65_000) throw new UsageError(`${from} must be an integer between 1024 and 65000, got ${JSON.stringify(value)}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('dev')
    .description(describeCommand('dev'))
    .option('--port <port>', 'edge port; other ports follow it (libSQL +1, proxies +11.., replicas +101..), env SWITCHYARD_PORT', process.env['SWITCHYARD_PORT'] ?? String(DEFAULT_DEV_BASE_PORT))
    .option('--state-dir <dir>', 'database, keys, generated configs and logs; one running stack each, env SWITCHYARD_STATE_DIR', process.env['SWITCHYARD_STATE_DIR'] ?? '.switchyard/dev')
    .option('--keep-data', 'keep the previous run\'s database instead of starting fresh')
    .option('--workerd', 'run the edge self-hosted on workerd (`switchyard edge --workerd`) instead of `wrangler dev`')
    .action(async (opts: { port: string; stateDir: string; keepData?: boolean; workerd?: boolean }, cmd: Command) => {
      const fromEnv = cmd.getOptionValueSource('port') === 'default' && process.env['SWITCHYARD_PORT'] !== undefined;
      const basePort = parsePort(opts.port, fromEnv ? 'SWITCHYARD_PORT' : '--port');
      process.stdout.write(`Starting Switchyard on 127.0.0.1:${basePort} (state in ${opts.stateDir}) ...\n`);
      let stack;
      try {
        stack = await startDevStack({ basePort, stateDir: opts.stateDir, fresh: opts.keepData !== true, edge: opts.workerd === true ? 'workerd' : 'wrangler' });
      } catch (err) {
        const msg = err instanceof StartError || err instanceof Error ? err.message : String(err);
        process.stderr.write(`\n${errorLine(msg)}`);
        process.exitCode = err instanceof DevStackError ? err.exitCode : 1;
        return;
      }
      process.stdout.write(banner(stack));
      const s = stack;
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`\n${signal}: stopping every process Switchyard started ...\n`);
        s.stop().then(
          () => {
            process.stdout.write('stopped.\n');
            process.exit(0);
          },
          (e: unknown) => {
            process.stderr.write(errorLine(`stopping failed: ${String(e)}`));
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
      // Tell the user when a part dies on its own instead of leaving a half-working stack.
      const reported = new Set<string>();
      setInterval(() => {
        if (stopping) return;
        for (const line of exitReports(s.supervisor.running, reported)) process.stderr.write(line);
      }, 1000);
    });
}
