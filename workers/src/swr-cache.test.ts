import { describe, expect, it } from 'vitest';
import { SourceUnavailable, SwrCache } from './swr-cache.ts';

/** A controllable source: real promises, a settable clock, and a switch to fail. */
function source() {
  const s = {
    now: 1_000,
    calls: 0,
    down: false,
    values: new Map<string, number>([['a', 1]]),
    pending: [] as Promise<unknown>[],
    /** When set, loads wait for it: lets a test observe a refresh while it is in flight. */
    gate: null as Promise<void> | null,
  };
  const cache = new SwrCache<number>({
    max: 2,
    refreshMs: 100,
    negativeMs: 50,
    now: () => s.now,
    load: async (k) => {
      s.calls++;
      await (s.gate ?? Promise.resolve());
      if (s.down) throw new Error('db down');
      return s.values.get(k) ?? null;
    },
  });
  const waitUntil = (p: Promise<unknown>): void => void s.pending.push(p);
  const settle = async (): Promise<void> => {
    await Promise.all(s.pending.splice(0));
  };
  return { s, cache, waitUntil, settle };
}

describe('SwrCache', () => {
  it('single-flights concurrent first loads', async () => {
    const { s, cache, waitUntil } = source();
    const [x, y] = await Promise.all([cache.get('a', waitUntil), cache.get('a', waitUntil)]);
    expect([x.value, y.value, s.calls]).toEqual([1, 1, 1]);
  });

  it('serves the old value and refreshes in the background once older than refreshMs', async () => {
    const { s, cache, waitUntil, settle } = source();
    await cache.get('a', waitUntil);
    s.values.set('a', 2);
    s.now += 50;
    expect((await cache.get('a', waitUntil)).value).toBe(1);
    expect(s.pending).toHaveLength(0);
    s.now += 60;
    let open = (): void => {};
    s.gate = new Promise<void>((r) => (open = r));
    expect((await cache.get('a', waitUntil)).value).toBe(1); // stale served, refresh scheduled
    expect((await cache.get('a', waitUntil)).value).toBe(1);
    expect(s.pending).toHaveLength(1); // single-flight refresh
    open();
    await settle();
    expect((await cache.get('a', waitUntil)).value).toBe(2);
  });

  it('keeps the last value when the source goes down and reports the error', async () => {
    const { s, cache, waitUntil, settle } = source();
    await cache.get('a', waitUntil);
    s.down = true;
    s.now += 200;
    await cache.get('a', waitUntil);
    await settle();
    const hit = await cache.get('a', waitUntil);
    expect([hit.value, hit.loadedAt, hit.lastError]).toEqual([1, 1_000, 'db down']);
  });

  it('throws SourceUnavailable when nothing is cached and the source is down', async () => {
    const { s, cache, waitUntil } = source();
    s.down = true;
    await expect(cache.get('a', waitUntil)).rejects.toBeInstanceOf(SourceUnavailable);
  });

  it('caches not-found briefly', async () => {
    const { s, cache, waitUntil } = source();
    expect((await cache.get('zz', waitUntil)).value).toBeNull();
    await cache.get('zz', waitUntil);
    expect(s.calls).toBe(1);
    s.now += 60;
    await cache.get('zz', waitUntil);
    expect(s.calls).toBe(2);
  });

  it('is bounded', async () => {
    const { s, cache, waitUntil } = source();
    await cache.get('a', waitUntil);
    await cache.get('b', waitUntil);
    await cache.get('c', waitUntil);
    s.now += 1; // within negativeMs, but 'a' was evicted so it must load again
    await cache.get('a', waitUntil);
    expect(s.calls).toBe(4);
  });
});
