/**
 * An empty selection said as an error: `replay --app X` with no decision for X used to write an
 * empty report and exit 0, so a mistyped app looked like an app nothing moved for. The message
 * names the app, the source and (cheaply) the apps that do have decisions.
 */
import type { StoreDeadline } from '../../control/store/open-store.ts';
import { toStoreError } from '../../control/store/errors.ts';
import { redactDatabaseUrl } from '../../shared/errors/database-unreachable.ts';
import { BacktestError } from '../errors.ts';
import { readNdjson } from './ndjson.ts';

/** How many app ids the error lists. */
export const LISTED_APPS = 10;

/**
 * Up to `max` + 1 app ids with decisions in a libSQL log, one `decisions_app_at` seek per id
 * (migration 31): the next id after the last, never a scan of the log.
 */
export async function appsWithDecisionsInDb(db: { url: string; authToken?: string | undefined } & StoreDeadline, max = LISTED_APPS): Promise<string[]> {
  // Loaded here: `replay --input` imports this module and never opens a database.
  const { openStore } = await import('../../control/store/open-store.ts');
  const store = openStore({ ...db, create: false });
  try {
    const rs = await store.client.execute({
      sql: `WITH RECURSIVE app(id) AS (
              SELECT min(app_id) FROM decisions
              UNION ALL
              SELECT (SELECT min(app_id) FROM decisions WHERE app_id > app.id) FROM app WHERE app.id IS NOT NULL
            ) SELECT id FROM app WHERE id IS NOT NULL LIMIT ?`,
      args: [max + 1],
    });
    return rs.rows.map((r) => String(r['id']));
  } catch (err) {
    throw toStoreError(`listing the apps with decisions in ${redactDatabaseUrl(db.url)}`, err);
  } finally {
    store.close();
  }
}

/** Up to `max` + 1 app ids in an NDJSON export, in order of first appearance; stops once found. */
export async function appsWithDecisionsInFile(file: string, max = LISTED_APPS): Promise<string[]> {
  const seen = new Set<string>();
  for await (const r of readNdjson(file, undefined, { recycle: true })) {
    seen.add(r.brief?.appId ?? r.decision.appId);
    if (seen.size > max) break;
  }
  return [...seen];
}

/**
 * "no decisions for app X in <source>", with `since` when it narrowed the selection, and the
 * apps that do have decisions (`apps` as the two functions above return them: one over `max`
 * means there are more).
 */
export function noDecisionsForApp(app: string, source: string, apps: readonly string[], since?: number, max = LISTED_APPS): BacktestError {
  const when = since === undefined ? '' : ` at or after ${new Date(since).toISOString()}`;
  const listed = apps.slice(0, max).join(', ');
  const others =
    apps.length === 0 ? 'it has no decisions for any app' : `apps with decisions: ${listed}${apps.length > max ? ', …' : ''}`;
  return new BacktestError('no-decisions', `no decisions for app ${app}${when} in ${source}; ${others}`);
}
