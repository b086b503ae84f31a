import type { Command } from 'commander';
import { pino } from 'pino';
import { withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { openDb } from '../../config/open-db.ts';
import { guard } from '../../store/errors.ts';
import type { Store } from '../../store/open-store.ts';
import { appRefArgument } from '../app-ref-argument.ts';
import { logLevelArgument } from '../log-level-argument.ts';
import { errorLine } from '../error-line.ts';
import { UsageError } from '../exit-codes.ts';
import { startController } from '../../rollout/controller.ts';
import { RolloutError } from '../../rollout/errors.ts';
import { formatRolloutStatus } from '../../rollout/format-status.ts';
import { operate, rolloutStatus, startRollout, type Operation } from '../../rollout/rollout-operations.ts';
import { DEFAULT_HOLD_MS, DEFAULT_STEPS, parseStartFlags, type StartFlags } from '../../rollout/start-flags.ts';
import { describeCommand } from '../command-index.ts';

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** Run one database action; a RolloutError is the operator's to fix: its message and exit code 1. */
async function withClient(opts: DbFlags, fn: (client: Store['client']) => Promise<void>): Promise<void> {
  const store = openDb(opts, process.env);
  try {
    await fn(store.client);
  } catch (err) {
    if (!(err instanceof RolloutError)) throw err;
    process.stderr.write(errorLine(err.message, err.code));
    process.exitCode = 1;
  } finally {
    store.close();
  }
}

/** `switchyard rollout start|status|pause|resume|promote|abort|run` */
export function register(program: Command): void {
  const rollout = program.command('rollout').description(describeCommand('rollout'));
  withDbFlags(
    rollout
      .command('start <app>')
      .description('start moving <app>\'s traffic from the stable version to --to, step by step')
      .option('--to <version>', 'canary version (as the replicas report it on /v1/models)')
      .option('--from <version>', 'stable version (default: the one other version served)')
      .option('--model <id>', 'model id (default: the only model the app serves)')
      .option('--steps <list>', `canary weight per step, % (default ${DEFAULT_STEPS})`)
      .option('--hold-ms <ms>', `time a step runs with passing gates before the next (default ${DEFAULT_HOLD_MS})`)
      .option('--keep-old-regions <n>', 'regions whose clients stay on the stable version until promotion (default 0)')
      .option('--old-regions <list>', 'which regions to hold (default: the first n stable regions by id)')
      .option('--auto-promote', 'promote after the last step passes its gates (default: wait for `rollout promote`)')
      .option('--gate-min-requests <n>', 'canary outcomes needed before rate/latency gates judge and a step may advance')
      .option('--gate-error-budget <n>', 'canary replica errors tolerated per step; one more rolls back')
      .option('--gate-max-error-rate-delta <x>', 'canary error rate above stable that rolls back (0..1)')
      .option('--gate-ttft-ratio <x>', 'canary TTFT p95 above stable p95 × x (+ slack) rolls back')
      .option('--gate-ttft-slack-ms <ms>', 'slack added to the TTFT limit')
      .option('--gate-max-cut-rate-delta <x>', 'canary cut-stream rate above stable that rolls back (0..1)'),
  ).action(async (app: string, opts: StartFlags & DbFlags) => {
    const parsed = parseStartFlags(app, opts);
    if (!parsed.ok) throw new UsageError(parsed.errors);
    await withClient(opts, async (client) => {
      const r = await startRollout(client, parsed.request, Date.now());
      out(`started ${r.id}: ${r.appId} ${r.model} ${r.stable} → ${r.canary} at ${r.weightPct} % (steps ${r.steps.join(' → ')})${r.heldRegions.length > 0 ? `, held on ${r.stable}: ${r.heldRegions.join(', ')}` : ''}`);
    });
  });
  withDbFlags(rollout.command('status').argument('<app>', 'the app, <project>/<app>', appRefArgument).description('the rollout: status, weight, step, held regions, last gate verdict, versions served')
    .option('--json', 'machine-readable'),
  ).action(async (app: string, opts: DbFlags & { json?: boolean }) => {
    await withClient(opts, async (client) => {
      const report = await rolloutStatus(client, app);
      out(opts.json === true ? JSON.stringify(report, null, 2) : formatRolloutStatus(report, Date.now()));
    });
  });
  for (const [op, what] of [
    ['pause', 'freeze the weight; gates stop acting'],
    ['resume', 'continue a paused rollout (the step hold restarts)'],
    ['promote', 'make the canary the stable version for everyone'],
    ['abort', 'send all traffic back to the stable version'],
  ] as const) {
    withDbFlags(rollout.command(op).argument('<app>', 'the app, <project>/<app>', appRefArgument).description(what)).action(async (app: string, opts: DbFlags) => {
      await withClient(opts, async (client) => {
        const r = await operate(client, app, op as Operation, Date.now());
        out(`${r.appId}: ${r.status}, ${r.model} stable ${r.stable}, canary ${r.canary} at ${r.weightPct} %`);
      });
    });
  }
  withDbFlags(
    rollout.command('run').description('the rollout controller: evaluate gates and move steps every --interval-ms')
      .option('--interval-ms <ms>', 'gate interval', '5000')
      .option('--log-level <level>', 'pino level', logLevelArgument, 'info'),
  ).action(async (opts: DbFlags & { intervalMs: string; logLevel: string }) => {
    const interval = Number(opts.intervalMs);
    if (!Number.isInteger(interval) || interval < 10 || interval > 3_600_000) {
      throw new UsageError(`--interval-ms must be a whole number in 10..3600000, got '${opts.intervalMs}'`);
    }
    const logger = pino({ level: opts.logLevel, base: { component: 'rollout-controller' } });
    const store = openDb(opts, process.env);
    try {
      // An unmigrated database fails the start (exit 1, "run `switchyard db migrate`"), not every interval.
      await guard('rollout run', () => store.client.execute('SELECT 1 FROM rollouts LIMIT 1'));
    } catch (err) {
      store.close();
      throw err;
    }
    const controller = startController(store.client, interval, logger);
    logger.info({ intervalMs: interval }, 'rollout controller started');
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void controller.stop().finally(() => {
          store.close();
          logger.info({ signal }, 'rollout controller stopped');
        });
      });
    }
  });
}
