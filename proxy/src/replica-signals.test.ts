import { describe, expect, it } from 'vitest';
import { ReplicaSignals } from './replica-signals.ts';

// Replicas come and go (autoscaling, new pod addresses): what the proxy keeps about one that no
// pick has considered for a minute must go, or every departed replica keeps its prefix LRU
// (up to prefixIndexBlocks hashes) for the life of the process.
describe('ReplicaSignals forgets replicas no pick considers any more', () => {
  const departed = 'http://10.0.0.1:8000';
  const live = 'http://10.0.0.2:8000';
  const load = { running: 1, waiting: 0, kvUsage: 0.1, kvCapacityTokens: null, engine: 'vllm' } as never;

  it.each<[string, (s: ReplicaSignals, now: number) => void]>([
    ['another pick (scraping off)', (s, now) => s.want(live, now)],
    ['a scrape round', (s, now) => void s.toScrape(now)],
  ])('after %s past the minute', (_name, step) => {
    const s = new ReplicaSignals(64, 4, 1_000, 3_000);
    s.want(departed, 0);
    s.index.record(departed, [1, 2, 3]);
    s.observe(departed, load, 0);
    s.began(departed);
    s.ended(departed);
    step(s, 30_000);
    expect(s.index.size(departed)).toBe(3);
    step(s, 61_000);
    expect(s.index.size(departed)).toBe(0);
    expect(s.toScrape(61_000)).not.toContain(departed);
  });

  it('keeps a replica that is still being picked', () => {
    const s = new ReplicaSignals(64, 4, 1_000, 3_000);
    s.want(live, 0);
    s.index.record(live, [1, 2]);
    s.want(live, 50_000);
    s.want(departed, 100_000);
    expect(s.index.size(live)).toBe(2);
  });
});

// A replica's /metrics sizes its prefix LRU; a buggy or hostile page (a KV capacity of 1e15
// tokens) must not let the index grow with traffic without bound.
describe('ReplicaSignals bounds a replica index sized from its report', () => {
  it.each<[string, number, number]>([
    ['a real engine (2 M tokens)', 2_000_000, 125_000],
    ['an absurd report', 1e15, 262_144],
    ['a tiny report', 10, 1],
  ])('%s', (_name, kvCapacityTokens, blocks) => {
    const s = new ReplicaSignals(64, 4, 65_536, 3_000);
    s.observe('http://r', { running: 0, waiting: 0, kvUsage: 0, kvCapacityTokens } as never, 0);
    expect(s.index.capacityOf('http://r')).toBe(blocks);
  });
});
