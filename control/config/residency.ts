import { CONTINENTS, type Continent, type Residency } from '../../shared/domain/types.ts';
import { findRegion } from '../../shared/domain/regions.ts';

export type ResidencyResult = { readonly ok: true; readonly residency: Residency } | { readonly ok: false; readonly message: string };

const SHORTHAND_HELP =
  "use 'any', 'client-continent', '<continent>-only' (eu-only, na-only, as-only, ...), {continents: [EU, ...]} or {regions: [eu-west, ...]}";

function isContinent(value: string): value is Continent {
  return (CONTINENTS as readonly string[]).includes(value);
}

/**
 * Parses a residency setting: a shorthand string or an object naming continents or regions.
 * Unknown continents and regions are refused so a typo can never widen where data may go.
 */
export function parseResidency(raw: unknown): ResidencyResult {
  if (raw === undefined || raw === null) return { ok: true, residency: { kind: 'any' } };
  if (typeof raw === 'string') {
    if (raw === 'any') return { ok: true, residency: { kind: 'any' } };
    if (raw === 'client-continent') return { ok: true, residency: { kind: 'client-continent' } };
    const m = /^([a-z]{2})-only$/.exec(raw);
    const code = m?.[1]?.toUpperCase();
    if (code !== undefined && isContinent(code)) return { ok: true, residency: { kind: 'continents', continents: [code] } };
    return { ok: false, message: `unknown residency '${raw}': ${SHORTHAND_HELP}` };
  }
  if (typeof raw === 'object' && !Array.isArray(raw)) {
    const keys = Object.keys(raw);
    if (keys.length !== 1) return { ok: false, message: `residency object must have exactly one of 'continents' or 'regions': ${SHORTHAND_HELP}` };
    const record = raw as Record<string, unknown>;
    if ('continents' in record) return parseList(record.continents, 'continents');
    if ('regions' in record) return parseList(record.regions, 'regions');
  }
  return { ok: false, message: `invalid residency: ${SHORTHAND_HELP}` };
}

function parseList(list: unknown, kind: 'continents' | 'regions'): ResidencyResult {
  if (!Array.isArray(list) || list.length === 0 || !list.every((v): v is string => typeof v === 'string')) {
    return { ok: false, message: `residency.${kind} must be a non-empty list of strings` };
  }
  if (kind === 'continents') {
    const upper = list.map((c) => c.toUpperCase());
    const bad = upper.filter((c) => !isContinent(c));
    if (bad.length > 0) return { ok: false, message: `unknown continent ${bad.join(', ')} (known: ${CONTINENTS.join(', ')})` };
    return { ok: true, residency: { kind: 'continents', continents: upper.filter(isContinent) } };
  }
  const bad = list.filter((r) => findRegion(r) === undefined);
  if (bad.length > 0) return { ok: false, message: `unknown region ${bad.join(', ')} in residency.regions` };
  return { ok: true, residency: { kind: 'regions', regions: list } };
}
