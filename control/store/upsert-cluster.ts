import type { Client } from '@libsql/client';
import type { Cluster } from '../../shared/domain/types.ts';
import { guard, StoreError } from './errors.ts';
import { clusterFactsStatement, clusterStatements } from './static-config-statements.ts';

/** Write a cluster's static facts; a new cluster appears just by being written. */
export async function upsertCluster(client: Client, cluster: Cluster, now: number): Promise<void> {
  await guard(`writing cluster ${cluster.id}`, () => client.batch(clusterStatements(cluster, now), 'write'));
}

/** A cluster's facts its aggregator knows, without the proxy in front of it (fleet config's). */
export type ClusterFacts = Omit<Cluster, 'proxyUrl' | 'proxyId'>;

/**
 * Updates a registered cluster's region, provider and location, keeping the proxy the fleet
 * config gave it; throws StoreError('not-registered') when there is no row to update (a row
 * needs a proxy, which this writer does not know).
 */
export async function updateClusterFacts(client: Client, cluster: ClusterFacts, now: number): Promise<void> {
  const r = await guard(`writing cluster ${cluster.id}`, () => client.execute(clusterFactsStatement(cluster, now)));
  if (r.rowsAffected === 0) {
    throw new StoreError(
      'not-registered',
      `cluster ${cluster.id} is not registered and this aggregator names no proxy for it: register it with \`switchyard apply\` (its proxyUrl and proxyId), or set cluster.proxyUrl and cluster.proxyId (--proxy-url, --proxy-id)`,
    );
  }
}
