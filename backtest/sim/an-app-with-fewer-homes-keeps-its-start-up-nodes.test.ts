import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/decision/policy.ts';
import { runStrategy } from './run-strategy.ts';
import { parseScenario } from './scenario.ts';

// The week slice's first minutes in small: the fleet starts at its minimum replicas, the American
// clients (evening) outgrow their clusters at once while the European ones (night) still show
// room. A global app and an EU-resident one share each cluster's few warm and cold nodes; the EU
// app cannot leave Europe. When every row was at its share-of-room cap, the global app's excess
// went to the European rows still showing room and its autoscaler took their nodes: the EU app
// was turned away (281 rejected; least-connections 157). Now the excess starts where it can soonest
// (its own continent's warm nodes) and never on start-up slots the EU app needs there.
const scenario = parseScenario(
  `
name: fewer-homes
seed: 7
durationHours: 0.1
tickSeconds: 1
propagation: { intervalSeconds: 2, delaySeconds: 1 }
traffic:
  ratePerSecond: 40
  diurnal: { amplitude: 0.5, peakLocalHour: 15 }
  durations:
    - { name: chat, weight: 1, meanSeconds: 6 }
  clients:
    - { name: new-york, lat: 40.7, lon: -74.0, continent: NA, country: US, weight: 3 }
    - { name: chicago, lat: 41.9, lon: -87.6, continent: NA, country: US, weight: 2 }
    - { name: paris, lat: 48.9, lon: 2.35, continent: EU, country: FR, weight: 1 }
apps:
  - { id: acme/chat, share: 0.8 }
  - { id: acme/eu-only, share: 0.2, residency: { kind: continents, continents: [EU] } }
clusters:
  - { id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, minReplicas: 2, maxReplicas: 30, warmNodes: 8, coldNodes: 20 }
  - { id: us-central-a, region: us-central, provider: gcp, pricePerHour: 3.7, minReplicas: 2, maxReplicas: 30, warmNodes: 8, coldNodes: 20 }
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, minReplicas: 2, maxReplicas: 30, warmNodes: 4, coldNodes: 6 }
  - { id: eu-central-a, region: eu-central, provider: aws, pricePerHour: 4.5, minReplicas: 2, maxReplicas: 30, warmNodes: 4, coldNodes: 6 }
`,
  'fewer-homes.yaml',
);

describe('an app with fewer homes keeps the start-up nodes it needs', () => {
  it('switchyard turns none of the EU-only app away, and rejects no more than least-connections', () => {
    const sy = runStrategy(scenario, 'switchyard', DEFAULT_POLICY);
    const lc = runStrategy(scenario, 'least-connections', DEFAULT_POLICY);
    expect(sy.rejectionDetail?.byApp['acme/eu-only'] ?? 0).toBe(0);
    expect(lc.rejectionDetail?.byApp['acme/eu-only'] ?? 0).toBeGreaterThan(0);
    expect(sy.rejected).toBeLessThanOrEqual(lc.rejected);
    expect(sy.residencyViolations).toBe(0);
  });
});
