/**
 * The first decision on a snapshot compiles it (~0.4 ms at 64 candidates, 2-3 ms at 512). The
 * in-region source's background refresh does that work (`primeInRegion`, as `wireInRegion` sets
 * it up) before serving the new snapshot, so the first in-region request after it decides warm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCompiled } from '../../shared/decision/compile-snapshot.ts';
import { DEFAULT_POLICY } from '../../shared/decision/index.ts';
import type { AppSnapshot } from '../../shared/domain/types.ts';
import type { TempStore } from '../../control/store/test-fixtures.ts';
import { primeInRegion, regionsOf, scopeSnapshot } from '../src/in-region-decide.ts';
import { libsqlInRegionSource } from '../src/in-region-source.ts';
import { seedInRegionDb } from './in-region-fixture.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('in-region snapshot refresh', () => {
  let store: TempStore;
  beforeAll(async () => {
    store = await seedInRegionDb('http://127.0.0.1:9');
  });
  afterAll(() => store.dispose());

  it('primes the region-scoped snapshot before serving it', async () => {
    const source = libsqlInRegionSource(store.client, {
      refreshMs: 30,
      maxProxyReportAgeMs: 60_000,
      policy: DEFAULT_POLICY,
      now: () => Date.now(),
      onError: (err) => {
        throw err;
      },
      prepareSnapshot: (s) => primeInRegion(s, 'r1', DEFAULT_POLICY, Date.now()),
    });
    const first = (await source.snapshot('acme/chat')) as AppSnapshot;
    await sleep(50);
    expect(await source.snapshot('acme/chat')).toBe(first); // served as is; the refresh starts
    let refreshed: AppSnapshot = first;
    for (let i = 0; i < 100 && refreshed === first; i++) {
      await sleep(10);
      refreshed = (await source.snapshot('acme/chat')) as AppSnapshot;
    }
    expect(refreshed).not.toBe(first);
    // What decideInRegion will decide on (scopeSnapshot is memoised per snapshot object).
    const scoped = scopeSnapshot(refreshed, regionsOf(refreshed, 'r1').inRegion);
    expect(scoped.app.clusters).toEqual(['c1']);
    expect(isCompiled(scoped)).toBe(true);
  });
});
