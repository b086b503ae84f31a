/**
 * Decision rows name their snapshot, stored once by content in `decision_snapshots` (migration
 * 30), against REAL libSQL: a database of such rows replays every decision exactly; so does one
 * whose older rows still carry their snapshot inline (written before the migration) beside newer
 * ones naming theirs; and each distinct snapshot is stored once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import type { DecisionRecord } from '../decision-record.ts';
import { MIGRATIONS } from '../../shared/schema/migrations.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { insertRecords, makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import { replayAll } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'stored-snapshots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opts = { policy: null, strategy: null, assumedDurationMs: 1000, verify: true } as const;
// Every 7th decision on the first snapshot again: a snapshot named across many pages.
const records = makeRecords(600, DEFAULT_POLICY, 'stored', 1_750_000_000_000, 7);

async function collect(it: AsyncIterable<DecisionRecord>): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('decision rows naming a stored snapshot', () => {
  it('store each distinct snapshot once and replay every decision exactly', async () => {
    const url = `file:${join(dir, 'referenced.db')}`;
    await writeRecordsToDb(url, records);
    const db = createClient({ url });
    const counts = await db.execute(`SELECT (SELECT count(*) FROM decision_snapshots) AS snapshots,
      (SELECT count(DISTINCT snapshot_id) FROM decisions) AS named, (SELECT count(*) FROM decisions WHERE input_json LIKE '%"snapshot":%') AS inline`);
    db.close();
    // A new snapshot every 20 decisions: 30.
    expect(counts.rows[0]).toMatchObject({ snapshots: 30, named: 30, inline: 0 });
    const back = await collect(readRecordsFromDb({ url, pageSize: 37 }));
    expect(back.map((r) => r.decision.id)).toEqual(records.map((r) => r.decision.id));
    const report = replayAll(back, opts);
    expect(report.identical).toBe(600);
    expect(report.moved).toBe(0);
  });

  it('replay a database whose older rows carry their snapshot inline beside newer rows naming theirs', async () => {
    const url = `file:${join(dir, 'upgraded.db')}`;
    const db = createClient({ url });
    try {
      for (const m of MIGRATIONS) for (const sql of m.statements) await db.execute(sql);
      await insertRecords(db, records.slice(0, 300), 'inline');
      await insertRecords(db, records.slice(300), 'referenced');
      const inline = await db.execute('SELECT count(*) AS n FROM decisions WHERE snapshot_id IS NULL');
      expect(inline.rows[0]?.['n']).toBe(300);
    } finally {
      db.close();
    }
    const report = replayAll(await collect(readRecordsFromDb({ url, pageSize: 97 })), opts);
    expect(report.records).toBe(600);
    expect(report.identical).toBe(600);
  });

  it('say which snapshot is missing when a row names one the database lacks', async () => {
    const url = `file:${join(dir, 'missing.db')}`;
    await writeRecordsToDb(url, records.slice(0, 20));
    const db = createClient({ url });
    await db.execute('DELETE FROM decision_snapshots');
    db.close();
    await expect(collect(readRecordsFromDb({ url }))).rejects.toThrow(/names snapshot \S+:[0-9a-f]{16}-\w+, which is not in decision_snapshots/);
  });
});
