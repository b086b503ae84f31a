/**
 * The in-region path reads an uncached app's snapshot before it knows the app exists, so every
 * such first load counted against one group ("apps not yet read") in the shared first-load slots
 * (d26d490). Anyone who can reach the proxy, with no key, could send made-up app ids: they took
 * that group's slots and its 64 waiting places, and every real tenant's uncached app — after a
 * restart, or one evicted — was refused 503 `in-region-busy` at once (or waited behind the flood).
 *
 * An app the proxy's registry knows (its settings row, read with its endpoints) is now read for
 * its own project; only ids the registry does not know share the made-up group. Real libSQL (a
 * migrated temp file) behind a reader that holds every read, the real in-region source.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TempStore } from '../../control/store/test-fixtures.ts';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { libsqlInRegionSource } from '../src/in-region-source.ts';
import { CacheBusy } from '../src/refreshing-cache.ts';
import { heldSnapshotReader, seedInRegionDb } from './in-region-fixture.ts';

let store: TempStore;
beforeAll(async () => {
  store = await seedInRegionDb('http://127.0.0.1:1');
});
afterAll(() => store.dispose());

it("a flood of made-up app ids leaves a known app's first load a slot, started at once", async () => {
  const { reader: slow, reading, release } = heldSnapshotReader(store.client);
  // What the proxy's registry knows: the apps with a settings row.
  const known = new Set(['acme/chat', 'acme/open']);
  const source = libsqlInRegionSource(slow, { refreshMs: 60_000, maxProxyReportAgeMs: 60_000, policy: DEFAULT_POLICY, now: () => Date.now(), onError: () => undefined, maxFirstLoads: 8, knownApp: (id) => known.has(id) });
  const outcome = (p: unknown): Promise<string> => Promise.resolve(p).then(() => 'read', (e: unknown) => (e instanceof CacheBusy ? 'busy' : 'error'));
  // 100 made-up app ids (no key needed): 4 read, 64 wait, 32 refused at once.
  const settled: string[] = [];
  const flood = Array.from({ length: 100 }, (_, i) => outcome(source.snapshot(`acme/made-up-${i}`)).then((r) => (settled.push(r), r)));
  await new Promise((r) => setTimeout(r, 50));
  expect(reading()).toBe(4);
  expect(settled.filter((r) => r === 'busy')).toHaveLength(32);
  // A real app not cached yet (a restart): was refused at once behind the flood's 64 waiters.
  const real = outcome(source.snapshot('acme/chat'));
  const realDone = await Promise.race([real, new Promise<string>((r) => setTimeout(() => r('still waiting'), 50))]);
  expect(realDone).not.toBe('busy');
  expect(reading()).toBe(5);
  release();
  expect(await real).toBe('read');
  expect((await source.snapshot('acme/chat'))?.app.id).toBe('acme/chat');
  await Promise.all(flood);
});
