import type { Continent, Region } from './types.ts';

/**
 * The regions Switchyard knows. Cluster config naming any other region is
 * refused, so a typo can never silently break residency rules.
 * Coordinates are of the metro area the region's data centres sit in.
 */
export const REGIONS: readonly Region[] = [
  { id: 'us-east', continent: 'NA', country: 'US', location: { lat: 38.9, lon: -77.4 } },
  { id: 'us-central', continent: 'NA', country: 'US', location: { lat: 41.6, lon: -93.6 } },
  { id: 'us-west', continent: 'NA', country: 'US', location: { lat: 37.4, lon: -122.0 } },
  { id: 'ca-central', continent: 'NA', country: 'CA', location: { lat: 45.5, lon: -73.6 } },
  { id: 'sa-east', continent: 'SA', country: 'BR', location: { lat: -23.5, lon: -46.6 } },
  { id: 'eu-west', continent: 'EU', country: 'IE', location: { lat: 53.3, lon: -6.3 } },
  { id: 'eu-north', continent: 'EU', country: 'SE', location: { lat: 59.3, lon: 18.1 } },
  { id: 'eu-central', continent: 'EU', country: 'DE', location: { lat: 50.1, lon: 8.7 } },
  { id: 'eu-south', continent: 'EU', country: 'IT', location: { lat: 45.5, lon: 9.2 } },
  { id: 'uk-south', continent: 'EU', country: 'GB', location: { lat: 51.5, lon: -0.1 } },
  { id: 'me-central', continent: 'AS', country: 'AE', location: { lat: 25.2, lon: 55.3 } },
  { id: 'af-south', continent: 'AF', country: 'ZA', location: { lat: -26.2, lon: 28.0 } },
  { id: 'ap-south', continent: 'AS', country: 'IN', location: { lat: 19.1, lon: 72.9 } },
  { id: 'ap-southeast', continent: 'AS', country: 'SG', location: { lat: 1.35, lon: 103.8 } },
  { id: 'ap-northeast', continent: 'AS', country: 'JP', location: { lat: 35.7, lon: 139.7 } },
  { id: 'ap-east', continent: 'AS', country: 'HK', location: { lat: 22.3, lon: 114.2 } },
  { id: 'au-east', continent: 'OC', country: 'AU', location: { lat: -33.9, lon: 151.2 } },
];

const BY_ID: ReadonlyMap<string, Region> = new Map(REGIONS.map((r) => [r.id, r]));

/** The region with this id, or undefined when Switchyard does not know it. */
export function findRegion(id: string): Region | undefined {
  return BY_ID.get(id);
}

export function regionsOn(continent: Continent): readonly Region[] {
  return REGIONS.filter((r) => r.continent === continent);
}
