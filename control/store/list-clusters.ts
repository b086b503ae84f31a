import type { Client } from '@libsql/client';
import type { Cluster } from '../../shared/domain/types.ts';
import { parseClusterRow } from '../../shared/snapshot/parse-cluster.ts';
import { guard } from './errors.ts';

/** Every cluster's static facts, ordered by id. */
export async function listClusters(client: Client): Promise<Cluster[]> {
  return guard('listing clusters', async () => {
    const rs = await client.execute('SELECT * FROM clusters ORDER BY id');
    return rs.rows.map((row) => parseClusterRow(row));
  });
}
