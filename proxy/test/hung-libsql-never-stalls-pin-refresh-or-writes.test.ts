/**
 * A libSQL request that never returns (a hung server, a half-open connection) no longer stalls a
 * proxy's job pins. Refreshes never overlap and pin writes run one at a time, so one such request
 * held every later refresh and write until undici's own timeouts, minutes later: pins written by
 * other processes (a drained proxy's jobs) were not read and this proxy's pins not written. Each
 * store call now has a deadline after which the loop moves on, and the client aborts an HTTP
 * request that goes unanswered, so the hung request is released too.
 *
 * The hung libSQL is a real TCP server that accepts connections and never answers; the working one
 * is a real libSQL database that takes the hung one's place ("the server answers again").
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, sampleApp, sampleCluster, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { JobPins, type JobPinStore } from '../src/job-pins.ts';
import { openStoreClient } from '../src/store-client.ts';
import { StoreDeadlineError } from '../src/store-deadline.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { waitFor } from './harness.ts';

const T = Date.now();
const PIN = { appId: 'p/a', clusterId: 'c1', endpoint: 'http://r1', proxyId: 'other', expiresAt: T + 600_000, updatedAt: T };
let db: TempStore;
let hung: Server;
let hungUrl: string;
const held = new Set<Socket>();

beforeAll(async () => {
  db = await openTempStore();
  await upsertProject(db.client, { id: 'p', name: 'P' }, 1);
  await upsertCluster(db.client, sampleCluster('c1'), 1);
  await upsertApp(db.client, sampleApp('p', 'a', { clusters: ['c1'] }), 1);
  // Accepts, reads, never answers.
  hung = createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    socket.resume();
  });
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  hungUrl = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise((r) => hung.close(r));
  db.dispose();
});

/** The hung libSQL until `recover()`, then the real one (same calls, as if the server came back). */
async function hungThenReal(requestTimeoutMs?: number): Promise<{ store: JobPinStore; recover(): void }> {
  const client = await openStoreClient({ storeUrl: hungUrl, storeAuthToken: null }, requestTimeoutMs);
  if (client === null) throw new Error('no client');
  const real = libsqlProxyStore(db.client);
  let current: JobPinStore = libsqlProxyStore(client);
  return {
    store: {
      upsertJobPins: (rows) => current.upsertJobPins(rows),
      loadJobPins: (...args) => current.loadJobPins(...args),
      pruneJobPins: (...args) => current.pruneJobPins(...args),
    },
    recover: () => {
      current = real;
    },
  };
}

test('an unanswered libSQL HTTP request is aborted and its connection released', async () => {
  const client = await openStoreClient({ storeUrl: hungUrl, storeAuthToken: null }, 300);
  if (client === null) throw new Error('no client');
  const started = Date.now();
  await expect(libsqlProxyStore(client).loadJobPins(['c1'], T, 0, 10)).rejects.toThrow();
  expect(Date.now() - started).toBeLessThan(3_000);
  await waitFor(() => held.size === 0, 'the hung connection to be closed', 2_000);
}, 10_000);

test('a refresh whose read hangs ends at its deadline, and the next refresh reads the pins', async () => {
  await libsqlProxyStore(db.client).upsertJobPin({ ...PIN, keyHash: 'a'.repeat(64) });
  const { store, recover } = await hungThenReal(); // the transport's own timeout (10 s) is not what ends it
  const pins = new JobPins(store, 'px', () => undefined, 50_000, 200);
  const started = Date.now();
  await expect(pins.refresh(['c1'], T)).rejects.toBeInstanceOf(StoreDeadlineError);
  expect(Date.now() - started).toBeLessThan(2_000);
  recover();
  await pins.refresh(['c1'], T + 2_000);
  expect(pins.get('p/a', 'a'.repeat(64), T + 2_001)?.endpoint).toBe('http://r1');
}, 10_000);

test('a pin write that hangs is retried after its deadline and reaches libSQL once it answers', async () => {
  const { store, recover } = await hungThenReal();
  const errors: unknown[] = [];
  const pins = new JobPins(store, 'px', (err) => errors.push(err), 50_000, 200);
  pins.record('p/a', 'b'.repeat(64), 'c1', 'http://r2', 600_000, T);
  await waitFor(() => errors.length > 0, 'the write to pass its deadline', 2_000);
  expect(errors[0]).toBeInstanceOf(StoreDeadlineError);
  expect(String(errors[0])).not.toContain('127.0.0.1'); // names the call, not the store
  recover();
  const written = async (): Promise<boolean> =>
    (await db.client.execute({ sql: 'SELECT 1 FROM job_pins WHERE key_hash = ?', args: ['b'.repeat(64)] })).rows.length === 1;
  await waitFor(written, 'the retried write to reach libSQL', 4_000);
}, 10_000);
