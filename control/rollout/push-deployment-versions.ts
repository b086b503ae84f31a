/**
 * The aggregator's write of what its replicas serve (`deployment_versions`), replacing the
 * cluster's rows of each watched app in one batch so a version no replica serves any more
 * disappears with the push that stopped seeing it.
 */
import type { Client, InStatement } from '@libsql/client';
import type { ClusterModelVersion } from '../../shared/rollout/served-versions.ts';

export async function pushDeploymentVersions(
  client: Client,
  clusterId: string,
  versions: ReadonlyMap<string, readonly ClusterModelVersion[]>,
  at: number,
): Promise<void> {
  const statements: InStatement[] = [];
  for (const [appId, served] of versions) {
    statements.push({ sql: 'DELETE FROM deployment_versions WHERE cluster_id = ? AND app_id = ?', args: [clusterId, appId] });
    for (const v of served) {
      statements.push({
        sql: 'INSERT INTO deployment_versions (app_id, cluster_id, model, version, replicas, observed_at) VALUES (?, ?, ?, ?, ?, ?)',
        args: [appId, clusterId, v.model, v.version, v.replicas, at],
      });
    }
  }
  if (statements.length > 0) await client.batch(statements, 'write');
}
