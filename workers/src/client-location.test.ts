import { describe, expect, it } from 'vitest';
import { clientLocation } from './client-location.ts';

describe('clientLocation', () => {
  it.each([
    [undefined, { colo: null, country: null, continent: null, location: null }],
    [
      { colo: 'FRA', country: 'DE', continent: 'EU', latitude: '50.11', longitude: '8.68' },
      { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.11, lon: 8.68 } },
    ],
    [
      { colo: 'SJC', country: 'US', continent: 'NA', latitude: 37.3, longitude: -121.9 },
      { colo: 'SJC', country: 'US', continent: 'NA', location: { lat: 37.3, lon: -121.9 } },
    ],
    [
      { colo: '', country: 'T1', continent: 'XX', latitude: '91', longitude: '0' },
      { colo: null, country: null, continent: null, location: null },
    ],
    [{ country: 'XX', latitude: 'abc', longitude: '1' }, { colo: null, country: null, continent: null, location: null }],
  ])('%j', (cf, expected) => {
    expect(clientLocation(cf)).toEqual(expected);
  });
});
