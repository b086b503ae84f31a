import type { Client } from '@libsql/client';
import type { Cluster } from '../../shared/domain/types.ts';
import { guard } from './errors.ts';

/** Write a cluster's static facts; a new cluster appears just by being written. */
export async function upsertCluster(client: Client, cluster: Cluster, now: number): Promise<void> {
  await guard(`writing cluster ${cluster.id}`, () =>
    client.execute({
      sql: `INSERT INTO clusters (id, region, continent, country, provider, lat, lon, proxy_url, proxy_id, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET region = excluded.region, continent = excluded.continent,
              country = excluded.country, provider = excluded.provider, lat = excluded.lat, lon = excluded.lon,
              proxy_url = excluded.proxy_url, proxy_id = excluded.proxy_id, updated_at = excluded.updated_at`,
      args: [
        cluster.id,
        cluster.region,
        cluster.continent,
        cluster.country,
        cluster.provider,
        cluster.location.lat,
        cluster.location.lon,
        cluster.proxyUrl,
        cluster.proxyId,
        now,
      ],
    }),
  );
}
