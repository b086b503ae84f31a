import type { Client } from '@libsql/client';
import type { ApiKey, Project } from '../../shared/domain/types.ts';
import { resolveTokenBudget, type TokenBudget } from '../../shared/limits/token-budget-config.ts';
import { parseAppRow } from '../../shared/snapshot/parse-app.ts';
import { parseClusterRow } from '../../shared/snapshot/parse-cluster.ts';
import { bool, str, strOrNull, type Row } from '../../shared/snapshot/row-values.ts';
import { guard } from '../store/errors.ts';
import type { DesiredConfig } from './types.ts';

/** A projects row; a stored budget the reader refuses is an error naming it (apply would hide it otherwise). */
function parseProjectRow(r: Row): Project {
  const id = str(r, 'id', 'projects row');
  const raw = strOrNull(r, 'token_budget_json', 'projects row');
  let budget: TokenBudget | null = null;
  if (raw !== null) {
    const b = resolveTokenBudget(JSON.parse(raw) as unknown);
    if (b.budget === null) throw new Error(`projects row ${id}: token_budget_json is invalid (${b.problems.map(([p, m]) => `${p.join('.')}: ${m}`).join('; ')})`);
    budget = b.budget;
  }
  return { id, name: str(r, 'name', 'projects row'), ...(budget === null ? {} : { tokenBudget: budget }) };
}

/** Reads the static config currently in the database, in the same shape a config file parses to. */
export async function readCurrentConfig(client: Client): Promise<DesiredConfig> {
  return guard('reading the current config', async () => {
    const [projects, keys, clusters, apps, appClusters] = await client.batch(
      [
        // `*`: token_budget_json arrived with schema v17.
        'SELECT * FROM projects ORDER BY id',
        'SELECT id, project_id, hash, revoked FROM api_keys ORDER BY id',
        'SELECT * FROM clusters ORDER BY id',
        'SELECT * FROM apps ORDER BY id',
        'SELECT app_id, cluster_id, weight, excluded FROM app_clusters ORDER BY app_id, cluster_id',
      ],
      'read',
    );
    const rows = (rs: { rows: readonly unknown[] } | undefined): Row[] => (rs?.rows ?? []) as Row[];
    const byApp = new Map<string, Row[]>();
    for (const row of rows(appClusters)) {
      const id = str(row, 'app_id', 'app_clusters row');
      byApp.set(id, [...(byApp.get(id) ?? []), row]);
    }
    return {
      projects: rows(projects).map(parseProjectRow),
      apiKeys: rows(keys).map(
        (r): ApiKey => ({
          id: str(r, 'id', 'api_keys row'),
          projectId: str(r, 'project_id', 'api_keys row'),
          hash: str(r, 'hash', 'api_keys row'),
          revoked: bool(r, 'revoked', 'api_keys row'),
        }),
      ),
      clusters: rows(clusters).map(parseClusterRow),
      apps: rows(apps).map((r) => parseAppRow(r, byApp.get(str(r, 'id', 'apps row')) ?? [])),
    };
  });
}
