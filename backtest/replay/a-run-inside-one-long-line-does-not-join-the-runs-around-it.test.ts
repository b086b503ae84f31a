/**
 * A replay thread's run of blocks can hold no line start at all: every byte of it inside one long
 * line that began in another thread's block (a snapshot of a big fleet, longer than a block). The
 * reader gives no chunk for it, so the thread never enters it; the run after it used to be judged
 * to follow it, and the decoder kept the snapshots of the thread's earlier, distant run: in files
 * joined with `cat`, where that long line redefines a snapshot id, records were replayed on the
 * other part's snapshot (53 of 131 here). Found in session 39's review.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { makeRecords } from './record-fixtures.ts';
import { ReplayAccumulator } from './replay-engine.ts';
import { claimSlots, NEXT_BLOCK, replayShare } from './replay-share.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-empty-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const joined = join(dir, 'joined.ndjson');
const verify = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;
const B = 64 * 1024;
let longLineAt = 0;

beforeAll(async () => {
  const a = join(dir, 'a.ndjson');
  const b = join(dir, 'b.ndjson');
  await writeNdjson(a, makeRecords(60, DEFAULT_POLICY, 'part-a', 1_750_000_000_000, 3));
  await writeNdjson(b, makeRecords(120, DEFAULT_POLICY, 'part-b', 1_760_000_000_000, 3));
  const ta = readFileSync(a, 'utf8');
  // Part b's first line (snapshot s1, again) made longer than two blocks: a big app, say.
  const tb = readFileSync(b, 'utf8').replace('"snapshot":{"app":{', `"snapshot":{"app":{"note":"${'x'.repeat(3 * B)}",`);
  longLineAt = Buffer.byteLength(ta);
  writeFileSync(joined, ta + tb);
}, 120_000);

it('in order: every decision identical (the check below can fail)', async () => {
  const acc = new ReplayAccumulator(verify);
  for await (const r of readNdjson(joined)) acc.add(r);
  expect(acc.report()).toMatchObject({ records: 180, identical: 180 });
});

it('a thread that takes block 0, then (another thread having taken up to k - 1) block k, wholly inside the long line, then k + 1 on: every record it replays is identical', async () => {
  const size = statSync(joined).size;
  const k = Math.floor(longLineAt / B) + 1; // first block wholly inside the long line
  expect((k + 1) * B).toBeLessThanOrEqual(longLineAt + 3 * B);
  const claims = new Int32Array(claimSlots(0));
  let calls = 0;
  const job = {
    file: joined, opts: verify, size, blockBytes: B,
    // claimNext reads job.threads on every claim: stand in for the other thread's claims there.
    get threads(): number {
      calls++;
      if (calls === 1) return 1000; // run [0]
      if (calls === 2) { Atomics.store(claims, NEXT_BLOCK, k); return 1000; } // other thread took [1, k); this one gets [k]
      return 2; // [k+1, …) and on
    },
  };
  const r = await replayShare(job, claims);
  if (r.kind !== 'partial') throw new Error(r.kind);
  expect(r.partial.n).toBeGreaterThan(100);
  expect(r.partial.identical).toBe(r.partial.n);
}, 120_000);
