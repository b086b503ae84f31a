/** A small scenario (seconds to run) shared by the simulator's tests. */
export const SMALL_SCENARIO = `
name: small
seed: 11
durationHours: 0.25
tickSeconds: 1
propagation: { intervalSeconds: 2, delaySeconds: 1 }
traffic:
  ratePerSecond: 40
  diurnal: { amplitude: 0.3, peakLocalHour: 15 }
  durations:
    - { name: chat, weight: 0.95, meanSeconds: 3 }
    - { name: batch, weight: 0.05, meanSeconds: 120 }
  clients:
    - { name: new-york, lat: 40.7, lon: -74.0, continent: NA, country: US, weight: 3 }
    - { name: paris, lat: 48.9, lon: 2.35, continent: EU, country: FR, weight: 2 }
    - { name: tokyo, lat: 35.7, lon: 139.7, continent: AS, country: JP, weight: 1 }
apps:
  - { id: acme/chat, share: 0.7 }
  # Deployed everywhere but must stay in Europe: only residency keeps it there.
  - { id: acme/eu-only, share: 0.3, residency: { kind: continents, continents: [EU] } }
clusters:
  - { id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, maxReplicas: 12 }
  - { id: eu-west-a, region: eu-west, provider: lambda, pricePerHour: 2.5, maxReplicas: 12 }
  - { id: eu-central-a, region: eu-central, provider: aws, pricePerHour: 4.5, maxReplicas: 12 }
  - { id: ap-ne-a, region: ap-northeast, provider: gcp, pricePerHour: 3.5, maxReplicas: 8 }
incidents:
  - { kind: cluster-outage, cluster: eu-west-a, startHours: 0.1, durationHours: 0.05 }
  - { kind: price-spike, provider: aws, factor: 3, startHours: 0.15, durationHours: 0.05 }
`;
