/**
 * In-region decisions written by the real proxy's decision log into REAL libSQL name their
 * snapshot, stored once by content (migration 30), and `switchyard replay --db` re-decides every
 * one of them exactly from the database.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DecisionRecord } from '../../backtest/decision-record.ts';
import { readRecordsFromDb } from '../../backtest/replay/read-records-db.ts';
import { replayAll } from '../../backtest/replay/replay-engine.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const N = 12;
let upstream: Server;
let f: InRegionFixture;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  f = await startInRegionFixture(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => upstream.close(r));
});

it('every in-region decision in libSQL names a stored snapshot and replays exactly', async () => {
  for (let i = 0; i < N; i++) {
    const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status, await res.clone().text()).toBe(200);
    await res.text();
  }
  await waitFor(async () => {
    const rs = await f.client.execute("SELECT count(*) AS n FROM decisions WHERE app_id = 'acme/open'");
    return Number(rs.rows[0]?.['n']) === N;
  }, 'in-region decisions recorded');
  const rows = await f.client.execute(`SELECT d.input_json, d.snapshot_id, s.json FROM decisions d LEFT JOIN decision_snapshots s ON s.id = d.snapshot_id
    WHERE d.app_id = 'acme/open'`);
  for (const r of rows.rows) {
    expect(String(r['input_json'])).toContain(`"snapshotRef":"${String(r['snapshot_id'])}"`);
    expect(String(r['input_json'])).not.toContain('"snapshot":');
    expect(typeof r['json']).toBe('string');
  }
  // One snapshot per load, not per decision.
  const stored = await f.client.execute('SELECT count(*) AS n FROM decision_snapshots');
  expect(Number(stored.rows[0]?.['n'])).toBeLessThan(N);
  const back: DecisionRecord[] = [];
  for await (const r of readRecordsFromDb({ url: f.url, app: 'acme/open' })) back.push(r);
  expect(back).toHaveLength(N);
  expect(back.every((r) => r.input.origin?.scope === 'in-region')).toBe(true);
  const report = replayAll(back, { policy: null, strategy: null, assumedDurationMs: 1000, verify: true });
  expect(report.identical).toBe(N);
  expect(report.moved).toBe(0);
});
