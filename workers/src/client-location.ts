import { CONTINENTS } from '../../shared/domain/types.ts';
import type { ClientLocation, Continent } from '../../shared/domain/types.ts';

/** The subset of `request.cf` the edge reads; every field may be missing (e.g. in local dev). */
export interface CfProperties {
  readonly colo?: unknown;
  readonly country?: unknown;
  readonly continent?: unknown;
  readonly latitude?: unknown;
  readonly longitude?: unknown;
}

const isContinent = (v: unknown): v is Continent => typeof v === 'string' && (CONTINENTS as readonly string[]).includes(v);

function coordinate(v: unknown, limit: number): number | null {
  // Cloudflare reports coordinates as strings; accept numbers too for tests and other runtimes.
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

/** Maps `request.cf` to the decision's client location; unknown or invalid fields become null. */
export function clientLocation(cf: CfProperties | undefined): ClientLocation {
  if (cf === undefined) return { colo: null, country: null, continent: null, location: null };
  const lat = coordinate(cf.latitude, 90);
  const lon = coordinate(cf.longitude, 180);
  return {
    colo: typeof cf.colo === 'string' && cf.colo !== '' ? cf.colo : null,
    // "T1" is Tor and "XX" unknown: neither is a country for residency purposes.
    country: typeof cf.country === 'string' && /^[A-Z]{2}$/.test(cf.country) && cf.country !== 'XX' ? cf.country : null,
    continent: isContinent(cf.continent) ? cf.continent : null,
    location: lat !== null && lon !== null ? { lat, lon } : null,
  };
}

/** Header a local stack or test may use to say where the client is (only with EDGE_TRUST_DEV_LOCATION=on). */
export const DEV_LOCATION_HEADER = 'x-switchyard-dev-location';

/**
 * Reads `{"country","continent","lat","lon","colo"}` from the dev-location header. Off in
 * production: a client could otherwise claim to be in the EU. Malformed JSON is ignored
 * (the request keeps `request.cf`), never an error, since it is a development aid.
 */
export function devLocationOverride(headers: Headers): CfProperties | undefined {
  const raw = headers.get(DEV_LOCATION_HEADER);
  if (raw === null) return undefined;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v !== 'object' || v === null) return undefined;
    return { colo: v['colo'], country: v['country'], continent: v['continent'], latitude: v['lat'], longitude: v['lon'] };
  } catch {
    return undefined;
  }
}
