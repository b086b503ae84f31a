/**
 * The in-region decision log (10,000 rows buffered) drops from the bursting tenant when full. It
 * dropped from the app with the most rows: a project bursting through 20 apps held 20 shares,
 * and another project's rows (its explain, replay and outcome feedback) were dropped once they
 * outnumbered any one of those apps'. Now the project with the most rows loses one. The database
 * is a stand-in that records what it is sent.
 */
import { expect, test } from 'vitest';
import type { Decision } from '../../shared/decision/types.ts';
import { InRegionDecisionLog, type InRegionDecisionRow } from './in-region-decision-log.ts';

const row = (appId: string, n: number): InRegionDecisionRow => ({
  decision: { id: `${appId}-${n}`, at: 0, appId, fn: 'chat', synthetic: false, outcome: 'forward', chosen: 'c1', reason: '', policyVersion: 1, seed: 1, stale: false } as unknown as Decision,
  decisionUs: 1,
  input: () => ({ inputJson: '{}', snapshot: { id: 'snap', json: '{}', at: 0 } }),
});

test("a project bursting through 20 apps loses its own decision rows, never another project's", async () => {
  const appIds: unknown[] = [];
  const log = new InRegionDecisionLog({ batch: async (stmts) => void stmts.forEach((s) => appIds.push(...s.args)) }, () => 0, () => undefined);
  // Nothing is written while the burst arrives (no flush yet): 20,000 rows over 20 apps of p, and
  // 1,000 of q/b among them — more than any one of p's apps keeps (~450), far less than p's share.
  for (let i = 0; i < 20_000; i++) {
    log.record(row(`p/a${i % 20}`, i));
    if (i % 20 === 0) log.record(row('q/b', i));
  }
  await log.flush();
  expect(appIds.filter((a) => a === 'q/b')).toHaveLength(1_000);
  expect(appIds.filter((a) => typeof a === 'string' && /^p\/a\d+$/.test(a))).toHaveLength(10_000 - 1_000);
});
