import { describe, expect, it } from 'vitest';
import { serialScavengesPay } from './parallel-replay.ts';

// One replay thread leaves a core to V8's scavenge helpers; threads on every core only contend with them.
describe('parallel scavenges are turned off only when the replay threads take every core', () => {
  it.each([
    [1, 1, false],
    [1, 2, false],
    [2, 2, true],
    [3, 2, true],
    [2, 8, false],
    [8, 8, true],
  ])('%i threads on %i cores: %s', (threads, cores, off) => {
    expect(serialScavengesPay(threads, cores)).toBe(off);
  });
});
