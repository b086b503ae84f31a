/** Validates the residency JSON stored in `apps.residency_json` against the domain type. */
import { CONTINENTS, type Continent, type Residency } from '../domain/types.ts';
import { SnapshotError } from './errors.ts';

function isContinent(value: unknown): value is Continent {
  return typeof value === 'string' && (CONTINENTS as readonly string[]).includes(value);
}

/** Parse an already JSON-decoded residency; `where` names the row for the error message. */
export function parseResidency(value: unknown, where: string): Residency {
  const bad = (why: string): never => {
    throw new SnapshotError(`${where}: residency ${JSON.stringify(value)} is invalid: ${why}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return bad('expected an object with "kind"');
  const record = value as Record<string, unknown>;
  switch (record['kind']) {
    case 'any':
      return { kind: 'any' };
    case 'client-continent':
      return { kind: 'client-continent' };
    case 'continents': {
      const list = record['continents'];
      if (!Array.isArray(list) || list.length === 0)
        return bad('"continents" must be a non-empty array');
      const continents: Continent[] = [];
      for (const c of list) {
        if (!isContinent(c))
          return bad(`${JSON.stringify(c)} is not one of ${CONTINENTS.join(', ')}`);
        continents.push(c);
      }
      return { kind: 'continents', continents };
    }
    case 'regions': {
      const list = record['regions'];
      if (!Array.isArray(list) || list.length === 0)
        return bad('"regions" must be a non-empty array');
      const regions: string[] = [];
      for (const r of list) {
        if (typeof r !== 'string' || r === '')
          return bad('every region must be a non-empty string');
        regions.push(r);
      }
      return { kind: 'regions', regions };
    }
    default:
      return bad('"kind" must be any, continents, regions or client-continent');
  }
}
