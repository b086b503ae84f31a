import type { Client } from '@libsql/client';
import type { Cluster } from '../../shared/domain/types.ts';
import { guard } from './errors.ts';
import { clusterStatements } from './static-config-statements.ts';

/** Write a cluster's static facts; a new cluster appears just by being written. */
export async function upsertCluster(client: Client, cluster: Cluster, now: number): Promise<void> {
  await guard(`writing cluster ${cluster.id}`, () => client.batch(clusterStatements(cluster, now), 'write'));
}
