import { describe, expect, it } from 'vitest';
import type { GeoPoint } from '../domain/types.ts';
import { greatCircleKm } from './distance.ts';

const LONDON: GeoPoint = { lat: 51.5074, lon: -0.1278 };
const NEW_YORK: GeoPoint = { lat: 40.7128, lon: -74.006 };
const SYDNEY: GeoPoint = { lat: -33.8688, lon: 151.2093 };
const TOKYO: GeoPoint = { lat: 35.6762, lon: 139.6503 };

describe('greatCircleKm', () => {
  it.each<[string, GeoPoint, GeoPoint, number]>([
    ['London–New York', LONDON, NEW_YORK, 5570],
    ['Sydney–Tokyo', SYDNEY, TOKYO, 7820],
    ['same point', LONDON, LONDON, 0],
    ['across the antimeridian', { lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 }, 111.2],
    ['antipodes', { lat: 0, lon: 0 }, { lat: 0, lon: 180 }, 20015],
  ])('%s ≈ %d km', (_name, a, b, km) => {
    expect(Math.abs(greatCircleKm(a, b) - km)).toBeLessThan(Math.max(1, km * 0.005));
  });

  it('is symmetric', () => {
    expect(greatCircleKm(LONDON, SYDNEY)).toBeCloseTo(greatCircleKm(SYDNEY, LONDON), 9);
  });
});
