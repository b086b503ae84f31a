/**
 * Whether an app's residency rule allows serving a client on `clientContinent` from a cluster.
 * Kept apart from the decision's hard filter (`compile-snapshot.ts`, which precomputes sets per
 * snapshot) on purpose: the simulator's and replay's independent checker (`backtest/constraints.ts`)
 * and the start-up estimate for other tenants (`snapshot/pinned-start-slots.ts`) read it, so a
 * decision cannot grade its own homework.
 */
import type { Cluster, Continent, Residency } from './types.ts';

export function residencyAllows(
  residency: Residency,
  cluster: Pick<Cluster, 'region' | 'continent'>,
  clientContinent: Continent | null,
): boolean {
  switch (residency.kind) {
    case 'any':
      return true;
    case 'continents':
      return residency.continents.includes(cluster.continent);
    case 'regions':
      return residency.regions.includes(cluster.region);
    case 'client-continent':
      return clientContinent !== null && clientContinent === cluster.continent;
  }
}

/**
 * No cluster of the app may ever serve a client on `clientContinent`: the app keeps each client on
 * its own continent and has no cluster there (or the client's continent is unknown). Unlike a
 * cluster that is down or full, waiting changes nothing, so the edge says so instead of
 * "retry shortly". False for every other residency kind (its empty answer is the operator's to read).
 */
export function continentUnserved(
  residency: Residency,
  clusters: Iterable<Pick<Cluster, 'region' | 'continent'>>,
  clientContinent: Continent | null,
): boolean {
  if (residency.kind !== 'client-continent') return false;
  for (const c of clusters) if (residencyAllows(residency, c, clientContinent)) return false;
  return true;
}
