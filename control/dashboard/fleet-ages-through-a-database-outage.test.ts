/**
 * When the database is down the poller keeps the last fleet it read, but ages it: state age
 * grows from each row's observedAt and health turns stale exactly as a fresh read at that time
 * would show it (not frozen at the ages of the last good read). Real libSQL file database; the
 * outage is a client whose calls fail.
 */
import type { Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../store/test-fixtures.ts';
import { LivePoller } from './live-poller.ts';

const OBSERVED_AT = 1_000_000;
let store: TempStore;
let poller: LivePoller;
let down = false;
let clock = OBSERVED_AT + 600;

beforeAll(async () => {
  store = await openTempStore();
  await store.client.batch(
    [
      `INSERT INTO clusters VALUES ('eu-1', 'eu-west', 'EU', 'IE', 'lambda', 53, -6, 'http://p', 'proxy-eu', 1)`,
      { sql: `INSERT INTO cluster_status VALUES ('eu-1', 'healthy', 0, ?)`, args: [OBSERVED_AT] },
    ],
    'write',
  );
  const failing = new Proxy(store.client, {
    get(target, key) {
      if (down && (key === 'execute' || key === 'batch')) return () => Promise.reject(new Error('connect ECONNREFUSED'));
      const value: unknown = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Client;
  poller = new LivePoller({ client: failing, pollMs: 1000, bucketMs: 1000, keepBuckets: 10, feedSize: 5, backfillRows: 0, now: () => clock, onError: () => {} });
  const first = await poller.tick();
  expect(first.fleet[0]?.clusters[0]).toMatchObject({ health: 'healthy', stateAge: '0.6s' });
});
afterAll(() => store.dispose());

describe('fleet during a database outage', () => {
  it.each([
    { after: 3_000, want: { health: 'healthy', stateAge: '3.0s', stateAgeMs: 3_000 } },
    { after: 5_001, want: { health: 'stale', stateAge: '5.0s', stateAgeMs: 5_001 } },
    { after: 60_000, want: { health: 'stale', stateAge: '60s', stateAgeMs: 60_000 } },
    { after: 600_000, want: { health: 'stale', stateAge: '10m', stateAgeMs: 600_000 } },
  ])('$after ms after the push: $want.health, $want.stateAge', async ({ after, want }) => {
    clock = OBSERVED_AT + after;
    down = true;
    const during = await poller.tick();
    expect(during.error).toContain('ECONNREFUSED');
    expect(during.fleet[0]?.clusters[0]).toMatchObject(want);
    expect(poller.state().fleet).toEqual(during.fleet); // /api/state and a new browser see the same

    down = false;
    const fresh = await poller.tick();
    expect(fresh.error).toBeNull();
    expect(during.fleet).toEqual(fresh.fleet);
  });
});
