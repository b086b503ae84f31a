import { describe, expect, it } from 'vitest';
import type { ClusterLatency } from './latency-tracker.ts';
import { ttftColumn } from './reporter.ts';

// The edge reads rtt_ms = ttft_ms as a proxy from before session 14 reporting its TTFB as RTT
// (shared/decision/latency-estimate.ts), so this proxy never writes that pair.
describe('the ttft_ms column next to rtt_ms', () => {
  it.each<[string, ClusterLatency | undefined, number | null]>([
    ['nothing measured', undefined, null],
    ['a TTFB, no RTT yet', { rttMs: null, ttfbMs: 350, rttSamples: 0 }, 350],
    ['a TTFB next to an RTT', { rttMs: 2, ttfbMs: 350, rttSamples: 4 }, 350],
    ['a TTFB equal to the RTT by chance: left out', { rttMs: 2, ttfbMs: 2, rttSamples: 4 }, null],
  ])('%s', (_name, l, expected) => {
    expect(ttftColumn(l)).toBe(expected);
  });
});
