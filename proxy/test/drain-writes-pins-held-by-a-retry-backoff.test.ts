/**
 * A drain writes the job pins this proxy has not written yet, even while their write waits out a
 * retry backoff. The drain used to wait only for a write in flight: after a failed write none is
 * (a timer waits to retry), so pins recorded just before the drain died with the process and the
 * job's next request, after the hand-off, went to any replica. A drain now writes them at once,
 * and says how many it could not write when libSQL is still down.
 *
 * Real libSQL (a file database); while "down", pin writes go to a real libSQL client whose server
 * refuses connections.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { jobKeyOf } from '../src/job-pins.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { staticFileSource } from '../src/registry-sources.ts';
import { openStoreClient } from '../src/store-client.ts';
import { libsqlProxyStore, type ProxyStore } from '../src/store.ts';
import { APP, chatBody, rawRequest, startReplica, testConfig, waitFor } from './harness.ts';

let db: TempStore;
let r0: SimCluster;
let refusedUrl: string;

beforeAll(async () => {
  db = await openTempStore();
  r0 = await startReplica('c1', 'r0', { tokensPerSecond: 1000 });
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((r) => closed.close(r)); // nothing listens there now: connections are refused
});

afterAll(async () => {
  await r0.close();
  db.dispose();
});

/** A proxy on the real store whose pin writes fail (libSQL down) until `up()`. */
async function proxyWithPinWritesDown(): Promise<{ proxy: RunningProxy; failures: () => number; up(): void; logs: string[] }> {
  const real = libsqlProxyStore(db.client);
  const downClient = await openStoreClient({ storeUrl: refusedUrl, storeAuthToken: null });
  if (downClient === null) throw new Error('no client');
  const down = libsqlProxyStore(downClient);
  let isDown = true;
  let failures = 0;
  const store: ProxyStore = {
    ...real,
    upsertJobPins: (rows) =>
      isDown ? down.upsertJobPins(rows).catch((err: unknown) => ((failures += 1), Promise.reject(err))) : real.upsertJobPins(rows),
  };
  const config = await testConfig(await mkdtemp(join(tmpdir(), 'sy-drain-pins-')), {
    endpoints: [{ cluster: 'c1', url: r0.url }],
    apps: [{ id: APP, requests: { jobKeyHeader: 'x-job-id' } }],
  });
  const logs: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
  const proxy = await startProxy(config, { logger: pino({ level: 'warn' }, sink), store, source: staticFileSource(config.endpointsFile ?? '') });
  return { proxy, failures: () => failures, up: () => (isDown = false), logs };
}

const pinned = async (job: string): Promise<boolean> => {
  const key = jobKeyOf({ 'x-job-id': job }, APP, 'x-job-id');
  if (!key.ok || key.hash === null) throw new Error('job key refused');
  const rs = await db.client.execute({ sql: 'SELECT endpoint FROM job_pins WHERE key_hash = ?', args: [key.hash] });
  return rs.rows.length === 1 && String(rs.rows[0]?.['endpoint']) === r0.url;
};

test('a drain during the pin write backoff writes the pin before the process ends', async () => {
  const { proxy, failures, up } = await proxyWithPinWritesDown();
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 2 }), headers: { 'x-job-id': 'job-a' } });
  expect(r.status).toBe(200);
  // Two failed writes: the retry now waits 1–2 s, longer than the drain takes.
  await waitFor(() => failures() >= 2, 'two failed pin writes', 4_000);
  up();
  await proxy.close();
  expect(await pinned('job-a')).toBe(true);
}, 15_000);

test('a drain while libSQL stays down ends on time and logs the pins it could not write', async () => {
  const { proxy, failures, logs } = await proxyWithPinWritesDown();
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 2 }), headers: { 'x-job-id': 'job-b' } });
  expect(r.status).toBe(200);
  await waitFor(() => failures() >= 1, 'a failed pin write', 4_000);
  const started = Date.now();
  await proxy.close();
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(await pinned('job-b')).toBe(false);
  const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['pinsUnwritten'] !== undefined && l['level'] === 40);
  expect(line).toMatchObject({ pinsUnwritten: 1 });
}, 15_000);
