/**
 * The edge's decision sink writes each snapshot its rows name once per isolate, in the same batch
 * as the rows (migration 30), into the real libSQL the tests run against; a batch that failed
 * leaves its snapshots unmarked, so the retry carries them again.
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { libsqlDecisionSink } from '../src/decision-sink.ts';
import type { Client } from '../src/libsql.ts';
import type { DecisionRow } from '../src/decision-log.ts';
import { mainDb } from './helpers.ts';

const snap = (n: number) => ({ id: `sink-test-snap-${n}`, json: `{"n":${n}}`, at: 1 });
const row = (id: string, n: number): DecisionRow => ({
  decision: { id, at: Date.now(), appId: 'sinktest/app', fn: 'f', synthetic: false, outcome: 'routed', chosen: null, reason: 'r', policyVersion: 'v', seed: 's', stale: false } as unknown as Decision,
  decisionUs: 1,
  inputJson: `{"v":1,"request":{"client":{"colo":"DUB"}},"snapshotRef":"${snap(n).id}"}`,
  snapshot: snap(n),
});

/** The real client, recording what each batch sent; `fail` makes the next batch throw before sending. */
function recording(db: Client): { client: Client; sent: string[][]; failNext: () => void } {
  const sent: string[][] = [];
  let fail = false;
  const client = {
    batch: async (stmts: Array<{ sql: string; args: unknown[] }>, mode: 'write') => {
      sent.push(stmts.filter((s) => s.sql.includes('decision_snapshots')).flatMap((s) => s.args.filter((a, i) => i % 3 === 0).map(String)));
      if (fail) {
        fail = false;
        throw new Error('database down');
      }
      return db.batch(stmts as Parameters<Client['batch']>[0], mode);
    },
  } as unknown as Client;
  return { client, sent, failNext: () => (fail = true) };
}

describe('edge decision sink', () => {
  it('writes a snapshot with the first committed batch naming it, and again only after a failure', async () => {
    const db = mainDb();
    try {
      const r = recording(db);
      const sink = libsqlDecisionSink(r.client, 5_000);
      await sink([row('sink-a', 1), row('sink-b', 1), row('sink-c', 2)]);
      await sink([row('sink-d', 1)]);
      r.failNext();
      await expect(sink([row('sink-e', 3)])).rejects.toThrow('database down');
      await sink([row('sink-e', 3), row('sink-f', 2)]);
      expect(r.sent).toEqual([[snap(1).id, snap(2).id], [], [snap(3).id], [snap(3).id]]);
      const rs = await db.execute(`SELECT d.id, s.json FROM decisions d JOIN decision_snapshots s ON s.id = d.snapshot_id WHERE d.id LIKE 'sink-%' ORDER BY d.id`);
      expect(rs.rows.map((x) => [x['id'], x['json']])).toEqual([
        ['sink-a', '{"n":1}'], ['sink-b', '{"n":1}'], ['sink-c', '{"n":2}'], ['sink-d', '{"n":1}'], ['sink-e', '{"n":3}'], ['sink-f', '{"n":2}'],
      ]);
    } finally {
      db.close();
    }
  });
});
