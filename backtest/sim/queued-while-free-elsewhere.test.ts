import { describe, expect, it } from 'vitest';
import { estimateRttMs } from '../../shared/geo/rtt-model.ts';
import { findRegion } from '../../shared/domain/regions.ts';
import { parseScenario } from './scenario.ts';
import { simulate } from './simulate.ts';

// The Queued list says how much queueing placement caused rather than capacity: requests that
// queued while another cluster the app may use had a free slot. nearest-region sends Paris to a
// small cluster in eu-west that fills up, while a big one in eu-north sits idle.
const fleet = (residency: string, far: string): string => `
name: queued-while-free-elsewhere
seed: 11
durationHours: 0.1
tickSeconds: 1
propagation: { intervalSeconds: 2, delaySeconds: 1 }
traffic:
  ratePerSecond: 7
  durations:
    - { name: chat, weight: 1, meanSeconds: 1.5 }
  clients:
    - { name: paris, lat: 48.9, lon: 2.35, continent: EU, country: FR, weight: 1 }
apps:
  - { id: acme/chat, share: 1${residency} }
clusters:
  - { id: near, region: eu-west, provider: lambda, pricePerHour: 2.5, concurrencyPerReplica: 16, minReplicas: 1, maxReplicas: 1, warmNodes: 0, coldNodes: 0, maxQueuePerReplica: 1000 }
  - { id: far, region: ${far}, provider: aws, pricePerHour: 4, concurrencyPerReplica: 64, minReplicas: 1, maxReplicas: 1, warmNodes: 0, coldNodes: 0 }
`;

const run = (yaml: string) => simulate(parseScenario(yaml, 'q.yaml'), { strategies: ['nearest-region'] }).strategies[0];

describe('the Queued list counts queueing while an allowed cluster had a free slot', () => {
  it('counts every queued request when an idle allowed cluster was there, with that cluster round trip', () => {
    const r = run(fleet('', 'eu-north'));
    expect(r?.queuedRequests).toBeGreaterThan(50);
    const f = r?.queueing.whileFreeElsewhere;
    expect(f?.requests).toBe(r?.queuedRequests);
    const north = findRegion('eu-north');
    if (north === undefined) throw new Error('eu-north is a region');
    expect(f?.meanRttMs).toBe(Math.round(estimateRttMs({ lat: 48.9, lon: 2.35 }, north.location)));
  });

  it('does not count a free cluster that residency forbids', () => {
    const r = run(fleet(', residency: { kind: continents, continents: [EU] }', 'us-east'));
    expect(r?.queuedRequests).toBeGreaterThan(50);
    expect(r?.queueing.whileFreeElsewhere).toEqual({ requests: 0, meanRttMs: null });
  });
});
