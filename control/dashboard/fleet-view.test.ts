import { describe, expect, it } from 'vitest';
import { ageText, fleetView, healthView, priceText, type FleetRow } from './fleet-view.ts';

const row = (over: Partial<FleetRow>): FleetRow => ({
  id: 'c1', region: 'eu', provider: 'p', health: 'healthy', draining: false, proxyDraining: false, circuitOpen: false,
  hotFree: 3, hotBusy: 1, warm: 4, cold: 16, queued: 0, capacityExact: true, minPricePerHour: 2.5, maxPricePerHour: 2.5, gpuTypes: 'H100',
  observedAt: 1_000, ...over,
});

describe('healthView', () => {
  it.each([
    ['healthy', 100, 'healthy'],
    ['degraded', 100, 'degraded'],
    ['unhealthy', 100, 'unhealthy'],
    ['weird', 100, 'unknown'],
    [null, 100, 'unknown'],
    ['healthy', null, 'unknown'],
    ['healthy', 5_001, 'stale'],
    ['unhealthy', 60_000, 'stale'],
  ] as const)('%s aged %s ms → %s', (health, age, want) => {
    expect(healthView(health, age)).toBe(want);
  });
});

describe('ageText', () => {
  it.each([
    [null, 'never'],
    [0, '0.0s'],
    [400, '0.4s'],
    [12_345, '12s'],
    [180_000, '3m'],
    [7_200_000, '2h'],
    [-50, '0.0s'],
  ] as const)('%s → %s', (ms, want) => expect(ageText(ms)).toBe(want));
});

describe('priceText', () => {
  it.each([
    [null, null, '-'],
    [2.5, 2.5, '$2.50/h'],
    [2.49, 4.25, '$2.49–4.25/h'],
  ] as const)('%s..%s → %s', (a, b, want) => expect(priceText(a, b)).toBe(want));
});

describe('fleetView', () => {
  it.each([
    {
      name: 'groups by region, sorted, with every column',
      rows: [row({ id: 'b', region: 'us' }), row({ id: 'z', region: 'eu' }), row({ id: 'a', region: 'us' })],
      now: 1_500,
      want: [
        ['eu', ['z']],
        ['us', ['a', 'b']],
      ],
    },
    { name: 'no clusters', rows: [], now: 0, want: [] },
  ])('$name', ({ rows, now, want }) => {
    const v = fleetView(rows, now);
    expect(v.map((r) => [r.region, r.clusters.map((c) => c.id)])).toEqual(want);
  });

  it.each([
    { over: {}, want: { health: 'healthy', circuit: 'closed', draining: false, hot: '3 free / 1 busy', stateAge: '0.5s', price: '$2.50/h' } },
    { over: { circuitOpen: true, health: 'degraded' }, want: { health: 'degraded', circuit: 'open' } },
    { over: { proxyDraining: true }, want: { draining: true } },
    { over: { capacityExact: false }, want: { hot: '3+ free / 1+ busy' } },
    { over: { observedAt: null, health: null }, want: { health: 'unknown', stateAge: 'never' } },
    { over: { observedAt: -10_000 }, want: { health: 'stale', stateAge: '12s' } },
    { over: { gpuTypes: '' }, want: { gpu: '-' } },
  ])('cluster fields $over', ({ over, want }) => {
    const [region] = fleetView([row(over)], 1_500);
    expect(region?.clusters[0]).toMatchObject(want);
  });
});
