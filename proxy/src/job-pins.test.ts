import { describe, expect, it } from 'vitest';
import { JobPins, type JobPinRow, type JobPinStore } from './job-pins.ts';

/** Counts the store writes: a busy job must not cost one libSQL write per request. */
function countingStore(): JobPinStore & { writes: JobPinRow[] } {
  const writes: JobPinRow[] = [];
  return {
    writes,
    upsertJobPin: (row) => {
      writes.push(row);
      return Promise.resolve();
    },
    loadJobPins: () => Promise.resolve([]),
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
  ])('$name', ({ steps, writes, expiresAt }) => {
    const store = countingStore();
    const pins = new JobPins(store, 'px', () => undefined);
    for (const [dt, cluster, endpoint] of steps) pins.record('p/a', 'h', cluster, endpoint, PIN_MS, T0 + dt);
    expect(store.writes).toHaveLength(writes);
    expect(pins.get('p/a', 'h', T0 + 1000)?.expiresAt).toBe(expiresAt);
  });
});
