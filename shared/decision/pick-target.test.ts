import { describe, expect, it } from 'vitest';
import { newStrategyState, pickTarget } from './pick-target.ts';
import { seededRng } from './rng.ts';

const T = (ids: string[], weight = 1): { id: string; weight: number }[] =>
  ids.map((id) => ({ id, weight }));
const REPLICAS = T(['r1', 'r2', 'r3', 'r4', 'r5']);

describe('pickTarget', () => {
  it('returns null for no targets, whatever the strategy', () => {
    for (const s of [
      'switchyard',
      'round-robin',
      'random',
      'weighted',
      'least-outstanding',
      'consistent-hash',
      'power-of-two',
    ] as const) {
      expect(
        pickTarget(s, [], { rng: seededRng('x'), key: 'k', state: newStrategyState() }),
      ).toBeNull();
    }
  });

  it('round-robin cycles through targets in order', () => {
    const state = newStrategyState();
    const rng = seededRng('rr');
    const picks = Array.from({ length: 7 }, () =>
      pickTarget('round-robin', T(['a', 'b', 'c']), { rng, key: null, state }),
    );
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('least-outstanding picks the target with the fewest in flight', () => {
    const state = newStrategyState();
    state.outstanding.set('r1', 5).set('r2', 1).set('r3', 3).set('r4', 2).set('r5', 9);
    for (let i = 0; i < 20; i++)
      expect(
        pickTarget('least-outstanding', REPLICAS, { rng: seededRng(`lo${i}`), key: null, state }),
      ).toBe('r2');
  });

  it('least-outstanding spreads ties instead of always taking the first', () => {
    const state = newStrategyState();
    state.outstanding.set('r1', 1).set('r2', 0).set('r3', 0);
    const rng = seededRng('ties');
    const seen = new Set(
      Array.from({ length: 200 }, () =>
        pickTarget('least-outstanding', T(['r1', 'r2', 'r3']), { rng, key: null, state }),
      ),
    );
    expect([...seen].sort()).toEqual(['r2', 'r3']);
  });

  it('least-outstanding follows counts as the caller updates them', () => {
    const state = newStrategyState();
    const rng = seededRng('flow');
    const targets = T(['a', 'b', 'c']);
    for (let i = 0; i < 30; i++) {
      const id = pickTarget('least-outstanding', targets, { rng, key: null, state }) ?? '';
      state.outstanding.set(id, (state.outstanding.get(id) ?? 0) + 1);
    }
    expect([...state.outstanding.values()]).toEqual([10, 10, 10]);
  });

  it('power-of-two never picks the most loaded of two', () => {
    const state = newStrategyState();
    state.outstanding.set('hot', 100).set('idle', 0);
    const rng = seededRng('p2');
    for (let i = 0; i < 50; i++)
      expect(pickTarget('power-of-two', T(['hot', 'idle']), { rng, key: null, state })).toBe(
        'idle',
      );
    // With many targets the single most loaded one is never chosen (it always loses its pair).
    state.outstanding.set('r1', 50);
    const picks = new Set(
      Array.from({ length: 500 }, () =>
        pickTarget('power-of-two', REPLICAS, { rng, key: null, state }),
      ),
    );
    expect(picks.has('r1')).toBe(false);
  });

  it('switchyard and weighted pick by weight; weight 0 is never picked', () => {
    const rng = seededRng('w');
    const targets = [
      { id: 'a', weight: 3 },
      { id: 'b', weight: 1 },
      { id: 'z', weight: 0 },
    ];
    for (const s of ['switchyard', 'weighted'] as const) {
      const counts = new Map<string, number>();
      for (let i = 0; i < 40_000; i++) {
        const id = pickTarget(s, targets, { rng, key: null, state: newStrategyState() }) ?? '';
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      expect(Math.abs((counts.get('a') ?? 0) / 40_000 - 0.75)).toBeLessThan(0.015);
      expect(counts.get('z')).toBeUndefined();
    }
  });

  it('same seed gives the same random and power-of-two picks', () => {
    for (const s of ['random', 'power-of-two'] as const) {
      const run = (): (string | null)[] => {
        const rng = seededRng('same');
        return Array.from({ length: 20 }, () =>
          pickTarget(s, REPLICAS, { rng, key: null, state: newStrategyState() }),
        );
      };
      expect(run()).toEqual(run());
    }
  });
});

describe('consistent-hash', () => {
  const pool = T(Array.from({ length: 8 }, (_, i) => `replica-${i}`));
  const keys = Array.from({ length: 4000 }, (_, i) => `user-${i}`);
  const assign = (targets: { id: string; weight: number }[]): Map<string, string | null> =>
    new Map(
      keys.map((k) => [
        k,
        pickTarget('consistent-hash', targets, {
          rng: seededRng('unused'),
          key: k,
          state: newStrategyState(),
        }),
      ]),
    );

  it('is sticky: the same key always lands on the same target', () => {
    const a = assign(pool);
    expect(assign([...pool].reverse())).toEqual(a);
  });

  it('spreads keys roughly evenly', () => {
    const counts = new Map<string, number>();
    for (const t of assign(pool).values()) counts.set(t ?? '', (counts.get(t ?? '') ?? 0) + 1);
    expect(counts.size).toBe(8);
    for (const c of counts.values()) expect(Math.abs(c - 500)).toBeLessThan(120);
  });

  it('removing a target moves only the keys it owned', () => {
    const before = assign(pool);
    const after = assign(pool.filter((t) => t.id !== 'replica-3'));
    let moved = 0;
    for (const k of keys) {
      if (before.get(k) === 'replica-3') {
        expect(after.get(k)).not.toBe('replica-3');
        moved++;
      } else expect(after.get(k)).toBe(before.get(k));
    }
    expect(moved).toBeGreaterThan(300);
  });

  it('adding a target moves keys only onto the new one', () => {
    const before = assign(pool);
    const after = assign([...pool, { id: 'replica-new', weight: 1 }]);
    for (const k of keys)
      if (after.get(k) !== before.get(k)) expect(after.get(k)).toBe('replica-new');
  });

  it('honours weights', () => {
    const counts = new Map<string, number>();
    for (const t of assign([
      { id: 'big', weight: 3 },
      { id: 'small', weight: 1 },
    ]).values())
      counts.set(t ?? '', (counts.get(t ?? '') ?? 0) + 1);
    expect(Math.abs((counts.get('big') ?? 0) / keys.length - 0.75)).toBeLessThan(0.03);
  });
});
