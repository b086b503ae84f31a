import { describe, expect, it } from 'vitest';
import { continentUnserved } from './residency.ts';
import type { Continent, Residency } from './types.ts';

const EU = { region: 'eu-west', continent: 'EU' as Continent };
const NA = { region: 'us-east', continent: 'NA' as Continent };

describe('continentUnserved: a client no cluster of the app may ever serve', () => {
  it.each<[string, Residency, (typeof EU)[], Continent | null, boolean]>([
    ['client-continent, none on the client\'s', { kind: 'client-continent' }, [EU, NA], 'AS', true],
    ['client-continent, one on the client\'s', { kind: 'client-continent' }, [EU, NA], 'NA', false],
    ['client-continent, continent unknown', { kind: 'client-continent' }, [EU, NA], null, true],
    ['client-continent, no cluster at all', { kind: 'client-continent' }, [], 'EU', true],
    // Other kinds do not depend on the client: their empty answer is a config matter, not this one.
    ['continents, none allowed', { kind: 'continents', continents: ['AS'] }, [EU, NA], 'EU', false],
    ['any', { kind: 'any' }, [], 'EU', false],
  ])('%s', (_name, residency, clusters, continent, unserved) => {
    expect(continentUnserved(residency, clusters, continent)).toBe(unserved);
  });
});
