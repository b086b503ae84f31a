import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { BacktestError } from '../../../backtest/errors.ts';
import { parseEnvFile, policyFromEnv } from '../../../backtest/policy-file.ts';
import { simMarkdownTable, simHtml, simSummaryText } from '../../../backtest/report/sim-report.ts';
import { defaultReportDir, prepareReportDir, writeReport } from '../../../backtest/report/write-report.ts';
import { parseScenario, SIM_STRATEGIES, type SimStrategy } from '../../../backtest/sim/scenario.ts';
import { simulate } from '../../../backtest/sim/simulate.ts';
import { describeCommand } from '../command-index.ts';

interface SimulateFlags {
  strategies?: string;
  hours?: string;
  tickSeconds?: string;
  rate?: string;
  seed?: string;
  policy?: string;
  out?: string;
  markdown?: boolean;
}

/** `switchyard simulate scenario.yaml`: the same traffic under each strategy, compared. */
export function register(program: Command): void {
  program
    .command('simulate')
    .description(describeCommand('simulate'))
    .argument('<scenario>', 'scenario YAML (see backtest/README.md and examples/scenarios/)')
    .option('--strategies <list>', `comma-separated subset of ${SIM_STRATEGIES.join(', ')}`)
    .option('--hours <h>', "override the scenario's durationHours (scale a run down or up)")
    .option('--tick-seconds <s>', 'override the arrival aggregation step')
    .option('--rate <rps>', 'override traffic.ratePerSecond')
    .option('--seed <seed>', "override the scenario's seed")
    .option('--policy <file.env>', "ROUTE_*=value lines merged over the scenario's policy (try a tuning)")
    .option('--out <dir>', 'report folder (default reports/<timestamp>/)')
    .option('--markdown', 'also print the table as Markdown (for BENCHMARKS.md)')
    .action(async (file: string, opts: SimulateFlags) => {
      const text = await readText(file);
      const parsed = parseScenario(text, file);
      const overrides = opts.policy === undefined ? [] : parseEnvFile(await readText(opts.policy), opts.policy);
      // Validate the file on its own first so errors carry its own line numbers.
      if (opts.policy !== undefined) policyFromEnv(overrides, opts.policy);
      const flagged = {
        ...(opts.hours === undefined ? {} : { durationHours: positive(opts.hours, '--hours') }),
        ...(opts.tickSeconds === undefined ? {} : { tickSeconds: positive(opts.tickSeconds, '--tick-seconds') }),
        ...(opts.seed === undefined ? {} : { seed: opts.seed }),
      };
      const rate = opts.rate === undefined ? {} : { ratePerSecond: positive(opts.rate, '--rate') };
      const merged = {
        ...parsed,
        policy: { ...parsed.policy, ...Object.fromEntries(overrides.map((l) => [l.key, l.value])) },
        ...flagged,
        traffic: { ...parsed.traffic, ...rate },
      };
      const scenario = withFlags(merged, opts);
      const strategies = opts.strategies === undefined ? undefined : parseStrategies(opts.strategies);
      if (opts.out !== undefined) await prepareReportDir(opts.out);
      const started = performance.now();
      const report = simulate(scenario, {
        ...(strategies === undefined ? {} : { strategies }),
        onStrategyDone: (r) => process.stderr.write(`simulate: ${r.strategy} done in ${(r.wallMs / 1000).toFixed(1)}s (${r.requests.toLocaleString('en-US')} requests, ${r.events.toLocaleString('en-US')} events)\n`),
      });
      const summary = `${simSummaryText(report)}total wall time ${((performance.now() - started) / 1000).toFixed(1)}s\n`;
      process.stdout.write(summary);
      if (opts.markdown === true) process.stdout.write(`\n${simMarkdownTable(report)}\n`);
      const dir = opts.out ?? defaultReportDir(new Date());
      const files = await writeReport(dir, { json: report, html: simHtml(report), text: summary });
      process.stdout.write(`\nreport: ${files.join(', ')}\n`);
    });
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  }
}

function parseStrategies(list: string): SimStrategy[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.filter((n) => !(SIM_STRATEGIES as readonly string[]).includes(n));
  if (bad.length > 0 || names.length === 0) {
    throw new BacktestError('bad-option', `--strategies: unknown ${bad.join(', ') || '(empty)'}; expected some of ${SIM_STRATEGIES.join(', ')}`);
  }
  return names as SimStrategy[];
}

/**
 * The file's rule that a tick fits in the run, for the flags that change either: `--tick-seconds
 * 1e9` was taken and reported 143 billion requests. (The rest of the file's rules stay the file's:
 * `--hours` may cut a run before its incidents and price changes.)
 */
function withFlags<T extends { durationHours: number; tickSeconds: number }>(merged: T, opts: SimulateFlags): T {
  if ((opts.hours !== undefined || opts.tickSeconds !== undefined) && merged.durationHours * 3600 < merged.tickSeconds) {
    throw new BacktestError('bad-option', `${opts.tickSeconds === undefined ? `--hours ${opts.hours}` : `--tick-seconds ${opts.tickSeconds}`}: a tick of ${merged.tickSeconds} s is longer than the run (${merged.durationHours} h)`);
  }
  return merged;
}

function positive(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new BacktestError('bad-option', `${flag} ${s}: expected a positive number`);
  return n;
}
