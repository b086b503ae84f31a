import { describe, expect, it } from 'vitest';
import type { ApiKey } from '../../shared/domain/types.ts';
import { AuthView } from './auth-view.ts';
import type { AppGate } from './shared-deps.ts';

const gate: AppGate = { projectId: 'p', authRequired: true, corsOrigins: [] };
const key = (hash: string): ApiKey => ({ id: `id-${hash}`, projectId: 'p', hash, revoked: false });

// An unknown key's answer must come from a clock read that started after it arrived (a key created
// just after a check was refused 401), and must not wait for the per-key cache's reload.
describe('AuthView: an unknown key waits for a fresh clock check', () => {
  it('a key created just after a check is found by the next request (not refused for up to 250 ms)', async () => {
    const w = { now: 0, clock: 5, keys: new Map([['h1', key('h1')]]) };
    const pending: Promise<unknown>[] = [];
    const wu = (p: Promise<unknown>) => void pending.push(p);
    const view = new AuthView({
      checkMs: 1_000, maxAgeMs: 60_000, recheckMs: 250, now: () => w.now,
      loadClock: async () => w.clock,
      loadGates: async () => ({ clock: w.clock, gates: new Map([['p/a', gate]]), keys: new Map(w.keys), unheld: new Set(), filters: new Map(), unreadable: [] }),
      onMove: async () => undefined, log: () => undefined,
    });
    await view.gates(wu);
    w.now = 1_000;
    await view.gates(wu); // a request with a known key: background clock check at t=1000
    await Promise.all(pending.splice(0));
    // The control plane creates key h2 at t=1010 and the client calls at t=1050.
    w.keys.set('h2', key('h2'));
    w.clock++;
    w.now = 1_050;
    await view.recheck(wu);
    await Promise.all(pending.splice(0));
    expect(view.key('h2', 'p')).not.toBeNull();
  });
});

describe('AuthView: an unknown key does not wait for the key cache reload', () => {
  it('an unknown key is answered without waiting for the key cache reload', async () => {
    const w = { now: 0, clock: 5 };
    const view = new AuthView({
      checkMs: 1_000, maxAgeMs: 60_000, recheckMs: 250, now: () => w.now,
      loadClock: async () => w.clock,
      loadGates: async () => ({ clock: w.clock, gates: new Map([['p/a', gate]]), keys: new Map([['h1', key('h1')]]), unheld: new Set(), filters: new Map(), unreadable: [] }),
      // keys.reloadAll() over a key cache left from a per-key period (e.g. before db migrate to v26)
      onMove: () => new Promise<void>((r) => setTimeout(r, 5_000)),
      log: () => undefined,
    });
    await view.gates(() => undefined);
    w.clock++;
    w.now = 1_000;
    // Which comes first, not how fast: the reload takes 5 s, and a loaded machine may take longer
    // than any short bound to answer from memory.
    const answered = view.recheck(() => undefined).then(() => 'recheck');
    const waited = new Promise((r) => setTimeout(r, 4_000)).then(() => 'waited for the reload');
    expect(await Promise.race([answered, waited])).toBe('recheck');
  }, 10_000);
});

describe('AuthView: a recheck the database did not answer says so', () => {
  it('returns false, so the edge reads the key itself (503 when the database is down), not 401', async () => {
    const w = { now: 0, down: false };
    const view = new AuthView({
      checkMs: 1_000, maxAgeMs: 60_000, recheckMs: 250, now: () => w.now,
      loadClock: async () => { if (w.down) throw new Error('db down'); return 5; },
      loadGates: async () => ({ clock: 5, gates: new Map([['p/a', gate]]), keys: new Map([['h1', key('h1')]]), unheld: new Set(), filters: new Map(), unreadable: [] }),
      onMove: async () => undefined, log: () => undefined, sleep: async (ms) => void (w.now += ms),
    });
    await view.gates(() => undefined);
    w.now = 1_000;
    expect(await view.recheck(() => undefined)).toBe(true);
    w.down = true;
    w.now = 2_000;
    expect(await view.recheck(() => undefined)).toBe(false);
  });
});
