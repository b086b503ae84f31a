import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@libsql/client';
import { afterAll, describe, expect, it } from 'vitest';
import { canaryNote, parseCanary } from '../../shared/canary/canary.ts';
import { decide, DEFAULT_POLICY, seededRng } from '../decision-port.ts';
import { serializeInput } from '../decision-record.ts';
import { promote, statusText } from '../../control/cli/commands/canary.ts';
import { readRecordsFromDb } from './read-records-db.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import { ReplayAccumulator } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'canary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Records from the last hour, every 20th turned into a canary decision of `overrides` (as the Worker writes it). */
async function dbWithCanary(name: string, overrides: Record<string, string>): Promise<string> {
  const url = `file:${join(dir, `${name}.db`)}`;
  const records = makeRecords(400, DEFAULT_POLICY, name, Date.now() - 3_600_000);
  await writeRecordsToDb(url, records);
  const parsed = parseCanary({ ROUTE_CANARY_PERCENT: '5', ROUTE_CANARY_POLICY: JSON.stringify(overrides) }, DEFAULT_POLICY);
  if (!parsed.ok || parsed.value === null) throw new Error('bad canary');
  const c = parsed.value;
  const db = createClient({ url });
  for (const r of records.filter((_, i) => i % 20 === 0)) {
    const i = r.input;
    const ctx = { now: i.now, seed: i.seed, decisionId: r.decision.id, staleSnapshot: false };
    const served = decide(i.request, i.snapshot, c.policy, { ...ctx, rng: seededRng(i.seed) });
    await db.execute({
      sql: 'UPDATE decisions SET policy_version = ?, chosen_cluster = ?, explanation_json = ?, input_json = ?, canary_json = ? WHERE id = ?',
      args: [c.policy.version, served.chosen, JSON.stringify(served), JSON.stringify(serializeInput({ ...i, policy: c.policy })), JSON.stringify(canaryNote(c, served, r.decision, DEFAULT_POLICY)), r.decision.id],
    });
  }
  db.close();
  return url;
}

describe('policy canary: replay shows both sides, status compares policies, promote is gated', () => {
  it('replay re-runs both policies of every canary record and reproduces both', async () => {
    const url = await dbWithCanary('replay', { ROUTE_POLICY_VERSION: 'cheap-v2', ROUTE_LATENCY_VALUE_USD: '0.0001' });
    const acc = new ReplayAccumulator({ policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
    for await (const r of readRecordsFromDb({ url })) acc.add(r);
    const rep = acc.report();
    expect(rep.identical).toBe(400);
    expect(rep.canary?.records).toBe(20);
    expect(rep.canary?.reproduced).toEqual({ candidate: 20, stable: 20 });
    expect(rep.canary?.agree).toBeLessThan(20);
    const status = await statusText({ url, authToken: undefined, sinceHours: '24' });
    expect(status).toMatch(/cheap-v2 \(candidate\)/);
    expect(status).toMatch(/^default /m);
  });

  it('refuses a candidate whose replayed p99 rises beyond the threshold, and prints the vars for one within it', async () => {
    const url = await dbWithCanary('promote', { ROUTE_POLICY_VERSION: 'cheap-v2', ROUTE_LATENCY_VALUE_USD: '0.0001' });
    const refused = await promote({ url, authToken: undefined, sinceHours: '24', maxP99Regression: '0.1' });
    expect(refused.ok).toBe(false);
    expect(refused.text).toContain('refusing to promote');
    expect(refused.text).toContain('p99 latency estimate rises');
    const allowed = await promote({ url, authToken: undefined, sinceHours: '24', maxP99Regression: '1000' });
    expect(allowed.ok).toBe(true);
    expect(allowed.text).toContain('ROUTE_POLICY_VERSION=cheap-v2\nROUTE_LATENCY_VALUE_USD=0.0001');
  });
});
