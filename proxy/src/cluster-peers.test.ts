import { describe, expect, it } from 'vitest';
import { workerSlotFromEnv } from './cluster-peers.ts';

describe('workerSlotFromEnv: the slot a cluster worker was forked into', () => {
  it.each([
    ['index and count', '1/4', { index: 1, count: 4 }],
    ["with the primary's boot time (recovery takes up only older jobs)", '0/2@1700000000000', { index: 0, count: 2, bootedAt: 1_700_000_000_000 }],
    ['index past the count', '4/4', null],
    ['garbage', '0/2@soon', null],
    ['unset', undefined, null],
  ])('%s', (_name, raw, slot) => {
    expect(workerSlotFromEnv({ SWITCHYARD_PROXY_WORKER: raw })).toEqual(slot);
  });
});
