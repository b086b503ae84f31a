import { describe, expect, it } from 'vitest';
import { clusterCapacity, type AppCapacity } from './cluster-capacity.ts';

const app = (replicas: string[], over: Partial<AppCapacity> = {}): AppCapacity => ({
  hotFree: 8, hotBusy: 0, warm: 4, cold: 16, queued: 0, replicas, ...over,
});

describe('clusterCapacity', () => {
  it.each([
    { name: 'no apps', apps: [], want: { hotFree: 0, hotBusy: 0, warm: 0, cold: 0, queued: 0, exact: true } },
    { name: 'one app', apps: [app(['r0', 'r1'])], want: { hotFree: 8, warm: 4, cold: 16, exact: true } },
    {
      name: 'three apps on the same 2 replicas × 4 slots count them once',
      apps: [app(['r0', 'r1']), app(['r1', 'r0']), app(['r0', 'r1'])],
      want: { hotFree: 8, hotBusy: 0, warm: 4, cold: 16, exact: true },
    },
    {
      name: 'shared replicas scraped a moment apart: the largest row',
      apps: [app(['r0', 'r1'], { hotFree: 6, hotBusy: 2, queued: 1 }), app(['r0', 'r1'], { hotFree: 5, hotBusy: 3, queued: 0 })],
      want: { hotFree: 6, hotBusy: 3, queued: 1, exact: true },
    },
    {
      name: 'apps on separate replicas add up',
      apps: [app(['r0', 'r1'], { hotBusy: 1 }), app(['r2'], { hotFree: 4, hotBusy: 2 })],
      want: { hotFree: 12, hotBusy: 3, warm: 8, cold: 32, exact: true },
    },
    {
      name: 'shared and separate: the shared pair once, plus the other',
      apps: [app(['r0']), app(['r0']), app(['r1'], { hotFree: 4 })],
      want: { hotFree: 12, exact: true },
    },
    {
      name: 'overlapping but different sets: one group, a lower bound',
      apps: [app(['r0', 'r1']), app(['r1', 'r2'], { hotFree: 6 })],
      want: { hotFree: 8, exact: false },
    },
    {
      name: 'a later app joins two groups into one',
      apps: [app(['r0']), app(['r1'], { hotFree: 4 }), app(['r0', 'r1'], { hotFree: 10 })],
      want: { hotFree: 10, exact: false },
    },
  ])('$name', ({ apps, want }) => {
    expect(clusterCapacity(apps)).toMatchObject(want);
  });
});
