/**
 * An empty selection said as an error: `replay --app X` with no decision for X, or `--since T`
 * past every decision, used to write an empty report and exit 0, so a mistyped app or date read
 * as "nothing moved". The message names the filter that selected nothing, the source and
 * (cheaply) what the log does hold: the apps with decisions, and in a database the time range.
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

/** The filters of a replay that selected nothing, as given. */
export interface Selection {
  readonly app?: string | undefined;
  /** `--since` as typed, and as the time it means. */
  readonly since?: { readonly text: string; readonly at: number } | undefined;
}

/** What the log holds, as far as it is cheap to know. */
export interface LogFacts {
  /** As the functions above return them: one over `max` means there are more. */
  readonly apps: readonly string[];
  /**
   * First and last decision time of the selected app (of the whole log without one); null: it has
   * none; undefined: not known (an NDJSON file, where it would take another pass).
   */
  readonly range?: { readonly first: number; readonly last: number } | null;
  /**
   * The selected app is in the database's configuration (`apps`): an app with no decisions yet is
   * plausible, not a typo. Undefined: not known (an NDJSON file has no configuration).
   */
  readonly configured?: boolean;
}

/**
 * Up to `max` + 1 app ids with decisions, and the first and last decision time of `app` (of the
 * whole log without one): min/max over the `decisions_app_at` or `decisions_at` index.
 */
export async function logFactsInDb(db: { url: string; authToken?: string | undefined } & StoreDeadline, app?: string, max = LISTED_APPS): Promise<LogFacts> {
  const apps = await appsWithDecisionsInDb(db, max);
  const { openStore } = await import('../../control/store/open-store.ts');
  const store = openStore({ ...db, create: false });
  try {
    const rs = await store.client.execute(
      app === undefined
        ? 'SELECT min(at) AS first, max(at) AS last FROM decisions'
        : { sql: 'SELECT min(at) AS first, max(at) AS last FROM decisions WHERE app_id = ?', args: [app] },
    );
    const row = rs.rows[0];
    const range = row === undefined || row['first'] === null ? null : { first: Number(row['first']), last: Number(row['last']) };
    if (app === undefined) return { apps, range };
    const known = await store.client.execute({ sql: 'SELECT 1 FROM apps WHERE id = ?', args: [app] });
    return { apps, range, configured: known.rows.length > 0 };
  } catch (err) {
    throw toStoreError(`reading the decision times in ${redactDatabaseUrl(db.url)}`, err);
  } finally {
    store.close();
  }
}

/**
 * "--app X selected nothing: no decisions for app X in <source>; apps with decisions: …", or the
 * same for `--since` naming the times the log (or the app) holds. An empty log blames no filter.
 */
export function noDecisions(sel: Selection, source: string, facts: LogFacts, max = LISTED_APPS): BacktestError {
  const when = sel.since === undefined ? '' : ` at or after ${new Date(sel.since.at).toISOString()}`;
  const what = `no decisions${sel.app === undefined ? '' : ` for app ${sel.app}`}${when} in ${source}`;
  const { apps, range } = facts;
  if (apps.length === 0) return new BacktestError('no-decisions', `${what}; it has no decisions for any app`);
  const listed = `apps with decisions: ${apps.slice(0, max).join(', ')}${apps.length > max ? ', …' : ''}`;
  if (sel.app !== undefined) {
    const has = apps.includes(sel.app) || (range !== undefined && range !== null);
    // Absent for sure: no time found for it, the list is whole, or --app was the only filter.
    const lacks = !has && (range === null || apps.length <= max || sel.since === undefined);
    if (lacks) {
      // Never recorded and not configured either: most likely a misspelt id (`--allow-empty` does not forgive it).
      const code = facts.configured === true ? 'no-decisions' : 'unknown-app';
      return new BacktestError(code, `--app ${sel.app} selected nothing: ${what}; ${listed}`);
    }
    if (!has) return new BacktestError('no-decisions', `${what}; ${listed}`);
  }
  // The log (or the app) has decisions, none at or after --since.
  const whose = sel.app === undefined ? 'its' : `app ${sel.app}'s`;
  const held = range === undefined || range === null ? `${whose} decisions are all earlier` : `${whose} decisions run from ${new Date(range.first).toISOString()} to ${new Date(range.last).toISOString()}`;
  return new BacktestError('no-decisions', `--since ${sel.since?.text ?? ''} selected nothing: ${what}; ${held}`);
}
