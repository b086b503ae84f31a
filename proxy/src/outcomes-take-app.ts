/**
 * Whether the store's outcomes take the proxy's app_id: schema v21, whose triggers still fill the
 * origin (and the app for older proxies) from the decision. Before it, writing app_id would leave
 * the origin empty (v20) or fail outright (no column before v20), so a proxy rolled out ahead of
 * the migration writes outcomes the old way. A "yes" is kept; a "no" is asked again after
 * RECHECK_MS, so a database migrated under a running proxy is noticed without a restart.
 */
import type { Client } from '@libsql/client';

const OUTCOME_APP_SCHEMA = 21;
const RECHECK_MS = 60_000;

export function outcomesTakeApp(client: Pick<Client, 'execute'>, now: () => number = Date.now): () => Promise<boolean> {
  let known = false;
  let askedAt = -Infinity;
  return async () => {
    if (known || now() - askedAt < RECHECK_MS) return known;
    askedAt = now();
    try {
      const rs = await client.execute({ sql: 'SELECT 1 FROM schema_migrations WHERE version = ?', args: [OUTCOME_APP_SCHEMA] });
      known = rs.rows.length > 0;
    } catch {
      known = false; // no schema_migrations table: an old database, the old way is safe
    }
    return known;
  };
}
