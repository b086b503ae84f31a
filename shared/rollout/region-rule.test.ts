import { describe, expect, test } from 'vitest';
import type { Cluster } from '../domain/types.ts';
import { chooseHeldRegions, homeRegion } from './region-rule.ts';

describe('chooseHeldRegions', () => {
  test.each([
    ['first n stable regions by id', ['us-east', 'eu-west', 'ap-southeast', 'eu-west'], 2, [], { ok: true, regions: ['ap-southeast', 'eu-west'] }],
    ['none asked', ['us-east'], 0, [], { ok: true, regions: [] }],
    ['explicit regions', ['us-east', 'eu-west', 'ap-southeast'], 2, ['us-east', 'eu-west'], { ok: true, regions: ['eu-west', 'us-east'] }],
  ] as const)('%s', (_n, stable, keep, explicit, want) => {
    expect(chooseHeldRegions(stable, keep, explicit)).toEqual(want);
  });
  test.each([
    ['more than served', ['us-east'], 2, [], /needs 2 regions serving the stable version; only 1/],
    ['explicit region without stable', ['us-east', 'eu-west'], 1, ['ap-southeast'], /serve no stable version/],
    ['fewer named than kept', ['us-east', 'eu-west'], 2, ['us-east'], /1 region\(s\) named but --keep-old-regions asks for 2/],
    ['negative', ['us-east'], -1, [], /whole number >= 0/],
  ] as const)('refuses: %s', (_n, stable, keep, explicit, message) => {
    const r = chooseHeldRegions(stable, keep, explicit);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

const cluster = (id: string, region: string, lat: number, lon: number): Cluster => ({
  id, region, continent: 'EU', country: 'XX', provider: 'p', location: { lat, lon }, proxyUrl: 'http://p', proxyId: 'p',
});
const CLUSTERS = [cluster('a', 'us-east', 38.9, -77.4), cluster('b', 'eu-west', 53.3, -6.3), cluster('c', 'eu-central', 50.1, 8.7)];

describe('homeRegion', () => {
  test.each([
    ['New York', { lat: 40.7, lon: -74 }, 'us-east'],
    ['London', { lat: 51.5, lon: -0.1 }, 'eu-west'],
    ['Frankfurt', { lat: 50.1, lon: 8.7 }, 'eu-central'],
    ['unknown', null, null],
  ] as const)('%s', (_n, where, want) => {
    expect(homeRegion(where, CLUSTERS)).toBe(want);
  });
});
