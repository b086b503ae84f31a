import { describe, expect, it } from 'vitest';
import { MinRttWindow, rttWindowMs, type WindowedRtt } from './min-rtt-window.ts';

const WINDOW = 30_000;

/** Health rounds: when, and the round trips of the endpoints that answered. */
type Rounds = readonly (readonly [at: number, answersMs: readonly number[]])[];

describe('MinRttWindow: the network round trip of a cluster from its health rounds', () => {
  it.each<[string, Rounds, number, WindowedRtt | null]>([
    ['no answer yet', [], 0, null],
    ['a round of no answers adds nothing', [[0, []]], 0, null],
    ['one endpoint', [[0, [4]]], 0, { ms: 4, samples: 1 }],
    // One app's loaded replicas answer /health late; the idle replica shows the network.
    ['the quickest endpoint of a round stands for the cluster', [[0, [400, 3, 380]]], 0, { ms: 3, samples: 3 }],
    ['a slow round (a busy loop, a GC pause here) cannot raise it', [[0, [3]], [2_000, [250]], [4_000, [4]]], 4_000, { ms: 3, samples: 3 }],
    ['a fall shows at once', [[0, [40]], [2_000, [5]]], 2_000, { ms: 5, samples: 2 }],
    ['a round older than the window drops out', [[0, [3]], [20_000, [9]], [31_000, [8]]], 31_000, { ms: 8, samples: 2 }],
    ['a real network rise shows once the window has passed', [[0, [3]], [10_000, [60]], [20_000, [60]], [30_000, [60]]], 30_001, { ms: 60, samples: 3 }],
    ['…and not before', [[0, [3]], [10_000, [60]], [20_000, [60]], [30_000, [60]]], 30_000, { ms: 3, samples: 4 }],
    ['no answers for longer than the window: the last measured round still stands', [[0, [3]], [5_000, [7, 9]]], 600_000, { ms: 7, samples: 2 }],
  ])('%s', (_name, rounds, now, expected) => {
    const w = new MinRttWindow(WINDOW);
    for (const [at, answers] of rounds) w.addRound(at, answers);
    expect(w.current(now)).toEqual(expected);
  });

  it.each([
    [2_000, 30_000],
    [10_000, 50_000],
  ])('a %i ms health interval keeps a %i ms window (at least 30 s, at least 5 rounds)', (interval, window) => {
    expect(rttWindowMs(interval)).toBe(window);
  });
});
