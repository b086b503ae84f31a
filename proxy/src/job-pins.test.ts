import { describe, expect, it } from 'vitest';
import { JobPins, type JobPinRow, type JobPinStore } from './job-pins.ts';

/** Counts the store writes: a busy job must not cost one libSQL write per request. */
function countingStore(): JobPinStore & { writes: JobPinRow[] } {
  const writes: JobPinRow[] = [];
  return {
    writes,
    upsertJobPins: (rows) => {
      writes.push(...rows);
      return Promise.resolve();
    },
    loadJobPins: (_clusters, _now, afterSeq) => Promise.resolve({ rows: [], nextSeq: afterSeq, more: false, top: afterSeq }),
    pruneJobPins: () => Promise.resolve(),
  };
}

const PIN_MS = 600_000;
const T0 = 1_700_000_000_000;

describe('JobPins.record', () => {
  it.each<{ name: string; steps: Array<[number, string, string]>; writes: number; expiresAt: number }>([
    { name: 'one request', steps: [[0, 'c1', 'http://r1']], writes: 1, expiresAt: T0 + PIN_MS },
    { name: '100 requests within a second slide the pin with one write', steps: Array.from({ length: 100 }, (_, i) => [i * 10, 'c1', 'http://r1'] as [number, string, string]), writes: 1, expiresAt: T0 + 990 + PIN_MS },
    { name: 'a minute later the store is written again', steps: [[0, 'c1', 'http://r1'], [60_000, 'c1', 'http://r1']], writes: 2, expiresAt: T0 + 60_000 + PIN_MS },
    { name: 'another replica is written at once', steps: [[0, 'c1', 'http://r1'], [10, 'c1', 'http://r2']], writes: 2, expiresAt: T0 + 10 + PIN_MS },
    { name: 'another cluster is written at once', steps: [[0, 'c1', 'http://r1'], [10, 'c2', 'http://r1']], writes: 2, expiresAt: T0 + 10 + PIN_MS },
  ])('$name', async ({ steps, writes, expiresAt }) => {
    const store = countingStore();
    const pins = new JobPins(store, 'px', () => undefined);
    for (const [dt, cluster, endpoint] of steps) pins.record('p/a', 'h', cluster, endpoint, PIN_MS, T0 + dt);
    await pins.settled();
    expect(store.writes).toHaveLength(writes);
    expect(pins.get('p/a', 'h', T0 + 1000)?.expiresAt).toBe(expiresAt);
  });
});

describe('JobPins when full: the app holding the most pins loses its oldest', () => {
  it.each<{ name: string; pins: Array<[string, string]>; kept: Record<string, string[]> }>([
    { name: 'a flood of one app keeps the quiet app whole', pins: [['b', 'b1'], ['a', 'a1'], ['a', 'a2'], ['a', 'a3'], ['a', 'a4']], kept: { a: ['a2', 'a3', 'a4'], b: ['b1'] } },
    { name: 'one app alone keeps its newest', pins: [['a', 'a1'], ['a', 'a2'], ['a', 'a3'], ['a', 'a4'], ['a', 'a5']], kept: { a: ['a2', 'a3', 'a4', 'a5'] } },
    { name: 'two apps at equal weight: the first to lead loses its oldest', pins: [['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['b', 'b2'], ['c', 'c1']], kept: { a: ['a2'], b: ['b1', 'b2'], c: ['c1'] } },
    { name: 'a re-pinned key counts once', pins: [['b', 'b1'], ['a', 'a1'], ['a', 'a1'], ['a', 'a1'], ['a', 'a2']], kept: { a: ['a1', 'a2'], b: ['b1'] } },
  ])('$name', ({ pins: steps, kept }) => {
    const pins = new JobPins(null, 'px', () => undefined, 4);
    steps.forEach(([app, key], i) => pins.record(app, key, 'c1', `http://${key}-${i}`, PIN_MS, T0 + i));
    const all = [...new Set(steps.map(([app, key]) => `${app}/${key}`))];
    const found: Record<string, string[]> = {};
    for (const k of all) {
      const [app, key] = k.split('/') as [string, string];
      if (pins.get(app, key, T0 + 100) !== null) (found[app] ??= []).push(key);
    }
    expect(found).toEqual(kept);
    expect(pins.size).toBe(Object.values(kept).flat().length);
  });
});

describe('JobPins writes', () => {
  it("batch one tick's pins into one store write", async () => {
    const batches: number[] = [];
    const store: JobPinStore = { ...countingStore(), upsertJobPins: (rows) => (batches.push(rows.length), Promise.resolve()) };
    const pins = new JobPins(store, 'px', () => undefined);
    for (let i = 0; i < 300; i++) pins.record('p/a', `k${i}`, 'c1', 'http://r1', PIN_MS, T0);
    await pins.settled();
    expect(batches).toEqual([300]);
  });

  it("while libSQL is down, one app's flood of new keys does not drop another app's pin write", async () => {
    let down = true;
    const written: JobPinRow[] = [];
    const store: JobPinStore = {
      ...countingStore(),
      upsertJobPins: (rows) => (down ? Promise.reject(new Error('down')) : (written.push(...rows), Promise.resolve())),
    };
    const pins = new JobPins(store, 'px', () => undefined);
    pins.record('p/b', 'b1', 'c1', 'http://b', PIN_MS, T0);
    await pins.settled();
    for (let i = 0; i < 30_000; i++) pins.record('p/a', `a${i}`, 'c1', 'http://a', PIN_MS, T0);
    await pins.settled();
    down = false;
    // The buffer retries after its backoff (≤ 1 s, then ≤ 2 s): wait for B's row, at most 8 s.
    for (let t = 0; t < 80 && !written.some((r) => r.appId === 'p/b'); t++) await new Promise((r) => setTimeout(r, 100));
    await pins.settled();
    expect(written.some((r) => r.appId === 'p/b' && r.keyHash === 'b1')).toBe(true);
    expect(written.length).toBeLessThanOrEqual(10_000); // bounded: A's excess was dropped, not queued
  }, 15_000);
});
