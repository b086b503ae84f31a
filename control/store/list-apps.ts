import type { Client } from '@libsql/client';
import type { App } from '../../shared/domain/types.ts';
import { parseAppRow } from '../../shared/snapshot/parse-app.ts';
import type { Row } from '../../shared/snapshot/row-values.ts';
import { guard } from './errors.ts';

/** Every app with its clusters, ordered by id. */
export async function listApps(client: Client): Promise<App[]> {
  return guard('listing apps', async () => {
    const [apps, clusters] = await client.batch(
      [
        'SELECT * FROM apps ORDER BY id',
        'SELECT app_id, cluster_id, weight, excluded FROM app_clusters ORDER BY app_id, cluster_id',
      ],
      'read',
    );
    const byApp = new Map<string, Row[]>();
    for (const row of clusters?.rows ?? []) {
      const id = String(row['app_id']);
      byApp.set(id, [...(byApp.get(id) ?? []), row]);
    }
    return (apps?.rows ?? []).map((row) => parseAppRow(row, byApp.get(String(row['id'])) ?? []));
  });
}
