/**
 * A drain reports twice (the draining row, then the last outcomes). Each store call has a 5 s
 * deadline, but a libSQL that is slow and still answers (4 s a call here) passes every deadline
 * while a report makes several calls in a row: the drain, and the deploy behind it, waited
 * 4 s × (proxy row + cluster health + each outcome batch) twice over. Now each report has its own
 * bound and the drain ends on time, saying what it could not write.
 *
 * Real libSQL (a file database); its answers are delayed, not faked.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { startProxy } from '../src/proxy.ts';
import { staticFileSource } from '../src/registry-sources.ts';
import { libsqlProxyStore, type ProxyStore } from '../src/store.ts';
import { APP, chatBody, rawRequest, startReplica, testConfig } from './harness.ts';

let db: TempStore;
let r0: SimCluster;

beforeAll(async () => {
  db = await openTempStore();
  r0 = await startReplica('c1', 'r0', { tokensPerSecond: 1000 });
});

afterAll(async () => {
  await r0.close();
  db.dispose();
});

const SLOW_MS = 4_000;
const slowly = <T>(work: () => Promise<T>): Promise<T> => new Promise((r) => setTimeout(r, SLOW_MS)).then(work);

test('a drain against a slow libSQL ends within its bounds and logs the outcomes it left', async () => {
  const real = libsqlProxyStore(db.client);
  let slow = false;
  const store: ProxyStore = {
    ...real,
    upsertProxy: (row) => (slow ? slowly(() => real.upsertProxy(row)) : real.upsertProxy(row)),
    upsertClusterHealth: (rows) => (slow ? slowly(() => real.upsertClusterHealth(rows)) : real.upsertClusterHealth(rows)),
    insertOutcomes: (rows) => (slow ? slowly(() => real.insertOutcomes(rows)) : real.insertOutcomes(rows)),
  };
  const config = await testConfig(await mkdtemp(join(tmpdir(), 'sy-slow-drain-')), { endpoints: [{ cluster: 'c1', url: r0.url }] });
  const logs: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (logs.push(String(chunk)), done()) });
  const proxy = await startProxy(config, { logger: pino({ level: 'warn' }, sink), store, source: staticFileSource(config.endpointsFile ?? '') });
  slow = true;
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody({ max_tokens: 2 }) });
  expect(r.status).toBe(200);
  const started = Date.now();
  await proxy.drain(500);
  // Before: five 4 s calls in a row (20 s). Now: 2 s + 5 s at most, plus the drain.
  expect(Date.now() - started).toBeLessThan(9_000);
  const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.find((l) => l['msg'] === 'could not mark draining in the store')).toBeDefined();
  expect(lines.find((l) => l['msg'] === 'the last outcomes were not all written before the drain ended')).toMatchObject({ outcomesUnwritten: 1 });
}, 30_000);
