/**
 * The in-region decision log writes each snapshot its rows name once per process, in the same
 * batch as the rows (the edge's rule, shared/decision/written-snapshots.ts); after a failed write
 * the retried rows carry their snapshots again. The database is a stand-in that records batches.
 */
import { expect, test } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { InRegionDecisionLog, type InRegionDecisionRow } from './in-region-decision-log.ts';

const snap = (n: number) => ({ id: `snap-${n}`, json: `{"n":${n}}`, at: 0 });
const row = (id: string, n: number): InRegionDecisionRow => ({
  decision: { id, at: 60_000, appId: 'p/a', fn: 'chat', synthetic: false, outcome: 'routed', chosen: 'c1', reason: '', policyVersion: 'v', seed: 's', stale: false } as unknown as Decision,
  decisionUs: 1,
  input: () => ({ inputJson: `{"snapshotRef":"snap-${n}"}`, snapshot: snap(n) }),
});

test('a snapshot goes with the first committed batch naming it, and again after a failed one', async () => {
  const sent: string[][] = [];
  let fail = true;
  let now = 0;
  const log = new InRegionDecisionLog({
    batch: async (stmts) => {
      sent.push(stmts.filter((s) => s.sql.includes('decision_snapshots')).flatMap((s) => s.args.filter((_, i) => i % 3 === 0).map(String)));
      if (fail) {
        fail = false;
        throw new Error('database down');
      }
    },
  }, () => now, () => undefined);
  log.record(row('a', 1));
  log.record(row('b', 1));
  await log.flush(); // fails: nothing marked written
  now = 60_000; // past the backoff
  await log.flush(); // the retry carries snap-1 again
  log.record(row('c', 1));
  log.record(row('d', 2));
  await log.flush();
  expect(sent).toEqual([['snap-1'], ['snap-1'], ['snap-2']]);
});
