import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decide, DEFAULT_POLICY, glanceAt, seededRng } from '../decision-port.ts';
import { recordFromNdjsonLine, recordToNdjsonLine } from '../decision-record.ts';
import { policyFromEnvText } from '../policy-file.ts';
import { briefOf, type ReplayRecord } from './lazy-record.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { replayNdjsonParallel, workerBoot } from './parallel-replay.ts';
import { makeRecords } from './record-fixtures.ts';
import { ReplayAccumulator, replayAll, type ReplayReport } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const records = makeRecords(2500, DEFAULT_POLICY, 'fast');
const file = join(dir, 'records.ndjson');
const same = (r: ReplayReport | null): unknown => (r === null ? null : { ...r, wallMs: 0, decisionsPerSecond: 0 });

async function fastRecords(): Promise<ReplayRecord[]> {
  const out: ReplayRecord[] = [];
  for await (const r of readNdjson(file)) out.push(r);
  return out;
}

describe('the fast replay path reproduces decisions exactly', () => {
  it("a decision's glance (what the replay reads instead of building the explanation) gives its explanation's chosen numbers", () => {
    for (const r of records) {
      const i = r.input;
      const d = decide(i.request, i.snapshot, i.policy, { now: i.now, seed: i.seed, decisionId: r.decision.id, staleSnapshot: false, rng: seededRng(i.seed) });
      const g = glanceAt(d);
      const brief = briefOf(d);
      expect({ latency: g.chosenEstimatedLatencyMs, price: g.chosenPricePerHour }).toEqual({ latency: brief.chosenLatencyMs, price: brief.chosenPricePerHour });
      expect(d).toEqual(r.decision);
    }
  });

  it('the lazy NDJSON reader gives the same records as a whole-line parse, with a brief equal to the decision', async () => {
    await writeNdjson(file, records);
    const fast = await fastRecords();
    expect(fast).toHaveLength(records.length);
    for (let k = 0; k < fast.length; k++) {
      const f = fast[k];
      const slow = recordFromNdjsonLine(recordToNdjsonLine(records[k] ?? (records[0] as never)), `line ${k}`);
      if (f === undefined) throw new Error('missing record');
      expect(f.brief).toEqual(briefOf(slow.decision));
      expect(f.decision).toEqual(slow.decision);
      expect(f.input).toEqual(slow.input);
      expect(f.outcomes).toEqual(slow.outcomes);
    }
  }, 180_000); // 2,500 whole-record deep compares: ~5 s idle, 45 s on this shared 2-core machine at load 20

  it('verifies whole decisions through the fast reader on 2 threads: every one identical, report as on 1 thread', async () => {
    const opts = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;
    const two = await replayNdjsonParallel({ file, opts, threads: 2 });
    expect(two?.records).toBe(2500);
    expect(two?.identical).toBe(2500);
    expect(two?.moved).toBe(0);
    expect(same(two)).toEqual(same(replayAll(await fastRecords(), opts)));
  });

  it('an altered policy gives the same report lean on 3 threads as verified on 1 (moves, costs, latencies, series)', async () => {
    const policy = policyFromEnvText('ROUTE_LATENCY_VALUE_USD=0', 'test.env');
    const lean = await replayNdjsonParallel({ file, opts: { policy, strategy: null, assumedDurationMs: 1000, verify: false }, threads: 3 });
    const acc = new ReplayAccumulator({ policy, strategy: null, assumedDurationMs: 1000, verify: false });
    for (const r of records) acc.add(r);
    const full = acc.report();
    expect(lean?.moved).toBeGreaterThan(0);
    expect(same(lean)).toEqual(same(full));
  });
});

describe('replay threads start without a TypeScript loader', () => {
  // Booting tsx in each thread cost ~1 s of CPU per thread (a loader thread, every module compiled
  // again); the worker now runs as one esbuild bundle. A module with import.meta in the worker's
  // imports, or esbuild gone from tsx, would silently bring the slow boot back.
  it('the worker is one plain-JS bundle', async () => {
    const boot = await workerBoot();
    expect(boot.via).toBe('bundle');
    expect(boot.code).not.toMatch(/tsx/);
  });
});
