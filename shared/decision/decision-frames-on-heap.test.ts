import { describe, expect, it } from 'vitest';
import { realisticSnapshot } from '../../bench/decision.ts';
import { decide } from './decide.ts';
import { context, policy, request } from './test-fixtures.ts';
import type { Decision } from './types.ts';

// A decision keeps its per-candidate numbers until it is explained (explain.ts). Kept off the
// JS heap (views of 256 KB Float64Array slabs), they were external memory that only a full GC
// frees: at 512 candidates ~20 full GCs per 100k decisions, and the decisions after each new
// slab ran ~3× slower while touching its fresh pages. On the heap they die with the decision in a
// scavenge, so deciding must not grow ArrayBuffer memory, however many decisions are kept.

describe('decision frames', () => {
  it('keep their numbers on the JS heap: 200 kept decisions at 512 candidates add no ArrayBuffer memory', () => {
    const snap = realisticSnapshot(512);
    const p = policy();
    decide(request(), snap, p, context('warm-up')); // per-snapshot scratch (term values) comes first
    const before = process.memoryUsage().arrayBuffers;
    const kept: Decision[] = [];
    for (let i = 0; i < 200; i++) kept.push(decide(request(), snap, p, context(`d${i}`)));
    const grown = process.memoryUsage().arrayBuffers - before;
    // Slabs held 200 × 512 × 7 doubles (5.7 MB) here; a few KB of slack for anything else.
    expect(grown).toBeLessThan(64 * 1024);
    // And the kept decisions still explain themselves from their own numbers.
    expect(kept.map((d) => d.candidates.length)).toEqual(Array(200).fill(512));
    expect(new Set(kept.map((d) => d.candidates.find((c) => c.clusterId === d.chosen)?.probability)).has(undefined)).toBe(false);
  });
});
