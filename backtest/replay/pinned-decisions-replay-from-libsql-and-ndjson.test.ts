/**
 * A job-pinned decision's pin is the request's own: a row naming its shared snapshot keeps the
 * pin beside the reference (libSQL, migration 30), and so does its NDJSON export (the snapshot
 * line is shared by every record; it used to lose the pin, so an exported pinned decision no
 * longer replayed as pinned). Both replay every decision exactly, pinned ones included.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { AppSnapshot, JobPin } from '../../shared/domain/types.ts';
import { decide, seededRng } from '../../shared/decision/index.ts';
import { NOW, cluster, policy, request, snapshot, state } from '../../shared/decision/test-fixtures.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { writeRecordsToDb } from './record-fixtures.ts';
import { replayAll } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'pinned-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;

const pin = (n: number): JobPin => ({ keyHash: `${n}`.repeat(64).slice(0, 64), clusterId: 'us-1', endpoint: null, expiresAt: NOW + 60_000 });
const base = snapshot({ clusters: [cluster('eu-1', 'eu-west'), cluster('us-1', 'us-east')], states: [state('eu-1', { hotFree: 50, pricePerHour: 1 }), state('us-1', { hotFree: 1, pricePerHour: 9 })] });
// As the edge holds it: every live pin of the app in the one snapshot.
const live: AppSnapshot = { ...base, jobPins: new Map([1, 2, 3].map((n) => [pin(n).keyHash, pin(n)])) };

/** Every other request carries a job key with a live pin (to us-1); the rest go to the cheap eu-1. */
function records(): DecisionRecord[] {
  return Array.from({ length: 12 }, (_, i) => {
    const req = request({ jobKeyHash: i % 2 === 0 ? pin(1 + (i % 3)).keyHash : null });
    const seed = `pin-${i}`;
    const p = policy({ model: 'ttft' });
    const decision = decide(req, live, p, { now: NOW + i, rng: seededRng(seed), seed, decisionId: `d-${String(i).padStart(2, '0')}`, staleSnapshot: false });
    // The record holds the request's own pin only, as a replay reads it back.
    const own = req.jobKeyHash === null || req.jobKeyHash === undefined ? undefined : live.jobPins?.get(req.jobKeyHash);
    const snap = own === undefined ? base : { ...base, jobPins: new Map([[own.keyHash, own]]) };
    return { input: { request: req, snapshot: snap, policy: p, now: NOW + i, seed, staleSnapshot: false }, decision: { ...decision, at: NOW + i }, outcomes: [] };
  });
}

it('pinned decisions replay exactly from libSQL and from its NDJSON export, the pin kept with each record', async () => {
  const made = records();
  expect(made.filter((r) => r.decision.reason === 'pinned-job')).toHaveLength(6);
  const url = `file:${join(dir, 'pinned.db')}`;
  await writeRecordsToDb(url, made);
  const fromDb: DecisionRecord[] = [];
  for await (const r of readRecordsFromDb({ url })) fromDb.push(r);
  expect(fromDb.map((r) => r.input.snapshot.jobPins?.size ?? 0)).toEqual(made.map((r) => r.input.snapshot.jobPins?.size ?? 0));
  expect(replayAll(fromDb, opts)).toMatchObject({ records: 12, identical: 12, moved: 0 });

  const file = join(dir, 'pinned.ndjson');
  await writeNdjson(file, fromDb);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines.filter((l) => l.includes('"snapshotId"'))).toHaveLength(1);
  const fromFile: DecisionRecord[] = [];
  for await (const r of readNdjson(file)) fromFile.push(r);
  expect(fromFile.map((r) => r.input.snapshot.jobPins?.size ?? 0)).toEqual(made.map((r) => r.input.snapshot.jobPins?.size ?? 0));
  expect(replayAll(fromFile, opts)).toMatchObject({ records: 12, identical: 12, moved: 0 });
});
