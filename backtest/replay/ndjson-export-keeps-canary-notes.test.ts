/**
 * A policy canary's notes (decisions.canary_json) survive an NDJSON export: `replay --export-ndjson`
 * writes them with their records, and both `switchyard replay --input` (side-by-side canary report)
 * and `switchyard canary status --input` read them back. Before, the export dropped them and a
 * replay of the file showed no canary at all.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { canaryNote, parseCanary } from '../../shared/canary/canary.ts';
import { decide, DEFAULT_POLICY, seededRng } from '../decision-port.ts';
import { serializeInput } from '../decision-record.ts';
import { statusText, statusTextFromRecords } from '../../control/cli/commands/canary.ts';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import { readNdjson, writeNdjson } from './ndjson.ts';
import { replayNdjsonParallel } from './parallel-replay.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import { ReplayAccumulator } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'canary-ndjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function dbWithCanary(): Promise<string> {
  const url = `file:${join(dir, 'canary.db')}`;
  const records = makeRecords(200, DEFAULT_POLICY, 'ndjson', Date.now() - 3_600_000);
  await writeRecordsToDb(url, records);
  const parsed = parseCanary({ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: JSON.stringify({ ROUTE_POLICY_VERSION: 'cheap-v2', ROUTE_LATENCY_VALUE_USD: '0.0001' }) }, DEFAULT_POLICY);
  if (!parsed.ok || parsed.value === null) throw new Error('bad canary');
  const c = parsed.value;
  const db = createClient({ url });
  for (const r of records.filter((_, i) => i % 20 === 0)) {
    const i = r.input;
    const served = decide(i.request, i.snapshot, c.policy, { now: i.now, seed: i.seed, decisionId: r.decision.id, staleSnapshot: false, rng: seededRng(i.seed) });
    await db.execute({
      sql: 'UPDATE decisions SET policy_version = ?, chosen_cluster = ?, explanation_json = ?, input_json = ?, canary_json = ? WHERE id = ?',
      args: [c.policy.version, served.chosen, JSON.stringify(served), JSON.stringify(serializeInput({ ...i, policy: c.policy })), JSON.stringify(canaryNote(c, served, r.decision, DEFAULT_POLICY)), r.decision.id],
    });
  }
  db.close();
  return url;
}

describe('an NDJSON export of a policy canary', () => {
  it('keeps every canary note, and replay and canary status read them back as from libSQL', async () => {
    const url = await dbWithCanary();
    const file = join(dir, 'export.ndjson');
    expect(await writeNdjson(file, readRecordsFromDb({ url }))).toBe(200);
    expect(readFileSync(file, 'utf8').match(/,"canary":\{/g)?.length).toBe(10);
    // Threads do not merge the canary report: the threaded replay declines (the CLI then replays on one).
    expect(await replayNdjsonParallel({ file, opts: { policy: null, strategy: null, assumedDurationMs: 1000, verify: true }, threads: 2 })).toBeNull();

    const fromDb = new ReplayAccumulator({ policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    for await (const r of readRecordsFromDb({ url })) fromDb.add(r);
    const fromFile = new ReplayAccumulator({ policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    for await (const r of readNdjson(file)) fromFile.add(r);
    const a = fromDb.report();
    const b = fromFile.report();
    expect(b.canary?.records).toBe(10);
    expect(b.canary?.reproduced).toEqual({ candidate: 10, stable: 10 });
    expect(b.canary).toEqual(a.canary);
    expect(b.identical).toBe(200);

    // The CLI asked for 2 threads replays such a file on one: the same canary report as --threads 1.
    const cli = async (threads: string): Promise<{ stdout: string }> => {
      const r = await runCliInProcess(['replay', '--input', file, '--threads', threads, '--out', join(dir, `out-${threads}`)]);
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    const untimed = (text: string): string => text.replace(/ in [\d,]+ ms \([\d,]+\/s\)/, '').replace(/\nreport: .*/s, '');
    const [two, one] = [await cli('2'), await cli('1')];
    expect(two.stdout).toMatch(/canary/i);
    expect(untimed(two.stdout)).toBe(untimed(one.stdout));

    const status = await statusTextFromRecords(readNdjson(file));
    expect(status).toMatch(/cheap-v2 \(candidate\)/);
    expect(status).toBe(await statusText({ url, authToken: undefined, sinceHours: '24' }));
  }, 120_000); // a threaded replay and two CLI runs drawing charts: allow for a loaded machine

  it('a file without canary decisions has no notes and replays as before', async () => {
    const file = join(dir, 'plain.ndjson');
    await writeNdjson(file, makeRecords(20, DEFAULT_POLICY, 'plain', Date.now()));
    const acc = new ReplayAccumulator({ policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    for await (const r of readNdjson(file)) acc.add(r);
    expect(acc.report().canary).toBeNull();
    const threaded = await replayNdjsonParallel({ file, opts: { policy: null, strategy: null, assumedDurationMs: 1000, verify: true }, threads: 2 });
    expect(threaded?.identical).toBe(20);
  });
});
