import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { KPA_DEFAULTS } from './autoscaler.ts';
import { runStrategy } from './run-strategy.ts';
import { parseScenario } from './scenario.ts';

// One cluster, two replicas of 8 slots, no warm nodes: every replica it adds is a cold start.
// Base load is ~6 requests of 1 s (well under its 16 slots). A one-second surge to 3x queues a
// few requests for under a second; a sustained 3x surge (~18 busy) overloads it for minutes.
// The default autoscaler (Knative's KPA with its defaults: 60 s stable window, 6 s panic window,
// 70 % target, a decision every 2 s) ignores the blip and reacts to the overload within its
// stable window; the pre-session-9 `instant` rule starts a cold replica on the blip's first
// queued request.
const SURGE_AT_S = 540;
const scenario = (incidents: string, endSeconds: number, extra = ''): ReturnType<typeof parseScenario> =>
  parseScenario(
    `
name: blip
seed: 3
durationHours: ${endSeconds / 3600}
tickSeconds: 1
traffic:
  ratePerSecond: 6
  durations: [{ name: chat, weight: 1, meanSeconds: 1 }]
  clients: [{ name: paris, lat: 48.9, lon: 2.35, continent: EU, country: FR, weight: 1 }]
apps: [{ id: acme/chat, share: 1 }]
clusters:
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, minReplicas: 2, maxReplicas: 10, warmNodes: 0, coldNodes: 10, coldStartSeconds: 60 }
incidents:
${incidents}
${extra}`,
    'blip.yaml',
  );

const BLIP = `  - { kind: load-surge, factor: 3, startHours: ${180 / 3600}, durationHours: ${1 / 3600} }`;
const SUSTAINED = `  - { kind: load-surge, factor: 3, startHours: ${SURGE_AT_S / 3600}, durationHours: 0.1 }`;
/** The documented reaction time to a sustained overload: the stable window, then the next decision. */
const REACTION_S = KPA_DEFAULTS.stableWindowSeconds + KPA_DEFAULTS.tickSeconds;

describe('a queue blip does not start a cold replica', () => {
  it('the blip queues requests but starts no replica (default kpa autoscaler)', () => {
    const r = runStrategy(scenario(BLIP, 480), 'nearest-region', DEFAULT_POLICY);
    expect(r.queuedRequests).toBeGreaterThan(0);
    expect(r.coldStarts).toBe(0);
  });

  it('the same blip under `autoscaler: { kind: instant }` (the old rule) does start one', () => {
    const r = runStrategy(scenario(BLIP, 480, 'autoscaler: { kind: instant }'), 'nearest-region', DEFAULT_POLICY);
    expect(r.coldStarts).toBeGreaterThan(0);
  });

  it(`sustained overload starts cold replicas within ${REACTION_S} s`, () => {
    const r = runStrategy(scenario(`${BLIP}\n${SUSTAINED}`, SURGE_AT_S + REACTION_S), 'nearest-region', DEFAULT_POLICY);
    expect(r.coldStarts).toBeGreaterThan(0);
    expect(r.coldStartDetail?.byHour).toEqual([r.coldStarts]);
    // and enough of them for the overload at the 70 % target (~18 busy / 5.6 per replica → 4 replicas)
    const later = runStrategy(scenario(`${BLIP}\n${SUSTAINED}`, SURGE_AT_S + 3 * REACTION_S), 'nearest-region', DEFAULT_POLICY);
    expect(later.coldStarts).toBeGreaterThanOrEqual(2);
  });
});
