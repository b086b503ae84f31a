/**
 * The region rule: at least N regions stay on the old version until the canary is promoted.
 * Regions are cluster regions; a client belongs to the region of its nearest cluster, so a held
 * region's clients (and through them its stable clusters) keep running the old version. Pure.
 */
import type { Cluster, GeoPoint } from '../domain/types.ts';
import { greatCircleKm } from '../geo/distance.ts';

export type HeldRegionsResult = { ok: true; regions: string[] } | { ok: false; message: string };

/**
 * The regions to hold: `explicit` when given (each must serve the stable version), else the first
 * `keep` of `stableRegions` by id. Fewer stable regions than asked is an error, not a weaker rule.
 */
export function chooseHeldRegions(stableRegions: readonly string[], keep: number, explicit: readonly string[] = []): HeldRegionsResult {
  const available = [...new Set(stableRegions)].sort();
  if (!Number.isInteger(keep) || keep < 0) return { ok: false, message: `--keep-old-regions must be a whole number >= 0, got ${keep}` };
  if (explicit.length > 0) {
    const missing = explicit.filter((r) => !available.includes(r));
    if (missing.length > 0) return { ok: false, message: `held region(s) ${missing.join(', ')} serve no stable version (stable regions: ${available.join(', ') || 'none'})` };
    if (explicit.length < keep) return { ok: false, message: `${explicit.length} region(s) named but --keep-old-regions asks for ${keep}` };
    return { ok: true, regions: [...new Set(explicit)].sort() };
  }
  if (keep > available.length) {
    return { ok: false, message: `--keep-old-regions ${keep} needs ${keep} regions serving the stable version; only ${available.length} do (${available.join(', ') || 'none'})` };
  }
  return { ok: true, regions: available.slice(0, keep) };
}

/** The region of the cluster nearest to the client; null when the client's location is unknown. */
export function homeRegion(client: GeoPoint | null, clusters: Iterable<Cluster>): string | null {
  if (client === null) return null;
  let best: string | null = null;
  let bestKm = Infinity;
  for (const c of clusters) {
    const km = greatCircleKm(client, c.location);
    if (km < bestKm || (km === bestKm && best !== null && c.region < best)) [best, bestKm] = [c.region, km];
  }
  return best;
}

