import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { BacktestError } from '../errors.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { defaultThreads, replayNdjsonParallel } from './parallel-replay.ts';
import { makeRecords } from './record-fixtures.ts';
import { mergePartials, ReplayAccumulator, reportOf, type ReplayReport } from './replay-engine.ts';
import { claimNext, claimSlots, NEXT_BLOCK, replayShare, type ShareResult } from './replay-share.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-claims-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'records.ndjson');
const opts = { policy: policyFromEnvText('ROUTE_LATENCY_VALUE_USD=0', 'test.env'), strategy: null, assumedDurationMs: 1000, verify: false } as const;
const same = (r: ReplayReport | null): unknown => (r === null ? null : { ...r, wallMs: 0, decisionsPerSecond: 0 });
const RECORDS = 3172;
/** Blocks of 1 MB (~170 records of ~6 KB): about 19 in the file. */
const blockBytes = 1 << 20;
let oneThread: ReplayReport;
let blocks = 0;

beforeAll(async () => {
  await writeNdjson(file, makeRecords(RECORDS, DEFAULT_POLICY, 'claims'));
  blocks = Math.ceil(statSync(file).size / blockBytes);
  const acc = new ReplayAccumulator(opts);
  for await (const r of readNdjson(file)) acc.add(r);
  oneThread = acc.report();
}, 120_000);

describe('a run of blocks goes to the first thread that reaches it', () => {
  it.each([
    // [counter before, blocks in the file, threads claiming, run taken (null: none left), counter after]
    [0, 5, 1, { first: 0, count: 2 }, 2],
    [0, 64, 2, { first: 0, count: 16 }, 16], // a quarter of what is left for one of two threads
    [16, 64, 2, { first: 16, count: 12 }, 28],
    [60, 64, 2, { first: 60, count: 1 }, 61], // single blocks at the end
    [3, 5, 2, { first: 3, count: 1 }, 4],
    [4, 5, 2, { first: 4, count: 1 }, 5],
    [5, 5, 2, null, 5], // every block taken: the counter stays
    [9, 5, 2, null, 9],
  ])('counter at %i of %i blocks, %i thread(s): takes %j, counter then %i', (before, total, threads, taken, after) => {
    const claims = new Int32Array(claimSlots(0));
    claims[NEXT_BLOCK] = before;
    expect(claimNext(claims, total, threads)).toEqual(taken);
    expect(claims[NEXT_BLOCK]).toBe(after);
  });

  it('every block is taken exactly once, in runs that shorten: two threads start reading in a few places, not at every block', () => {
    const claims = new Int32Array(claimSlots(0));
    const taken: number[] = [];
    let runs = 0;
    for (let run = claimNext(claims, 64, 2); run !== null; run = claimNext(claims, 64, 2), runs++)
      for (let b = run.first; b < run.first + run.count; b++) taken.push(b);
    expect(taken).toEqual(Array.from({ length: 64 }, (_, b) => b));
    expect(runs).toBe(15);
  });

  it('two readers at once take every block once between them and add up to the one-thread report', async () => {
    const claims = new Int32Array(claimSlots(0));
    const [a, b] = (await Promise.all([replayShare({ file, opts, threads: 2, blockBytes }, claims), replayShare({ file, opts, threads: 2, blockBytes }, claims)])) as [ShareResult, ShareResult];
    if (a.kind !== 'partial' || b.kind !== 'partial') throw new Error('both shares should finish');
    expect(blocks).toBeGreaterThan(10);
    expect(a.blocks + b.blocks).toBe(blocks);
    // Each run is a place a thread starts reading and looks its snapshots up again: fewer runs than blocks.
    expect(a.runs + b.runs).toBeLessThan(blocks);
    expect(a.partial.n + b.partial.n).toBe(RECORDS);
    expect(same(reportOf(mergePartials([a.partial, b.partial]), opts, 0))).toEqual(same(oneThread));
  });

  it('workers alone (the calling thread taking none) give the one-thread report', async () => {
    const two = await replayNdjsonParallel({ file, opts, threads: 3, callerReplays: false, blockBytes });
    expect(two?.records).toBe(RECORDS);
    expect(same(two)).toEqual(same(oneThread));
  }, 60_000);

  it('the calling thread with a worker gives the one-thread report', async () => {
    expect(same(await replayNdjsonParallel({ file, opts, threads: 2, blockBytes }))).toEqual(same(oneThread));
  }, 60_000);

  it("progress on several threads counts every thread's records, ending at the file's count (the CLI's bar)", async () => {
    const seen: number[] = [];
    const two = await replayNdjsonParallel({ file, opts, threads: 2, blockBytes }, (n) => seen.push(n));
    expect(two?.records).toBe(RECORDS);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)).toBe(RECORDS);
    expect(seen.every((n, i) => i === 0 || n >= (seen[i - 1] ?? 0))).toBe(true);
  }, 60_000);

  it("a bad line in a worker's block fails the replay with its line number, not a hang or a partial report", async () => {
    const lines = readFileSync(file, 'utf8').split('\n');
    const bad = lines.findIndex((l, k) => k > 2_000 && l.startsWith('{"v":1,"decision"'));
    lines[bad] = `${lines[bad]?.slice(0, 200) ?? ''}`;
    const broken = join(dir, 'broken.ndjson');
    writeFileSync(broken, lines.join('\n'));
    // Two workers: a block's line number is not known to a thread that skipped the blocks before it.
    const run = replayNdjsonParallel({ file: broken, opts, threads: 3, callerReplays: false, blockBytes });
    await expect(run).rejects.toBeInstanceOf(BacktestError);
    await expect(run).rejects.toThrow(`broken.ndjson:${bad + 1}`);
  }, 60_000);

  it('an empty file is an empty report on any thread count', async () => {
    const empty = join(dir, 'empty.ndjson');
    writeFileSync(empty, '');
    for (const callerReplays of [true, false]) expect((await replayNdjsonParallel({ file: empty, opts, threads: 2, callerReplays, blockBytes }))?.records).toBe(0);
  }, 60_000);
});

describe('one thread', () => {
  it('replays every record in order through the block reader: a stateful strategy gives the report of a plain loop, progress is reported every 1,024 records', async () => {
    const roundRobin = { ...opts, strategy: 'round-robin' } as const;
    const seen: number[] = [];
    const one = await replayNdjsonParallel({ file, opts: roundRobin, threads: 1, blockBytes }, (n) => seen.push(n));
    const acc = new ReplayAccumulator(roundRobin);
    for await (const r of readNdjson(file)) acc.add(r);
    expect(same(one)).toEqual(same(acc.report()));
    expect(seen).toEqual([1024, 2048, 3072, RECORDS]);
  }, 60_000);
});

describe('the default thread count', () => {
  it.each([
    [1, 1],
    [2, 2],
    [4, 4],
    [0, 1],
  ])('%i cores: %i replay threads (one per core, at least one)', (cores, threads) => {
    expect(defaultThreads(cores)).toBe(threads);
  });
});
