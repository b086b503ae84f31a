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
