/**
 * Replay throughput: decisions re-run per second, in memory and end to end
 * from an NDJSON file and from a libSQL file database.
 * Run: npx tsx backtest/bench/replay-throughput.ts [records]
 * (the os load average is printed first: this machine's cores are shared)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { decide, DEFAULT_POLICY, seededRng } from '../decision-port.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { readNdjson, writeNdjson } from '../replay/ndjson.ts';
import { readRecordsFromDb } from '../replay/read-records-db.ts';
import { makeRecords, writeRecordsToDb } from '../replay/record-fixtures.ts';
import { defaultThreads, replayNdjsonParallel } from '../replay/parallel-replay.ts';
import { ReplayAccumulator, replayAll } from '../replay/replay-engine.ts';

const n = Number(process.argv[2] ?? 200_000);
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
  let t = performance.now();
  const acc = new ReplayAccumulator({ policy: altered, strategy: null, assumedDurationMs: 1000, verify: false });
  for await (const r of readNdjson(file)) acc.add(r);
  let ms = performance.now() - t;
  console.log(`NDJSON end to end, 1 thread: ${n} in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`);
  for (const threads of [...new Set([2, defaultThreads()])]) {
    t = performance.now();
    const rep = await replayNdjsonParallel({ file, opts: { policy: altered, strategy: null, assumedDurationMs: 1000, verify: false }, threads });
    ms = performance.now() - t;
    console.log(`NDJSON end to end, ${threads} threads: ${rep.records} in ${ms.toFixed(0)} ms = ${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s (same report as 1 thread: ${JSON.stringify({ ...rep, wallMs: 0, decisionsPerSecond: 0 }) === JSON.stringify({ ...acc.report(), wallMs: 0, decisionsPerSecond: 0 })})`);
  }
  const dbN = Math.min(n, 50_000);
  const url = `file:${join(dir, 'd.db')}`;
  await writeRecordsToDb(url, records.slice(0, dbN));
  t = performance.now();
  const acc2 = new ReplayAccumulator({ policy: altered, strategy: null, assumedDurationMs: 1000, verify: false });
  for await (const r of readRecordsFromDb({ url, pageSize: 5000 })) acc2.add(r);
  ms = performance.now() - t;
  console.log(`libSQL file end to end: ${dbN} in ${ms.toFixed(0)} ms = ${Math.round((dbN / ms) * 1000).toLocaleString('en-US')}/s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
