import type { Client } from '@libsql/client';
import { guard } from './errors.ts';
import type { ProxyInfo } from './types.ts';

/** Register a regional proxy or refresh its liveness (observed_at). */
export async function upsertProxy(client: Client, proxy: ProxyInfo, now: number): Promise<void> {
  await guard(`writing proxy ${proxy.id}`, () =>
    client.execute({
      sql: `INSERT INTO proxies (id, url, region, draining, observed_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET url = excluded.url, region = excluded.region,
              draining = excluded.draining, observed_at = excluded.observed_at`,
      args: [proxy.id, proxy.url, proxy.region, proxy.draining ? 1 : 0, now],
    }),
  );
}

/** Mark a proxy draining (the edge stops choosing its clusters) or back in service. False if unknown. */
export async function setProxyDraining(
  client: Client,
  proxyId: string,
  draining: boolean,
  now: number,
): Promise<boolean> {
  const rs = await guard(`setting proxy ${proxyId} draining=${draining}`, () =>
    client.execute({
      sql: 'UPDATE proxies SET draining = ?, observed_at = ? WHERE id = ?',
      args: [draining ? 1 : 0, now, proxyId],
    }),
  );
  return rs.rowsAffected > 0;
}
