/**
 * The in-region path decides on, and records, an app's affinity header only as its hash, as the
 * edge does (shared/domain/affinity-key.ts): the header is client data (a session id, often a
 * user's) of any length Node lets through, and it went raw into every in-region decision record.
 * The same session still goes to the same cluster.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { hashAffinityKey } from '../../shared/domain/affinity-key.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { sampleApp } from '../../control/store/test-fixtures.ts';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

let upstream: Server;
let f: InRegionFixture;
const SESSION = `alice@example.com-${'x'.repeat(4_000)}`;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  f = await startInRegionFixture(url);
  // acme/open, now with sessions pinned by a header.
  await upsertApp(f.client, sampleApp('acme', 'open', { clusters: ['c1'], authRequired: false, requests: DEFAULT_REQUEST_RULES, affinityHeader: 'x-session' }), Date.now());
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => upstream.close(r));
});

it('records the hash of the affinity header, never the header itself', async () => {
  const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-session': SESSION }, body: '{}' });
  expect(res.status, await res.clone().text()).toBe(200);
  await res.text();
  let input = '';
  await waitFor(async () => {
    const rs = await f.client.execute("SELECT input_json FROM decisions WHERE app_id = 'acme/open'");
    input = String(rs.rows[0]?.['input_json'] ?? '');
    return rs.rows.length > 0;
  }, 'in-region decision recorded');
  expect(input).not.toContain('alice@example.com');
  expect(input.length).toBeLessThan(SESSION.length);
  expect(input).toContain(await hashAffinityKey(SESSION));
});
