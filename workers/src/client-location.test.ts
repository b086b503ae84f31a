import { describe, expect, it } from 'vitest';
import { clientLocation, devLocationOverride } from './client-location.ts';

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

describe('devLocationOverride', () => {
  it.each([
    ['valid JSON', '{"country":"DE","continent":"EU","lat":50.1,"lon":8.7,"colo":"FRA"}', { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } }],
    ['garbage is ignored', 'not json', undefined],
    ['bad fields become unknown', '{"country":"germany","continent":"XX"}', { colo: null, country: null, continent: null, location: null }],
  ])('%s', (_name, header, expected) => {
    const cf = devLocationOverride(new Headers({ 'x-switchyard-dev-location': header }));
    expect(cf === undefined ? undefined : clientLocation(cf)).toEqual(expected);
  });
  it('absent header gives undefined', () => {
    expect(devLocationOverride(new Headers())).toBeUndefined();
  });
});
