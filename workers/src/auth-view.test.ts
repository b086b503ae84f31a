import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../shared/domain/types.ts';
import { AuthView } from './auth-view.ts';
import { KeyHashFilter } from '../../shared/snapshot/key-hash-filter.ts';
import type { AppGate, UnreadableRow } from './shared-deps.ts';
import { SourceUnavailable } from './swr-cache.ts';

const gate: AppGate = { projectId: 'p', authRequired: true, corsOrigins: [] };
const key = (hash: string): ApiKey => ({ id: `id-${hash}`, projectId: 'p', hash, revoked: false });

/** A database with a clock the test moves, counting what the view reads. */
function world() {
  const w = { now: 0, clock: 5, down: false, noClock: false, clockReads: 0, gateReads: 0, moves: 0, carried: [] as string[][], logs: [] as string[], pending: [] as Promise<unknown>[], keys: new Map([['h1', key('h1')]]) as Map<string, ApiKey> | null, unheld: new Set<string>(), filters: new Map<string, KeyHashFilter>(), unreadable: [] as UnreadableRow[] };
  const view = new AuthView({
    checkMs: 1_000,
    maxAgeMs: 60_000,
    recheckMs: 250,
    now: () => w.now,
    loadClock: async () => {
      w.clockReads++;
      if (w.down) throw new Error('db down');
      if (w.noClock) throw new Error('SQLITE_ERROR: no such table: auth_clock');
      return w.clock;
    },
    loadGates: async () => {
      w.gateReads++;
      if (w.down) throw new Error('db down');
      return { clock: w.clock, gates: new Map([['p/a', gate]]), keys: w.keys === null ? null : new Map(w.keys), unheld: new Set(w.unheld), filters: new Map(w.filters), unreadable: [...w.unreadable] };
    },
    onMove: async (_holds, carried) => {
      w.moves++;
      w.carried.push([...carried.keys()]);
    },
    log: (l) => void w.logs.push(l),
    // The test's clock: a recheck's wait for its turn moves it.
    sleep: async (ms) => void (w.now += ms),
  });
  const get = async () => {
    const g = await view.gates((p) => void w.pending.push(p));
    await Promise.all(w.pending.splice(0));
    return g;
  };
  const recheck = async () => {
    await view.recheck((p) => void w.pending.push(p));
    await Promise.all(w.pending.splice(0));
  };
  return { w, get, view, recheck };
}

describe('AuthView', () => {
  it.each([
    ['the clock stood still', (w: { clock: number }) => void w, 0, 0],
    ['the clock moved', (w: { clock: number }) => void w.clock++, 1, 1],
  ])('%s: gates re-read %i times, keys told %i times', async (_name, change, gateReads, moves) => {
    const { w, get } = world();
    await get();
    change(w);
    w.now += 1_000;
    await get();
    expect([w.gateReads - 1, w.moves, w.clockReads]).toEqual([gateReads, moves, 1]);
  });

  it('reads the clock at most once per checkMs however many requests', async () => {
    const { w, get } = world();
    await get();
    for (let i = 0; i < 100; i++) {
      w.now += 50;
      await get();
    }
    expect(w.clockReads).toBe(5);
  });

  it('re-reads everything after maxAgeMs even if the clock never moves', async () => {
    const { w, get } = world();
    await get();
    w.now += 60_000;
    await get();
    expect([w.gateReads, w.moves]).toEqual([2, 1]);
  });

  it('database down: the first read is SourceUnavailable; later, the last view is kept and logged once', async () => {
    const { w, get } = world();
    w.down = true;
    await expect(get()).rejects.toBeInstanceOf(SourceUnavailable);
    w.down = false;
    await get();
    w.down = true;
    for (let i = 0; i < 3; i++) {
      w.now += 1_000;
      expect((await get()).get('p/a')).toEqual(gate);
    }
    expect(w.logs).toHaveLength(1);
  });

  it('a database without the clock (Worker deployed before db migrate): keys re-read every check, as before', async () => {
    const { w, get } = world();
    w.noClock = true;
    await get();
    for (let i = 0; i < 3; i++) {
      w.now += 1_000;
      await get();
    }
    expect([w.gateReads, w.moves]).toEqual([4, 3]);
  });

  it.each([
    // keys the database holds, the hash asked → what the view answers
    ['a key it holds', 'h1', 'id-h1'],
    ['a key it does not hold: none (no read of its own)', 'h9', null],
  ])('%s', async (_name, hash, id) => {
    const { w, get, view } = world();
    await get();
    expect(view.key(hash, 'p')?.id ?? null).toBe(id);
    expect([w.clockReads, w.gateReads]).toEqual([0, 1]);
  });

  it('holds no keys when the read brings none (an old schema): the edge looks them up one by one', async () => {
    const { w, get, view } = world();
    w.keys = null;
    await get();
    expect(view.key('h1', 'p')).toBeUndefined();
  });

  // One project with more keys than fit used to make every project's keys be read one by one.
  it("a project with too many keys is looked up one by one; another project's keys are still held", async () => {
    const { w, get, view } = world();
    w.keys = new Map([['q1', { ...key('q1'), projectId: 'q' }]]);
    w.unheld = new Set(['p']);
    await get();
    expect(view.key('h1', 'p')).toBeUndefined(); // p's: read it
    expect(view.key('q1', 'q')?.id).toBe('id-q1');
    expect(view.key('made-up', 'q')).toBeNull(); // q's keys are all held: unknown, no read
    expect(view.key('q1', 'p')?.projectId).toBe('q'); // q's key on p's app: refused as q's
    expect(view.key('made-up', 'no-keys')).toBeNull(); // a project with no keys holds them all
  });

  // G1 (s47): a project past the limit had every key read, made-up ones too. With a filter of
  // its key hashes, one the filter lacks is unknown like a held project's: no read of its own.
  it("a project past the limit with a filter: a hash the filter lacks is unknown, one it may hold is read", async () => {
    const { w, get, view, recheck } = world();
    const h1 = 'a1b2c3d4'.padEnd(64, '0');
    const h2 = 'a1b2c3d5'.padEnd(64, '0');
    w.keys = new Map();
    w.unheld = new Set(['p', 'big']);
    w.filters = new Map([['p', KeyHashFilter.fromHex('a1b2c3d4') as KeyHashFilter]]);
    await get();
    expect(view.key(h1, 'p')).toBeUndefined(); // may be p's: read it
    expect(view.key('a1b2c3d4'.padEnd(64, 'f'), 'p')).toBeUndefined(); // a false positive: one read
    expect(view.key(h2, 'p')).toBeNull(); // none of p's: refused after the shared clock check
    expect(view.key(h2, 'big')).toBeUndefined(); // past the filter too: read, as before
    // A key created since: the clock check its first request waits for brings the new filter.
    w.filters = new Map([['p', KeyHashFilter.fromHex('a1b2c3d4a1b2c3d5') as KeyHashFilter]]);
    w.clock++;
    w.now += 300;
    await recheck();
    expect(view.key(h2, 'p')).toBeUndefined();
    // The operator is told which project has no filter, once, with its "too many" line.
    const logged = w.logs.map((l) => JSON.parse(l) as { msg: string; project: string });
    expect(logged.map((l) => [l.project, /past EDGE_MAX_FILTERED_KEYS/.test(l.msg)])).toEqual([['p', false], ['big', true]]);
  });

  it('a project that loses its filter (its keys outgrew EDGE_MAX_FILTERED_KEYS) is logged once', async () => {
    const { w, get } = world();
    w.keys = new Map();
    w.unheld = new Set(['p']);
    w.filters = new Map([['p', KeyHashFilter.fromHex('a1b2c3d4') as KeyHashFilter]]);
    await get();
    for (let i = 0; i < 2; i++) {
      w.filters = new Map();
      w.clock++;
      w.now += 1_000;
      await get();
    }
    const logged = w.logs.map((l) => JSON.parse(l) as { msg: string; project: string });
    expect(logged.map((l) => l.msg.replace(/;.*/, ''))).toEqual(['project p has more keys than fit', "project p's keys no longer fit the filter"]);
  });

  it('unknown keys arriving together share one clock read', async () => {
    const { w, get, view } = world();
    await get();
    w.now += 1_000;
    const waits: Promise<boolean>[] = [];
    for (let i = 0; i < 1_000; i++) waits.push(view.recheck((p) => void w.pending.push(p)));
    await Promise.all([...waits, ...w.pending.splice(0)]);
    expect([w.clockReads, w.gateReads]).toEqual([1, 1]);
    expect(view.key('random', 'p')).toBeNull();
  });

  it('unknown keys one after another: at most one clock read per recheckMs, each from after its key arrived', async () => {
    const { w, get, view, recheck } = world();
    await get();
    const started = w.now;
    for (let i = 0; i < 40; i++) {
      w.now += 10; // a made-up key every 10 ms, each waiting for its own answer
      await recheck();
      expect(view.key(`random-${i}`, 'p')).toBeNull();
    }
    expect(w.clockReads).toBeLessThanOrEqual(Math.floor((w.now - started) / 250) + 1);
  });

  it('a key created since the last check is found by the recheck its first request makes', async () => {
    const { w, get, view, recheck } = world();
    await get();
    w.keys?.set('h2', key('h2'));
    w.clock++; // the key's insert moved the clock
    w.now += 300;
    expect(view.key('h2', 'p')).toBeNull();
    await recheck();
    expect(view.key('h2', 'p')?.id).toBe('id-h2');
    expect([w.clockReads, w.gateReads]).toEqual([1, 2]);
  });

  // Past EDGE_MAX_KEYS each isolate quietly went back to one read per key: the operator is told
  // which project's keys are read one by one, once per change.
  it.each([
    ['keys held from the start and after', [true, true], []],
    ['too many from the start', [false], ['warn p']],
    ['too many after a re-read, then few enough again', [true, false, false, true], ['warn p', 'info p']],
  ] as const)('%s', async (_name, reads, lines) => {
    const { w, get } = world();
    for (const holds of reads) {
      w.keys = holds ? new Map([['h1', key('h1')]]) : new Map();
      w.unheld = new Set(holds ? [] : ['p']);
      w.clock++;
      w.now += 1_000;
      await get();
    }
    const logged = w.logs.map((l) => JSON.parse(l) as { level: string; msg: string; project: string });
    expect(logged.map((l) => `${l.level} ${l.project}`)).toEqual(lines);
    if (lines.length > 0) expect(logged[0]?.msg).toMatch(/^project p has more keys than fit; its keys are read one by one/);
  });

  // The read leaves one tenant's unreadable rows out rather than fail every tenant's view: the
  // operator is told which, once per change, not once per re-read.
  const bad: UnreadableRow = { table: 'apps', id: 'q/bad', error: 'apps row "q/bad": column cors_origins_json must be valid JSON, got "not json"' };
  const badKey: UnreadableRow = { table: 'api_keys', id: 'k9', error: 'api_keys row "k9": column revoked must be 0 or 1, got 2' };
  it.each([
    ['none unreadable', [[], []], []],
    ['one unreadable, read again and again: logged once', [[bad], [bad], [bad]], [['error', ['q/bad']]]],
    ['another joins it, then both are fixed', [[bad], [bad, badKey], []], [['error', ['q/bad']], ['error', ['q/bad', 'k9']], ['info', null]]],
  ] as const)('unreadable rows: %s', async (_name, reads, logged) => {
    const { w, get } = world();
    for (const rows of reads) {
      w.unreadable = [...rows];
      w.clock++;
      w.now += 1_000;
      await get();
    }
    const lines = w.logs.map((l) => JSON.parse(l) as { level: string; rows?: UnreadableRow[] });
    expect(lines.map((l) => [l.level, l.rows?.map((r) => r.id) ?? null])).toEqual(logged);
  });
});


// Crossing EDGE_MAX_KEYS: the keys this isolate answered of the project that no longer fits are
// carried to the per-key cache (as of the last read), so they need no first load each; keys it
// never answered are not, nor those of projects still held.
describe('AuthView when it stops holding keys', () => {
  it.each([
    ['used keys only, as last read', ['h1', 'h3'], ['h1', 'h3']],
    ['none used: nothing', [], []],
    ['a made-up hash is not carried', ['h1', 'nope'], ['h1']],
  ])('%s', async (_, asked, carried) => {
    const { w, get, view } = world();
    w.keys = new Map(['h1', 'h2', 'h3'].map((h) => [h, key(h)]));
    await get();
    for (const h of asked) view.key(h, 'p');
    w.keys = new Map(); // p has too many to hold now
    w.unheld = new Set(['p']);
    w.clock++;
    w.now += 1_000;
    await get();
    expect(view.key('h1', 'p')).toBeUndefined();
    expect(w.carried).toEqual([carried]);
  });

  it('carries nothing while it keeps holding keys, or once it has stopped', async () => {
    const { w, get, view } = world();
    await get();
    view.key('h1', 'p');
    for (const keys of [new Map([['h1', key('h1')]]), new Map<string, ApiKey>(), new Map<string, ApiKey>()]) {
      w.keys = keys;
      w.unheld = new Set(keys.size === 0 ? ['p'] : []);
      w.clock++;
      w.now += 1_000;
      await get();
    }
    expect(w.carried).toEqual([[], ['h1'], []]);
  });

  it("carries only the unheld project's keys: another project's stay in the view", async () => {
    const { w, get, view } = world();
    const q = (h: string): ApiKey => ({ ...key(h), projectId: 'q' });
    w.keys = new Map([['h1', key('h1')], ['q1', q('q1')]]);
    await get();
    view.key('h1', 'p');
    view.key('q1', 'q');
    w.keys = new Map([['q1', q('q1')]]);
    w.unheld = new Set(['p']);
    w.clock++;
    w.now += 1_000;
    await get();
    expect(w.carried).toEqual([['h1']]);
    expect(view.key('q1', 'q')?.id).toBe('id-q1');
  });
});
