/**
 * A libSQL request that never returns (a hung server, a half-open connection) no longer stalls a
 * proxy's job pins. Refreshes never overlap and pin writes run one at a time, so one such request
 * held every later refresh and write until undici's own timeouts, minutes later: pins written by
 * other processes (a drained proxy's jobs) were not read and this proxy's pins not written. Each
 * store call now has a deadline after which the loop moves on, and the client aborts an HTTP
 * request that goes unanswered, so the hung request is released too.
 *
 * Real libSQL (the hrana server over a database file), reached through a relay that can hang:
 * it accepts connections and never answers, until the test lets it forward again.
 */
import type { Client } from '@libsql/client';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { sampleApp, sampleCluster } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { JobPins } from '../src/job-pins.ts';
import { openStoreClient } from '../src/store-client.ts';
import { StoreDeadlineError } from '../src/store-deadline.ts';
import { libsqlProxyStore, type ProxyStore } from '../src/store.ts';
import { waitFor } from './harness.ts';
import { startLibsqlBehindRelay, type HungRelay, type LibsqlBehindRelay } from './hung-libsql-relay.ts';

const T = Date.now();
const PIN = { appId: 'p/a', clusterId: 'c1', endpoint: 'http://r1', proxyId: 'other', expiresAt: T + 600_000, updatedAt: T };
let db: LibsqlBehindRelay;
let direct: Client;
let relay: HungRelay;

beforeAll(async () => {
  db = await startLibsqlBehindRelay('hung-libsql-pins-');
  ({ direct, relay } = db);
  await upsertProject(direct, { id: 'p', name: 'P' }, 1);
  await upsertCluster(direct, sampleCluster('c1'), 1);
  await upsertApp(direct, sampleApp('p', 'a', { clusters: ['c1'] }), 1);
});

afterAll(() => db.close());

/** The proxy's store through the relay, hung until the test sets `relay.hang = false`. */
async function storeBehindRelay(requestTimeoutMs?: number): Promise<ProxyStore> {
  relay.hang = true;
  const client = await openStoreClient({ storeUrl: relay.url, storeAuthToken: null }, requestTimeoutMs);
  if (client === null) throw new Error('no client');
  return libsqlProxyStore(client);
}

test('an unanswered libSQL HTTP request is aborted and its connection released', async () => {
  const store = await storeBehindRelay(300);
  const started = Date.now();
  await expect(store.loadJobPins(['c1'], T, 0, 10)).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(3_000);
  await waitFor(() => relay.held.size === 0, 'the hung connection to be closed', 2_000);
}, 10_000);

test('a refresh whose read hangs ends at its deadline, and the next refresh reads the pins', async () => {
  await libsqlProxyStore(direct).upsertJobPin({ ...PIN, keyHash: 'a'.repeat(64) });
  const store = await storeBehindRelay(); // the transport's own timeout (10 s) is not what ends it
  const pins = new JobPins(store, 'px', () => undefined, 50_000, 200);
  const started = Date.now();
  await expect(pins.refresh(['c1'], T)).rejects.toBeInstanceOf(StoreDeadlineError);
  expect(Date.now() - started).toBeLessThan(2_000);
  relay.hang = false;
  await pins.refresh(['c1'], T + 2_000);
  expect(pins.get('p/a', 'a'.repeat(64), T + 2_001)?.endpoint).toBe('http://r1');
}, 10_000);

test('a pin write that hangs is retried after its deadline and reaches libSQL once it answers', async () => {
  const store = await storeBehindRelay();
  const errors: unknown[] = [];
  const pins = new JobPins(store, 'px', (err) => errors.push(err), 50_000, 200);
  pins.record('p/a', 'b'.repeat(64), 'c1', 'http://r2', 600_000, T);
  await waitFor(() => errors.length > 0, 'the write to pass its deadline', 2_000);
  expect(errors[0]).toBeInstanceOf(StoreDeadlineError);
  expect(String(errors[0])).not.toContain('127.0.0.1'); // names the call, not the store
  relay.hang = false;
  const written = async (): Promise<boolean> =>
    (await direct.execute({ sql: 'SELECT 1 FROM job_pins WHERE key_hash = ?', args: ['b'.repeat(64)] })).rows.length === 1;
  await waitFor(written, 'the retried write to reach libSQL', 4_000);
}, 10_000);
