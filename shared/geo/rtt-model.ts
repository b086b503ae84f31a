import type { GeoPoint } from '../domain/types.ts';
import { greatCircleKm } from './distance.ts';

/**
 * Light in fibre travels at about c / 1.47 (refractive index of silica) ≈ 204 km/ms;
 * we use 200 km/ms ("two thirds of c").
 */
export const FIBRE_KM_PER_MS = 200;

/**
 * Real paths are longer than great circles (cable routes, peering detours).
 * Measurement studies put median path inflation around 1.3–1.5× over the
 * great-circle fibre time; 1.4 lands London–New York at ~80 ms RTT (observed ~70–80)
 * and Frankfurt–Singapore at ~146 ms (observed ~150–160).
 */
export const ROUTE_INFLATION = 1.4;

/** Fixed cost independent of distance: last mile, switching, serialisation. */
export const FIXED_OVERHEAD_MS = 2;

/** Modelled round-trip time in ms for a path of `km` great-circle kilometres. */
export function rttMsForKm(km: number): number {
  return FIXED_OVERHEAD_MS + (2 * km * ROUTE_INFLATION) / FIBRE_KM_PER_MS;
}

/** Modelled round-trip time in ms between two points, for when nothing was measured. */
export function estimateRttMs(a: GeoPoint, b: GeoPoint): number {
  return rttMsForKm(greatCircleKm(a, b));
}

/** Modelled RTT from `from` to each of `to` (e.g. every candidate of a decision, cached per client location). */
export function estimateRttsMs(from: GeoPoint, to: readonly GeoPoint[]): Float64Array {
  const out = new Float64Array(to.length);
  for (let i = 0; i < to.length; i++) out[i] = estimateRttMs(from, to[i] as GeoPoint);
  return out;
}
