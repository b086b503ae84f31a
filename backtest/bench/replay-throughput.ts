/**
 * Replay throughput: decisions re-run per second, in memory and end to end
 * from an NDJSON file and from a libSQL file database.
 * Run: npx tsx backtest/bench/replay-throughput.ts [records]
 * The libSQL lines are per row form: `referenced` (since migration 30: input_json names the
 * snapshot, stored once in decision_snapshots) and `inline` (before it), with the bytes each
 * decision costs in the database, each replayed twice: reading every row's explanation (`whole`,
 * as a verifying replay must) and only each decision's brief (`brief`, as `replay --db` does
 * without verify).
 * (the os load average is printed first: this machine's cores are shared). Each end-to-end
 * line also gives decisions per CPU-second (process.cpuUsage, all threads): on a loaded
 * machine the wall-clock rate measures the other processes, the CPU rate measures replay.
 * The `switchyard replay` lines run the command in its own process, from source, as an operator
 * does (issue 16's bar is that command), and give the rate it prints: on the bench file (one
 * isolate's log) and on a log of 50 edge isolates interleaved in time order, as a fleet's is.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decide, DEFAULT_POLICY, seededRng } from '../decision-port.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { readNdjson, writeNdjson } from '../replay/ndjson.ts';
import { readRecordsFromDb } from '../replay/read-records-db.ts';
import { makeRecords, writeRecordsToDb, type RowForm } from '../replay/record-fixtures.ts';
import type { DecisionRecord } from '../decision-record.ts';
import type { Policy } from '../../shared/decision/types.ts';
import { createClient } from '@libsql/client';
import { defaultThreads, replayNdjsonParallel } from '../replay/parallel-replay.ts';
import { ReplayAccumulator, replayAll } from '../replay/replay-engine.ts';

const n = Number(process.argv[2] ?? 200_000);
/** Edge isolates in the fleet-shaped log (BENCHMARKS, replay session 39: two threads had replayed such a log slower than one). */
const ISOLATES = 50;

/** The operator's launcher (tsx from source). */
const CLI = fileURLToPath(new URL('../../bin/switchyard.js', import.meta.url));
const rate = (k: number, ms: number): string => Math.round((k / ms) * 1000).toLocaleString('en-US');
/** Wall time and CPU time (user + system, every thread of the process) of a run. */
async function timed<T>(f: () => Promise<T>): Promise<{ value: T; ms: number; cpuMs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await f();
  const c = process.cpuUsage(c0);
  return { value, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}
console.log(`${availableParallelism()} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
const dir = mkdtempSync(join(tmpdir(), 'replay-bench-'));
try {
  const records = makeRecords(n, DEFAULT_POLICY);
  // Ceiling: decide() alone over the same inputs, nothing else.
  const t0 = performance.now();
  for (const r of records) {
    const i = r.input;
    decide(i.request, i.snapshot, i.policy, { now: i.now, rng: seededRng(i.seed), seed: i.seed, decisionId: r.decision.id, staleSnapshot: false });
  }
  console.log(`decide() alone: ${Math.round((n / (performance.now() - t0)) * 1000).toLocaleString('en-US')}/s`);
  const altered = policyFromEnvText('ROUTE_WEIGHT_COST=0', 'bench.env');
  for (const [label, opts] of [
    ['in memory, unchanged + verify', { policy: null, strategy: null, assumedDurationMs: 1000, verify: true }],
    ['in memory, ROUTE_WEIGHT_COST=0', { policy: altered, strategy: null, assumedDurationMs: 1000, verify: false }],
  ] as const) {
    const r = replayAll(records, opts);
    console.log(`${label}: ${r.records} decisions in ${r.wallMs} ms = ${r.decisionsPerSecond.toLocaleString('en-US')}/s (moved ${r.moved})`);
  }
  const file = join(dir, 'records.ndjson');
  await writeNdjson(file, records);
  const lean = { policy: altered, strategy: null, assumedDurationMs: 1000, verify: false } as const;
  const acc = new ReplayAccumulator(lean);
  const one = await timed(async () => {
    for await (const r of readNdjson(file)) acc.add(r);
  });
  console.log(`NDJSON end to end, 1 thread: ${n} in ${one.ms.toFixed(0)} ms = ${rate(n, one.ms)}/s wall, ${rate(n, one.cpuMs)}/CPU-s`);
  for (const threads of [...new Set([2, defaultThreads()])]) {
    const par = await timed(() => replayNdjsonParallel({ file, opts: lean, threads }));
    const rep = par.value;
    if (rep === null) throw new Error('the bench file has no canary notes: threads never decline it');
    const same = JSON.stringify({ ...rep, wallMs: 0, decisionsPerSecond: 0 }) === JSON.stringify({ ...acc.report(), wallMs: 0, decisionsPerSecond: 0 });
    console.log(`NDJSON end to end, ${threads} threads: ${rep.records} in ${par.ms.toFixed(0)} ms = ${rate(n, par.ms)}/s wall, ${rate(n, par.cpuMs)}/CPU-s (same report as 1 thread: ${same})`);
  }
  // The command itself, as an operator runs it (its own process: the CLI turns parallel scavenges
  // off when its threads fill the cores, which a library caller never does); the rate it prints.
  writeFileSync(join(dir, 'lean.env'), 'ROUTE_WEIGHT_COST=0\n');
  for (const threads of [...new Set([1, defaultThreads()])]) cliRun(file, threads, dir, '');
  // A fleet's log: many edge isolates, each deciding on its own snapshot, exported in time order,
  // so consecutive records name different snapshots (the file above is one isolate's).
  const fleet = join(dir, 'fleet.ndjson');
  await writeNdjson(fleet, interleaved(ISOLATES, Math.ceil(n / ISOLATES)));
  for (const threads of [...new Set([1, defaultThreads()])]) cliRun(fleet, threads, dir, `, a log of ${ISOLATES} isolates`);
  const dbN = Math.min(n, 20_000);
  // Rows as written since migration 30 (each naming its snapshot, stored once) and before it (inline).
  for (const form of ['referenced', 'inline'] as const) await dbRun(form, records.slice(0, dbN), join(dir, `${form}.db`), altered);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes the records in one row form, says the bytes per decision, and replays them from the file. */
/** `switchyard replay --input file` in its own process, from source; prints the rate it printed. */
function cliRun(file: string, threads: number, dir: string, what: string): void {
  const out = execFileSync(process.execPath, [CLI, 'replay', '--input', file, '--policy', join(dir, 'lean.env'), '--threads', String(threads), '--out', join(dir, `report-${threads}`)], { encoding: 'utf8' });
  const printed = /replayed ([\d,]+) decisions .* \(([\d,]+)\/s\)/.exec(out);
  console.log(`switchyard replay --input${what}, ${threads} thread${threads === 1 ? '' : 's'} (from source): ${printed === null ? `no rate printed: ${out.slice(0, 200)}` : `${printed[1] ?? ''} at ${printed[2] ?? ''}/s as printed`}`);
}

/** `isolates` fixture runs of `per` records each, record by record in turn. */
function* interleaved(isolates: number, per: number): Generator<DecisionRecord> {
  const runs = Array.from({ length: isolates }, (_, i) => makeRecords(per, DEFAULT_POLICY, `isolate-${i}`, 1_750_000_000_000 + i));
  for (let j = 0; j < per; j++) for (const run of runs) if (run[j] !== undefined) yield run[j] as DecisionRecord;
}

async function dbRun(form: RowForm, records: readonly DecisionRecord[], path: string, policy: Policy): Promise<void> {
  const url = `file:${path}`;
  await writeRecordsToDb(url, records, form);
  const db = createClient({ url });
  const size = await db.execute(`SELECT (SELECT sum(length(input_json)) FROM decisions) AS input, (SELECT sum(length(explanation_json)) FROM decisions) AS explanation,
    (SELECT coalesce(sum(length(json)), 0) FROM decision_snapshots) AS snapshots, (SELECT count(*) FROM decision_snapshots) AS stored`);
  await db.execute('VACUUM');
  const pages = await db.execute('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()');
  db.close();
  const row: Record<string, unknown> = size.rows[0] ?? {};
  const per = (k: string): number => Math.round(Number(row[k]) / records.length);
  console.log(`libSQL ${form}: per decision input_json ${per('input')} B + explanation ${per('explanation')} B + its share of ${String(row['stored'])} stored snapshots ${per('snapshots')} B; database ${Math.round(Number(pages.rows[0]?.['bytes']) / records.length)} B/decision after VACUUM`);
  // `whole`: every row's explanation fetched (what a verifying replay needs); `brief`: only what this replay uses.
  const reports: string[] = [];
  for (const briefOnly of [false, true]) {
    const acc = new ReplayAccumulator({ policy, strategy: null, assumedDurationMs: 1000, verify: false });
    const run = await timed(async () => {
      for await (const r of readRecordsFromDb({ url, pageSize: 5000, briefOnly })) acc.add(r);
    });
    reports.push(JSON.stringify({ ...acc.report(), wallMs: 0, decisionsPerSecond: 0 }));
    const same = briefOnly ? ` (same report as whole: ${String(reports[0] === reports[1])})` : '';
    console.log(`libSQL ${form} end to end, ${briefOnly ? 'brief' : 'whole'}: ${records.length} in ${run.ms.toFixed(0)} ms = ${rate(records.length, run.ms)}/s wall, ${rate(records.length, run.cpuMs)}/CPU-s${same}`);
  }
}
