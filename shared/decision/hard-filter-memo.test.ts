import { describe, expect, it } from 'vitest';
import type { ClientLocation } from '../domain/types.ts';
import { compileSnapshot } from './compile-snapshot.ts';
import { rowsOf } from './candidate-row.ts';
import { memoHardFilters } from './hard-filter-memo.ts';
import { hardFilters } from './hard-filters.ts';
import { NOW, cluster, policy, request, snapshot, state, status } from './test-fixtures.ts';

// decide() reads each candidate's disqualifications through the memo; a stale entry would put
// an old reason (or an old "state is 130s old") into a routing decision. One memo, fed a
// sequence of requests whose inputs cross every boundary the filters look at, must give what
// hardFilters computes fresh, detail strings included.

const FRANKFURT = request().client;
const VIRGINIA: ClientLocation = { colo: 'IAD', country: 'US', continent: 'NA', location: { lat: 38.9, lon: -77.4 } };
const NOWHERE: ClientLocation = { colo: null, country: null, continent: null, location: null };
const HARD = policy().staleHardMs;

const snap = snapshot({
  clusters: [cluster('eu-1', 'eu-west'), cluster('us-1', 'us-east'), cluster('ap-1', 'ap-southeast'), cluster('gone', 'eu-west')],
  states: [
    state('eu-1', { observedAt: NOW - 5_000 }),
    // Crosses the hard limit during the sequence; its detail prints the age in seconds.
    state('us-1', { observedAt: NOW - HARD + 2_000, hotFree: 0, warm: 0, cold: 0 }),
    state('ap-1', { observedAt: NOW - 1_000, health: 'unhealthy' }),
  ],
  statuses: [status('eu-1', { draining: true, observedAt: NOW - HARD + 500 }), status('ap-1', { circuitOpen: true })],
  app: { residency: { kind: 'client-continent' } },
});

const steps: [client: ClientLocation, dtMs: number, policyOver: Partial<ReturnType<typeof policy>>][] = [
  [FRANKFURT, 0, {}],
  [FRANKFURT, 0, {}],
  [VIRGINIA, 0, {}],
  [NOWHERE, 0, {}],
  [FRANKFURT, 400, {}], // eu-1's status passes the hard limit
  [FRANKFURT, 2_100, {}], // us-1's state turns stale: "120s old"
  [FRANKFURT, 2_400, {}], // same label
  [FRANKFURT, 3_600, {}], // next label
  [VIRGINIA, 3_600, {}],
  [VIRGINIA, 3_600, { staleHardMs: HARD * 2 }], // another policy's limit: nothing stale
  [VIRGINIA, 3_600, {}],
];

describe('memoHardFilters', () => {
  it('gives exactly what hardFilters computes, over requests crossing every input it reads', () => {
    const compiled = compileSnapshot(snap);
    const memos = rowsOf(compiled).filters;
    for (const [client, dt, over] of steps) {
      const p = policy(over);
      for (const c of compiled.candidates) {
        const memo = memos[c.index];
        if (memo === undefined) throw new Error('no memo slot');
        expect(memoHardFilters(memo, c, client, p, NOW + dt)).toEqual(hardFilters(c, client, p, NOW + dt));
      }
    }
  });

  it('returns the same list while the inputs repeat (no list rebuilt per decision)', () => {
    const compiled = compileSnapshot(snap);
    const c = compiled.candidates[1];
    const memo = rowsOf(compiled).filters[1];
    if (c === undefined || memo === undefined) throw new Error('no candidate');
    const first = memoHardFilters(memo, c, FRANKFURT, policy(), NOW + 2_100);
    expect(first.map((d) => d.detail)).toContain('state is 120s old (limit 120s): unknown');
    expect(memoHardFilters(memo, c, FRANKFURT, policy(), NOW + 2_300)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
