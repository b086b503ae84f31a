import { readFile, rm } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Policy } from '../../../shared/decision/types.ts';
import { STRATEGIES, type StrategyName } from '../../../shared/domain/types.ts';
import { redactDatabaseUrl } from '../../../shared/errors/database-unreachable.ts';
import type { DecisionRecord } from '../../../backtest/decision-record.ts';
import { BacktestError } from '../../../backtest/errors.ts';
import { noRouteVariableNote, parseEnvFile, policyFromEnv } from '../../../backtest/policy-file.ts';
import { appsWithDecisionsInFile, logFactsInDb, noDecisions } from '../../../backtest/replay/apps-with-decisions.ts';
import { countRecordLines, readNdjson, writeNdjson } from '../../../backtest/replay/ndjson.ts';
import { isGzipFile } from '../../../backtest/replay/gzip-lines.ts';
import type { DbQuery } from '../../../backtest/replay/read-records-db.ts';
import { canarySummaryText } from '../../../backtest/replay/canary-replay.ts';
import { canSplit, defaultThreads, replayNdjsonParallel, serialScavenges, serialScavengesPay } from '../../../backtest/replay/parallel-replay.ts';
import { ReplayAccumulator, type ReplayReport } from '../../../backtest/replay/replay-engine.ts';
import { replayHtml, replaySummaryText } from '../../../backtest/report/replay-report.ts';
import { defaultReportDir, prepareReportDir, writeReport } from '../../../backtest/report/write-report.ts';
import { withDbFlags } from '../../config/db-flags.ts';
import { appRefArgument } from '../app-ref-argument.ts';
import { decisionSource } from '../decision-source.ts';
import { EXIT } from '../exit-codes.ts';
import { describeCommand } from '../command-index.ts';

interface ReplayFlags {
  db?: string;
  authToken?: string;
  input?: string;
  app?: string;
  since?: string;
  limit?: string;
  policy?: string;
  strategy?: string;
  assumeDurationMs: string;
  out?: string;
  exportNdjson?: string;
  verify: boolean;
  threads?: string;
  allowEmpty?: boolean;
}

/** `switchyard replay`: re-run logged decisions under a changed policy/strategy and report the difference. */
export function register(program: Command): void {
  withDbFlags(
    program
      .command('replay')
      .description(describeCommand('replay')),
  )
    .option('--input <file.ndjson>', 'read decision records from NDJSON instead of the database (gzip-compressed too, e.g. file.ndjson.gz: read in order on one thread)')
    .option('--app <project/app>', 'only this app', appRefArgument)
    .option('--since <time>', 'only decisions at/after this time (ISO 8601 or ms since epoch)')
    .option('--limit <n>', 'at most n decisions')
    .option('--policy <file.env>', 'altered policy as ROUTE_*=value lines (the Worker vars)')
    .option('--strategy <name>', `force a strategy on every app (${STRATEGIES.join(', ')})`)
    .option('--assume-duration-ms <ms>', 'request duration for cost when no outcome was recorded', '1000')
    .option('--out <dir>', 'report folder (default reports/<timestamp>/)')
    .option('--export-ndjson <file>', 'only export the selected records as NDJSON, no replay (a name ending .gz writes it gzip-compressed)')
    .option('--no-verify', 'skip whole-decision comparison (it is on by default when nothing is altered)')
    .option('--allow-empty', 'a selection with no decisions is not an error: say so on stderr and exit 0 (an export writes an empty file, a replay no report), e.g. for a scheduled export of a quiet window')
    .addHelpText('after', `\nExit status ${EXIT.refused}: some decisions break a hard constraint (residency, …) under the altered policy.`)
    .option('--threads <n>', 'with --input and no --limit: threads sharing the records, this one included (default: one per core it may use, a container CPU limit included; each reads only its own byte blocks of the file; same report for any count)')
    .action(async (opts: ReplayFlags) => {
      const source = sourceOf(opts);
      if (opts.exportNdjson !== undefined) {
        const n = await writeNdjson(opts.exportNdjson, source.records());
        try {
          await refuseEmptySelection(n, opts);
        } catch (err) {
          await rm(opts.exportNdjson, { force: true }); // a refused export leaves no file
          throw err;
        }
        process.stdout.write(`exported ${n} decision records to ${opts.exportNdjson}\n`);
        return;
      }
      const policy = opts.policy === undefined ? null : await policyOfFile(opts.policy);
      const strategy = parseStrategy(opts.strategy);
      const ropts = {
        policy,
        strategy,
        assumedDurationMs: positiveNumber(opts.assumeDurationMs, '--assume-duration-ms'),
        verify: opts.verify && policy === null && strategy === null,
        ...(opts.policy === undefined ? {} : { policySource: opts.policy }),
      };
      const threads = opts.threads === undefined ? defaultThreads() : wholeNumber(opts.threads, '--threads', MAX_THREADS);
      if (opts.out !== undefined) await prepareReportDir(opts.out);
      // The bar's library is loaded only when there is a terminal to draw it on.
      const bar = process.stderr.isTTY ? new (await import('cli-progress')).SingleBar({ stream: process.stderr, format: 'replay [{bar}] {value}/{total} {eta}s' }) : null;
      // A file without --limit is read by the block reader (on one thread it replays every record in
      // order: any strategy, canary notes too). Threads do not merge the policy-canary side-by-side
      // report: a file with canary notes (null) replays on one.
      // A gzip-compressed file has no byte blocks to share out: it is read in order, on this thread.
      const compressed = opts.input !== undefined && (await isGzipFile(opts.input));
      if (compressed && opts.threads !== undefined && Math.floor(threads) > 1) {
        process.stderr.write(`replay: ${opts.input ?? ''} is gzip-compressed, so it is read in order on one thread (--threads shares out plain NDJSON files)\n`);
      }
      if (opts.input !== undefined && !compressed && opts.limit === undefined && (Math.floor(threads) === 1 || canSplit(strategy))) {
        const since = opts.since === undefined ? undefined : parseSince(opts.since);
        bar?.start(await source.count(), 0);
        if (serialScavengesPay(Math.floor(threads))) serialScavenges();
        const report = await replayNdjsonParallel(
          {
            file: opts.input,
            opts: ropts,
            threads: Math.floor(threads),
            ...(opts.app === undefined ? {} : { app: opts.app }),
            ...(since === undefined ? {} : { since }),
          },
          bar === null ? undefined : (n) => bar.update(n),
        );
        bar?.stop();
        if (report !== null) {
          if (await refuseEmptySelection(report.records, opts)) await finish(report, opts.out);
          return;
        }
      }
      const acc = new ReplayAccumulator(ropts);
      bar?.start(await source.count(), 0);
      let n = 0;
      // Without verify the replay reads each recorded decision's brief, never its whole explanation.
      for await (const r of source.records({ briefOnly: !ropts.verify })) {
        acc.add(r);
        if (++n % 5000 === 0) bar?.update(n);
      }
      bar?.update(n);
      bar?.stop();
      if (await refuseEmptySelection(n, opts)) await finish(acc.report(), opts.out);
    });
}

/**
 * A selection (`--app`, `--since`, or a log with none) that matched no decision is an error naming
 * the filter, the source and what the log holds (exit 1), not an empty report: a mistyped app id
 * or date must not read as "nothing moved". With `--allow-empty` (a scheduled export of a window
 * that may be quiet) the same words are a note on stderr and the command succeeds. True when there
 * were decisions to report.
 */
async function refuseEmptySelection(n: number, opts: ReplayFlags): Promise<boolean> {
  if (n > 0) return true;
  const from = decisionSource(opts, process.env);
  const sel = { app: opts.app, since: opts.since === undefined ? undefined : { text: opts.since, at: parseSince(opts.since) } };
  const e = 'input' in from ? noDecisions(sel, from.input, { apps: await appsWithDecisionsInFile(from.input) }) : noDecisions(sel, redactDatabaseUrl(from.db.url), await logFactsInDb(from.db, opts.app));
  if (opts.allowEmpty !== true) throw e;
  if (e.code === 'unknown-app') {
    const why = 'input' in from ? 'the file holds no decision of that app at any time' : 'the log holds no decision of that app at any time and its configuration has no such app';
    throw new BacktestError('unknown-app', `${e.message} (--allow-empty forgives a quiet window, not an app id that may be misspelt: ${why})`);
  }
  process.stderr.write(`replay: ${e.message} (--allow-empty: not an error${opts.exportNdjson === undefined ? ', no report written' : ''})\n`);
  return false;
}

async function finish(report: ReplayReport, out: string | undefined): Promise<void> {
  const text = replaySummaryText(report) + (report.canary === null ? '' : canarySummaryText(report.canary));
  process.stdout.write(text);
  const dir = out ?? defaultReportDir(new Date());
  const files = await writeReport(dir, { json: report, html: replayHtml(report), text });
  process.stdout.write(`\nreport: ${files.join(', ')}\n`);
  if (report.violations.afterTotal > 0) {
    process.stderr.write(`replay: ${report.violations.afterTotal} decisions break a hard constraint under the altered policy\n`);
    process.exitCode = EXIT.refused;
  }
}

/** `briefOnly`: the caller reads only each record's brief (libSQL then never fetches explanations; NDJSON decodes them lazily anyway). */
function sourceOf(opts: ReplayFlags): { records: (read?: { briefOnly: boolean }) => AsyncIterable<DecisionRecord>; count: () => Promise<number> } {
  const from = decisionSource(opts, process.env);
  const limit = opts.limit === undefined ? undefined : wholeNumber(opts.limit, '--limit', Number.MAX_SAFE_INTEGER);
  const since = opts.since === undefined ? undefined : parseSince(opts.since);
  if ('input' in from) {
    const file = from.input;
    return {
      // The replay and the export each finish a record before they take the next: reuse the read buffers.
      records: () => filtered(readNdjson(file, undefined, { recycle: true }), opts.app, since, limit),
      count: () => countRecordLines(file),
    };
  }
  const q = {
    url: from.db.url,
    ...(from.db.authToken === undefined ? {} : { authToken: from.db.authToken }),
    requestTimeoutMs: from.db.requestTimeoutMs,
    requestTimeoutSetting: from.db.requestTimeoutSetting,
    ...(opts.app === undefined ? {} : { app: opts.app }),
    ...(since === undefined ? {} : { since }),
    ...(limit === undefined ? {} : { limit }),
  };
  return { records: (read) => recordsFromDb({ ...q, briefOnly: read?.briefOnly ?? false }), count: async () => (await dbReader()).countRecords(q) };
}

/** The database reader, loaded only when the records come from a database: it brings the libSQL client (~0.1 s to load). */
const dbReader = (): Promise<typeof import('../../../backtest/replay/read-records-db.ts')> => import('../../../backtest/replay/read-records-db.ts');

async function* recordsFromDb(q: DbQuery): AsyncGenerator<DecisionRecord> {
  yield* (await dbReader()).readRecordsFromDb(q);
}

async function* filtered(src: AsyncIterable<DecisionRecord>, app: string | undefined, since: number | undefined, limit: number | undefined): AsyncGenerator<DecisionRecord> {
  let n = 0;
  for await (const r of src) {
    if (limit !== undefined && n >= limit) return;
    if (app !== undefined && r.decision.appId !== app) continue;
    if (since !== undefined && r.decision.at < since) continue;
    n++;
    yield r;
  }
}

/** The --policy file's policy, noting on stderr a file that sets no ROUTE_* variable (the defaults, then). */
async function policyOfFile(file: string): Promise<Policy> {
  const lines = parseEnvFile(await readText(file), file);
  const policy = policyFromEnv(lines, file);
  const note = noRouteVariableNote(lines, file);
  if (note !== null) process.stderr.write(`replay: ${note}\n`);
  return policy;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new BacktestError('input-read', `cannot read ${file}: ${(err as Error).message}`);
  }
}

function parseStrategy(s: string | undefined): StrategyName | null {
  if (s === undefined) return null;
  if (!(STRATEGIES as readonly string[]).includes(s)) {
    throw new BacktestError('bad-option', `--strategy ${s}: expected one of ${STRATEGIES.join(', ')}`);
  }
  return s as StrategyName;
}

function parseSince(s: string): number {
  const t = /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (!Number.isFinite(t)) throw new BacktestError('bad-option', `--since ${s}: expected an ISO 8601 time or ms since the epoch`);
  return t;
}

/**
 * Worker threads a replay may start: each is an isolate with its own heap and compile (tens of MB),
 * and beyond the cores they only compete (`--threads 1e12` died allocating).
 */
const MAX_THREADS = 256;

/** A count: `--limit 2.5` failed inside libSQL (SQLITE_MISMATCH), `--threads 0.5` ran. */
function wholeNumber(s: string, flag: string, max: number): number {
  const n = /^\d+$/.test(s.trim()) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw new BacktestError('bad-option', `${flag} ${s}: expected a whole number from 1 to ${max}`);
  return n;
}

function positiveNumber(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isFinite(n) || n <= 0) throw new BacktestError('bad-option', `${flag} ${s}: expected a positive number`);
  return n;
}
