import { describe, expect, it } from 'vitest';
import type { LatencyMeasurement } from '../domain/types.ts';
import { decide } from './decide.ts';
import { NOW, cluster, context, measurement, policy, request, snapshot } from './test-fixtures.ts';

const EU = cluster('eu-1', 'eu-west');

/** The default model's network term for eu-1 when its own proxy reported `m`. */
function networkTerm(m: LatencyMeasurement): { ms: number; detail: string } | undefined {
  const d = decide(request(), snapshot({ clusters: [EU], latency: [m] }), policy(), context());
  return d.candidates[0]?.terms?.find((t) => t.name === 'network');
}

describe("the own proxy's RTT in the network term", () => {
  const geoOnly = networkTerm(measurement('eu-1', 'proxy-eu-west', { samples: 0, rttMs: 0 }));

  it.each<[string, Partial<LatencyMeasurement>, boolean]>([
    ['a fresh RTT, no TTFB reported', { rttMs: 40, ttftMs: null }, true],
    ['a fresh RTT next to a TTFB', { rttMs: 40, ttftMs: 350 }, true],
    ['no RTT sample yet', { rttMs: 0, ttftMs: 350, samples: 0 }, false],
    ['older than the staleness bound', { rttMs: 40, observedAt: NOW - 10 * 60_000 }, false],
    // Rolling deploy: a proxy from before session 14 wrote its TTFB (every app's server time)
    // into rtt_ms as well until it had an RTT; a proxy now never writes that pair.
    ["an old proxy's TTFB written as its RTT (rtt_ms = ttft_ms)", { rttMs: 350, ttftMs: 350 }, false],
  ])('%s: added to the geo leg: %s', (_name, over, added) => {
    const term = networkTerm(measurement('eu-1', 'proxy-eu-west', over));
    if (added) {
      expect(term?.detail).toMatch(/measured proxy RTT/);
      expect(term?.ms).toBeCloseTo((geoOnly?.ms ?? NaN) + (over.rttMs ?? NaN), 6);
    } else expect(term).toEqual(geoOnly);
  });

  it('the geo model alone is what a missing RTT leaves', () => {
    expect(geoOnly?.detail).toMatch(/geo model/);
  });
});
