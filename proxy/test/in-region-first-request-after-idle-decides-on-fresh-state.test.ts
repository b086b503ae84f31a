/**
 * The in-region source served a cached snapshot however old it was and refreshed it behind the
 * request. After an idle spell longer than the hard stale limit, the first in-region call was
 * decided on the state of before the spell: the dev stack logged "PANIC: every candidate failed
 * health filters; routed to least-bad us-east-1 despite stale" (state 267 s old) while the
 * aggregator had pushed fresh state every second. As at the edge (workers/src/swr-cache.ts
 * `staleMs`), a snapshot that old now waits briefly for its refresh; with the database failing
 * the last refresh it is served at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/decision/index.ts';
import type { AppSnapshot } from '../../shared/domain/types.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { sampleState, type TempStore } from '../../control/store/test-fixtures.ts';
import type { SnapshotReader } from '../../shared/snapshot/index.ts';
import { libsqlInRegionSource } from '../src/in-region-source.ts';
import { seedInRegionDb } from './in-region-fixture.ts';

const IDLE_MS = 300_000;

describe('the first in-region request after an idle spell', () => {
  let store: TempStore;
  beforeAll(async () => {
    store = await seedInRegionDb('http://127.0.0.1:9');
  });
  afterAll(() => store.dispose());

  const observedAt = (s: AppSnapshot): number | undefined => s.state.get('c1')?.observedAt;

  it('is decided on the state pushed during the spell, not on the state of before it', async () => {
    let t = Date.now();
    const source = libsqlInRegionSource(store.client, { refreshMs: 1_000, staleMs: 10_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => t, onError: (err) => { throw err; } });
    const before = (await source.snapshot('acme/chat')) as AppSnapshot;
    t += IDLE_MS;
    await pushClusterState(store.client, 'c1', {
      states: [sampleState('c1', 'acme/chat', { observedAt: t })],
      status: { clusterId: 'c1', health: 'healthy', circuitOpen: false, draining: false, observedAt: t },
      endpoints: [{ appId: 'acme/chat', url: 'http://127.0.0.1:9', healthy: true, weight: 1 }],
    }, t);
    const first = (await source.snapshot('acme/chat')) as AppSnapshot;
    expect(first).not.toBe(before);
    expect(observedAt(first)).toBe(t);
  });

  it('is served the old snapshot at once while the database fails', async () => {
    let t = Date.now();
    let down = false;
    const db: SnapshotReader = { batch: (stmts, mode) => (down ? Promise.reject(new Error('database down')) : store.client.batch(stmts, mode)) };
    const errors: unknown[] = [];
    const source = libsqlInRegionSource(db, { refreshMs: 1_000, staleMs: 10_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => t, onError: (err) => errors.push(err) });
    const before = (await source.snapshot('acme/chat')) as AppSnapshot;
    down = true;
    t += IDLE_MS;
    // The first call waits for the refresh, which fails: it gets the old snapshot.
    expect(await source.snapshot('acme/chat')).toBe(before);
    expect(errors).toHaveLength(1);
    // Known down now: no wait, the old snapshot at once (not a Promise).
    expect(source.snapshot('acme/chat')).toBe(before);
  });
});
