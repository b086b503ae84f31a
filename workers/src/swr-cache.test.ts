import { describe, expect, it } from 'vitest';
import { FirstLoadsFull, SourceUnavailable, SwrCache } from './swr-cache.ts';

/** A controllable source: real promises, a settable clock, and a switch to fail. */
function source(extra: { staleMs?: number; staleWaitMs?: number; maxFirstLoads?: number; firstLoadGroupOf?: (key: string) => string } = {}) {
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
    maxNegative: 3,
    refreshMs: 100,
    ...extra,
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
  it("a first load runs under the starting request's waitUntil: its client leaving cannot strand the requests sharing it", async () => {
    // workerd cancels a request's I/O and timers when its client disconnects, unless they were
    // handed to waitUntil; a shared first load left unsettled would hang every request waiting on
    // it and hold a maxFirstLoads slot for good. The mechanism is what can be asserted here.
    const { s, cache } = source();
    const starter: Promise<unknown>[] = [];
    const other: Promise<unknown>[] = [];
    const first = cache.get('a', (p) => void starter.push(p));
    const second = cache.get('a', (p) => void other.push(p));
    expect(starter).toHaveLength(1);
    expect(other).toHaveLength(0);
    await Promise.all([first, second, ...starter]);
    expect(s.calls).toBe(1);
  });

  it('single-flights concurrent first loads', async () => {
    const { s, cache, waitUntil } = source();
    const [x, y] = await Promise.all([cache.get('a', waitUntil), cache.get('a', waitUntil)]);
    expect([x.value, y.value, s.calls]).toEqual([1, 1, 1]);
  });

  it('serves the old value and refreshes in the background once older than refreshMs', async () => {
    const { s, cache, waitUntil, settle } = source();
    await cache.get('a', waitUntil);
    await settle(); // the first load, kept alive through the starting request's waitUntil
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

  it('bounds real entries among themselves', async () => {
    const { s, cache, waitUntil } = source();
    s.values.set('b', 2);
    s.values.set('c', 3);
    for (const k of ['a', 'b', 'c']) await cache.get(k, waitUntil);
    s.now += 1;
    await cache.get('a', waitUntil); // evicted by b and c: loads again
    expect(s.calls).toBe(4);
  });

  it('never evicts a real entry for a miss, and bounds misses separately', async () => {
    const { s, cache, waitUntil } = source();
    await cache.get('a', waitUntil);
    for (let i = 0; i < 50; i++) expect((await cache.get(`nope-${i}`, waitUntil)).value).toBeNull();
    expect(cache.sizes).toEqual({ entries: 1, missing: 3 });
    s.down = true;
    expect((await cache.get('a', waitUntil)).value).toBe(1);
    expect(s.calls).toBe(51);
  });

  it('remembers a key that disappeared from the source as a miss', async () => {
    const { s, cache, waitUntil, settle } = source();
    await cache.get('a', waitUntil);
    s.values.delete('a');
    s.now += 150;
    await cache.get('a', waitUntil);
    await settle();
    expect((await cache.get('a', waitUntil)).value).toBeNull();
    expect(cache.sizes).toEqual({ entries: 0, missing: 1 });
  });

  it('refreshes a value older than staleMs before serving it, when the source is up', async () => {
    const { s, cache, waitUntil } = source({ staleMs: 1_000, staleWaitMs: 500 });
    await cache.get('a', waitUntil);
    s.values.set('a', 2);
    s.now += 1_500;
    const hit = await cache.get('a', waitUntil);
    expect([hit.value, hit.loadedAt]).toEqual([2, s.now]);
  });

  it('serves a stale value at once when the source is known to be down', async () => {
    const { s, cache, waitUntil, settle } = source({ staleMs: 1_000, staleWaitMs: 60_000 });
    await cache.get('a', waitUntil);
    s.down = true;
    s.now += 200;
    await cache.get('a', waitUntil); // background refresh fails: the source is now known down
    await settle();
    s.now += 1_500;
    let open = (): void => {};
    s.gate = new Promise<void>((r) => (open = r));
    const hit = await cache.get('a', waitUntil); // would hang for a minute if it waited
    expect(hit.value).toBe(1);
    open();
    await settle();
  });
});

// L7: with a slow database, a flood of unique keys must not become as many concurrent queries.
describe('SwrCache first loads in flight', () => {
  it('refuses a new first load beyond the bound, joins one already running, and frees its slot', async () => {
    const { s, cache, waitUntil } = source({ maxFirstLoads: 2 });
    let open = (): void => undefined;
    s.gate = new Promise<void>((r) => (open = r));
    const x = cache.get('a', waitUntil);
    const y = cache.get('b', waitUntil);
    await expect(cache.get('c', waitUntil)).rejects.toBeInstanceOf(FirstLoadsFull);
    const again = cache.get('a', waitUntil); // same key: shares the running load
    expect(s.calls).toBe(2);
    open();
    expect([(await x).value, (await y).value, (await again).value]).toEqual([1, null, 1]);
    s.gate = null;
    expect((await cache.get('c', waitUntil)).value).toBeNull();
    expect(s.calls).toBe(3);
  });
});

// One tenant's flood of first loads on a slow database took every slot: another tenant's first
// request got 503 edge-busy. Then one tenant held at most half of them, so two tenants' floods
// still took every slot. Now a quarter stays for tenants with none in flight.
describe('SwrCache first loads per tenant', () => {
  it.each([
    { name: 'a tenant holds at most half: the other still loads', max: 4, keys: ['a/1', 'a/2', 'a/3', 'b/1'], refused: ['a/3'] },
    { name: 'two tenants flooding leave a slot to a third', max: 4, keys: ['a/1', 'a/2', 'b/1', 'b/2', 'c/1'], refused: ['b/2'] },
    { name: 'two tenants flooding leave a quarter to tenants with none in flight', max: 8, keys: ['a/1', 'a/2', 'a/3', 'a/4', 'b/1', 'b/2', 'b/3', 'b/4', 'c/1', 'd/1'], refused: ['b/3', 'b/4'] },
    { name: 'tenants with none in flight take the last slots, up to the total bound', max: 4, keys: ['a/1', 'a/2', 'b/1', 'c/1', 'd/1'], refused: ['d/1'] },
    { name: 'a bound of one: one tenant may still load', max: 1, keys: ['a/1', 'b/1'], refused: ['b/1'] },
  ])('$name', async ({ max, keys, refused }) => {
    const { s, cache, waitUntil } = source({ maxFirstLoads: max, firstLoadGroupOf: (k) => k.slice(0, k.indexOf('/')) });
    let open = (): void => undefined;
    s.gate = new Promise<void>((r) => (open = r));
    const out = keys.map((k) => cache.get(k, waitUntil).then(() => null, (e: unknown) => (e instanceof FirstLoadsFull ? k : String(e))));
    open();
    expect((await Promise.all(out)).filter((k) => k !== null)).toEqual(refused);
    // Their slots are free again once the loads end.
    s.gate = null;
    expect((await cache.get(refused[0] as string, waitUntil)).lastError).toBeNull();
  });

  // A key's tenant is known only after its read: the caller names the tenant it is for.
  it('a tenant passed to get groups the first load (the key cache: made-up keys for one tenant)', async () => {
    const { s, cache, waitUntil } = source({ maxFirstLoads: 4 });
    let open = (): void => undefined;
    s.gate = new Promise<void>((r) => (open = r));
    const calls: Array<[string, string]> = [['k1', 'a'], ['k2', 'a'], ['k3', 'a'], ['k4', 'b'], ['k5', 'a']];
    const out = calls.map(([k, t]) => cache.get(k, waitUntil, t).then(() => null, (e: unknown) => (e instanceof FirstLoadsFull ? k : String(e))));
    open();
    expect((await Promise.all(out)).filter((k) => k !== null)).toEqual(['k3', 'k5']);
  });
});

// The auth clock moved (auth-view.ts): keys are re-read now, not at their next refresh.
describe('SwrCache.reloadAll', () => {
  it('re-reads every entry and forgets every miss, so a revoked value and a created key both land', async () => {
    const { s, cache, waitUntil } = source();
    expect((await cache.get('a', waitUntil)).value).toBe(1);
    expect((await cache.get('new', waitUntil)).value).toBeNull();
    s.values.set('a', 2);
    s.values.set('new', 7);
    await cache.reloadAll();
    expect(cache.peek('a')).toBe(2);
    expect((await cache.get('new', waitUntil)).value).toBe(7);
  });

  it('a first load that raced the change answers its requests but is not kept', async () => {
    const { s, cache, waitUntil } = source();
    let open = (): void => undefined;
    s.gate = new Promise<void>((r) => (open = r));
    const racing = cache.get('a', waitUntil);
    await cache.reloadAll();
    open();
    expect((await racing).value).toBe(1);
    s.gate = null;
    expect(cache.peek('a')).toBeUndefined();
    s.values.set('a', 3);
    expect((await cache.get('a', waitUntil)).value).toBe(3);
  });

  it('a refresh already in flight (it read before the change) is followed by one more read', async () => {
    let value = 1;
    let now = 0;
    let hold: Promise<void> | null = null;
    const cache = new SwrCache<number>({
      max: 2, maxNegative: 2, refreshMs: 100, negativeMs: 50, now: () => now,
      load: async () => {
        const read = value; // the read happens first, the answer arrives later
        await (hold ?? Promise.resolve());
        return read;
      },
    });
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>): void => void pending.push(p);
    await cache.get('a', waitUntil);
    now += 200;
    let open = (): void => undefined;
    hold = new Promise<void>((r) => (open = r));
    await cache.get('a', waitUntil); // background refresh reads 1, answers later
    value = 4;
    const reload = cache.reloadAll();
    hold = null;
    open();
    await reload;
    await Promise.all(pending);
    expect(cache.peek('a')).toBe(4);
  });
});

// With thousands of keys cached one by one (more keys than an isolate holds), each auth change
// re-read every cached key with its own query, all at once. `loadMany` makes it one read.
describe('SwrCache.reloadAll with loadMany', () => {
  function bulk() {
    const s = { now: 0, loads: 0, bulkReads: [] as string[][], down: false, values: new Map([['a', 1], ['b', 2], ['c', 3]]) };
    const cache = new SwrCache<number>({
      max: 10, maxNegative: 10, refreshMs: 100, negativeMs: 50, now: () => s.now,
      load: async (k) => {
        s.loads++;
        return s.values.get(k) ?? null;
      },
      loadMany: async (keys) => {
        s.bulkReads.push([...keys]);
        if (s.down) throw new Error('db down');
        return new Map(keys.flatMap((k) => (s.values.has(k) ? [[k, s.values.get(k) as number] as const] : [])));
      },
    });
    return { s, cache };
  }

  it.each([
    ['a changed value lands', (v: Map<string, number>) => v.set('a', 10), { a: 10, b: 2, c: 3 }],
    ['a deleted key becomes a miss', (v: Map<string, number>) => v.delete('b'), { a: 1, b: null, c: 3 }],
    ['nothing changed', () => undefined, { a: 1, b: 2, c: 3 }],
  ])('%s: one read for every cached entry, none one by one', async (_, change, expected) => {
    const { s, cache } = bulk();
    for (const k of ['a', 'b', 'c']) await cache.get(k, () => undefined);
    s.loads = 0;
    change(s.values);
    await cache.reloadAll();
    expect(s.bulkReads).toEqual([['a', 'b', 'c']]);
    expect(s.loads).toBe(0);
    expect(Object.fromEntries(['a', 'b', 'c'].map((k) => [k, cache.peek(k) ?? null]))).toEqual(expected);
  });

  it('a failed read keeps every value and says why', async () => {
    const { s, cache } = bulk();
    await cache.get('a', () => undefined);
    s.down = true;
    s.values.set('a', 9);
    await cache.reloadAll();
    const hit = await cache.get('a', () => undefined); // within refreshMs: no refresh starts
    expect([hit.value, hit.lastError]).toEqual([1, 'db down']);
  });

  it('reads nothing when nothing is cached', async () => {
    const { s, cache } = bulk();
    await cache.reloadAll();
    expect(s.bulkReads).toEqual([]);
  });

  it('a second re-read never lands before an older one still in flight (a revocation is not undone)', async () => {
    const answers: Array<(m: Map<string, number>) => void> = [];
    const cache = new SwrCache<number>({
      max: 4, maxNegative: 4, refreshMs: 100, negativeMs: 50, now: () => 0,
      load: async () => 1,
      loadMany: () => new Promise((r) => answers.push(r)),
    });
    await cache.get('a', () => undefined);
    const first = cache.reloadAll(); // reads before the revocation
    const second = cache.reloadAll(); // reads after it
    await new Promise((r) => setTimeout(r, 0));
    // Answer the newest read in flight first: the older one then arrives last.
    if (answers.length === 2) answers[1]?.(new Map([['a', 2]]));
    answers[0]?.(new Map([['a', 1]]));
    await first;
    await new Promise((r) => setTimeout(r, 0));
    answers[1]?.(new Map([['a', 2]]));
    await second;
    expect(cache.peek('a')).toBe(2);
  });
});

// When the auth view stops holding every key (they outgrew EDGE_MAX_KEYS), the keys in use are
// carried into the per-key cache instead of each needing a first load at once.
describe('SwrCache.seed', () => {
  function seeded() {
    const s = { loads: 0, bulkReads: [] as string[][], down: false, release: null as (() => void) | null, values: new Map([['a', 1], ['b', 2]]) };
    const cache = new SwrCache<number>({
      max: 10, maxNegative: 10, refreshMs: 100, negativeMs: 50, now: () => 0,
      load: async (k) => {
        s.loads++;
        return s.values.get(k) ?? null;
      },
      loadMany: async (keys) => {
        s.bulkReads.push([...keys]);
        await new Promise<void>((r) => (s.release = r));
        if (s.down) throw new Error('db down');
        return new Map(keys.flatMap((k) => (s.values.has(k) ? [[k, s.values.get(k) as number] as const] : [])));
      },
    });
    return { s, cache };
  }
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

  it.each([
    ['the source agrees', () => undefined, false, { a: 1, b: 2 }],
    ['a value changed since it was read elsewhere (a revoked key)', (v: Map<string, number>) => v.set('a', 10), false, { a: 10, b: 2 }],
    ['a value deleted since', (v: Map<string, number>) => v.delete('b'), false, { a: 1, b: null }],
    ['the confirming read fails: served as read', (v: Map<string, number>) => v.set('a', 10), true, { a: 1, b: 2 }],
  ])('%s: requests wait for one read, none loads on its own', async (_, change, down, expected) => {
    const { s, cache } = seeded();
    change(s.values);
    s.down = down;
    const confirmed = cache.seed(new Map([['a', 1], ['b', 2]]));
    const hits = Promise.all(['a', 'b'].map((k) => cache.get(k, () => undefined)));
    let answered = false;
    void hits.then(() => (answered = true));
    await tick();
    expect(answered).toBe(false); // not served before the read ends
    s.release?.();
    await confirmed;
    expect(Object.fromEntries((await hits).map((h, i) => [['a', 'b'][i], h.value]))).toEqual(expected);
    expect([s.bulkReads, s.loads]).toEqual([[['a', 'b']], 0]);
  });

  it('keeps an entry already cached, and confirms it in the same read', async () => {
    const { s, cache } = seeded();
    const first = cache.get('a', () => undefined);
    expect((await first).value).toBe(1);
    s.values.set('a', 5);
    const confirmed = cache.seed(new Map([['a', 1], ['b', 2]]));
    await tick();
    s.release?.();
    await confirmed;
    expect([cache.peek('a'), cache.peek('b'), s.bulkReads]).toEqual([5, 2, [['a', 'b']]]);
  });
});

describe('SwrCache grouped by tenant (the snapshot cache as edge.ts builds it)', () => {
  it("a flooding tenant never sends a steady tenant at exactly its fair share back to the database (ties went against it)", async () => {
    const tenantOf = (k: string): string => k.slice(0, k.indexOf('/'));
    let bReads = 0;
    const cache = new SwrCache<{ projectId: string }>({
      max: 3,
      maxNegative: 10,
      refreshMs: 1e9,
      negativeMs: 1e9,
      now: () => 0,
      load: (k) => {
        if (k.startsWith('b/')) bReads++;
        return Promise.resolve({ projectId: tenantOf(k) });
      },
      groupOf: (_k, v) => v.projectId,
    });
    const waitUntil = (): void => undefined;
    await cache.get('b/1', waitUntil);
    await cache.get('b/2', waitUntil);
    const warm = bReads;
    for (let i = 0; i < 100; i++) {
      await cache.get(`a/${i}`, waitUntil);
      await cache.get(`b/${(i % 2) + 1}`, waitUntil);
    }
    expect(bReads - warm).toBe(0);
  });
});
