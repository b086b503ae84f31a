/**
 * The SQL the edge (and anyone else) uses to read state, as plain data: `{ sql, args }` objects
 * that both the Node client and the web client in workerd accept in `client.batch(…, 'read')`.
 * One read batch = one consistent snapshot of one app.
 */
import { KEY_PREFIX_HEX } from './key-hash-filter.ts';

export interface Statement {
  readonly sql: string;
  readonly args: readonly (string | number)[];
}

/** Positions of the result sets in the batch, for `buildAppSnapshot`. */
export const SNAPSHOT_PARTS = [
  'app',
  'appClusters',
  'clusters',
  'state',
  'status',
  'health',
  'outcomes',
  'jobPins',
  'versions',
  'rollout',
  'inflow',
  'tenants',
] as const;
export type SnapshotPart = (typeof SNAPSHOT_PARTS)[number];

/** How far back the snapshot sums outcomes: long enough for evidence, short enough to react within a minute. */
export const OUTCOME_WINDOW_MS = 60_000;

/**
 * How far back the snapshot counts each cluster's inflow by origin: a few state reports, so the
 * rate follows shifts in routing within seconds (`ClusterAppState.inflowByOrigin`).
 */
export const INFLOW_WINDOW_MS = 10_000;

/**
 * Most job pins one app's snapshot carries (newest first): bounds the edge's memory and refresh
 * cost. Older live pins beyond it are not honoured (their jobs route like any request).
 */
export const MAX_SNAPSHOT_JOB_PINS = 4096;

/**
 * The tenants statement's window over whole seconds (`inflow_seconds`): the seconds from the one
 * holding `now - INFLOW_WINDOW_MS` on, that first second weighted by the share of it inside the
 * window. So at a steady rate the count is the exact 10 s window's, not 9–10 s of it (seconds
 * [nowSec-9, nowSec]) or 10–11 s (one more); when `now - INFLOW_WINDOW_MS` falls on a whole second
 * the sums equal the old per-outcome count (`at >= now - INFLOW_WINDOW_MS`). Like that count, it
 * has no upper edge (an outcome stamped after `now` counts). `now = 0` (tests, tools): every
 * second the ring holds, i.e. each (cluster, app)'s last 64 s of outcomes.
 * Args, in order: [first second, its weight] × 3 (requests, duration sum, duration count), first second.
 */
function tenantWindowArgs(now: number): number[] {
  const start = now > 0 ? now - INFLOW_WINDOW_MS : 0;
  const first = Math.floor(start / 1000);
  const weight = 1 - (start - first * 1000) / 1000;
  return [first, weight, first, weight, first, weight, first];
}

/**
 * Statements, in SNAPSHOT_PARTS order, that read everything the pipeline needs about one app.
 * Outcomes are summed from `outcomesSince` (ms epoch; default: all, for tests and tools); job
 * pins are those still live at `now`.
 */
export function APP_SNAPSHOT_STATEMENTS(appId: string, outcomesSince = 0, now = 0): Statement[] {
  const clustersOfApp = 'SELECT cluster_id FROM app_clusters WHERE app_id = ?';
  return [
    { sql: 'SELECT * FROM apps WHERE id = ?', args: [appId] },
    {
      sql: 'SELECT cluster_id, weight, excluded FROM app_clusters WHERE app_id = ? ORDER BY cluster_id',
      args: [appId],
    },
    { sql: `SELECT * FROM clusters WHERE id IN (${clustersOfApp}) ORDER BY id`, args: [appId] },
    {
      sql: `SELECT * FROM cluster_app_state WHERE app_id = ? AND cluster_id IN (${clustersOfApp}) ORDER BY cluster_id`,
      args: [appId, appId],
    },
    {
      // A cluster's own status plus whether the proxy in front of it is draining.
      sql: `SELECT ac.cluster_id, cs.health, cs.draining, cs.observed_at, p.draining AS proxy_draining
            FROM app_clusters ac
            LEFT JOIN cluster_status cs ON cs.cluster_id = ac.cluster_id
            LEFT JOIN clusters c ON c.id = ac.cluster_id
            LEFT JOIN proxies p ON p.id = c.proxy_id
            WHERE ac.app_id = ? ORDER BY ac.cluster_id`,
      args: [appId],
    },
    {
      sql: `SELECT * FROM proxy_cluster_health WHERE cluster_id IN (${clustersOfApp}) ORDER BY cluster_id, proxy_id`,
      args: [appId],
    },
    {
      // Per cluster: recent attempts of this app's decisions. Replica faults are the answers the
      // proxy's own breaker counts (5xx except 501/505, `faultForStatus`) and attempts that got no
      // answer (status 0: reset, refused, timeout); a client's 4xx is not one, and the proxy
      // records nothing when the client itself went away. A 429 is a refusal for lack of capacity
      // (the engine's queue is full): not a fault, and left out of the attempts and the TTFB too,
      // so a saturated cluster neither looks broken nor looks fast from its instant refusals.
      // Read from the window: the app's own outcomes by cluster and time (outcomes_app_cluster_at;
      // migration 20 copies each decision's app and origin onto its outcomes), never joined to
      // decisions, so a refresh costs the window's rows however old the app is
      // (bench/snapshot-load.ts, BENCHMARKS.md).
      sql: `SELECT o.cluster_id AS cluster_id, COUNT(*) AS requests,
              SUM(CASE WHEN o.status = 0 OR (o.status >= 500 AND o.status NOT IN (501, 505)) THEN 1 ELSE 0 END) AS replica_errors,
              AVG(CASE WHEN o.status > 0 AND o.status < 500 THEN o.ttfb_ms END) AS ttfb_ms,
              MIN(CASE WHEN o.status >= 200 AND o.status < 400 THEN o.ttfb_ms END) AS ttfb_min_ms,
              MAX(o.at) AS observed_at
            FROM outcomes o
            WHERE o.app_id = ? AND o.cluster_id IN (${clustersOfApp}) AND o.at >= ? AND o.status <> 429
            GROUP BY o.cluster_id ORDER BY o.cluster_id`,
      args: [appId, appId, outcomesSince],
    },
    {
      // The newest live pins by job_pins_by_app_updated (migration 35), walked from the newest
      // and stopped at the limit; `+expires_at` keeps the planner off job_pins_by_app, which
      // reads every live pin of the app and sorts them all (one tenant's many job keys made each
      // refresh cost the shared database ~0.4 s). Not INDEXED BY: a database not yet migrated
      // to 35 still answers, as before, by that older index.
      sql: `SELECT key_hash, cluster_id, endpoint, expires_at FROM job_pins
            WHERE app_id = ? AND +expires_at > ? ORDER BY updated_at DESC LIMIT ?`,
      args: [appId, now, MAX_SNAPSHOT_JOB_PINS],
    },
    // Model versions per cluster and the app's rollout (shared/rollout/).
    { sql: 'SELECT cluster_id, model, version FROM deployment_versions WHERE app_id = ? ORDER BY cluster_id, model', args: [appId] },
    { sql: 'SELECT * FROM rollouts WHERE app_id = ?', args: [appId] },
    {
      // Per cluster × origin (the deciding colo, migration 19): this app's attempts of the last
      // INFLOW_WINDOW_MS, refusals included (they arrived all the same). Read from the window as the
      // outcomes above.
      sql: `SELECT o.cluster_id AS cluster_id, o.origin AS origin, COUNT(*) AS requests
            FROM outcomes o
            WHERE o.app_id = ? AND o.cluster_id IN (${clustersOfApp}) AND o.at >= ? AND o.origin IS NOT NULL
            GROUP BY o.cluster_id, o.origin ORDER BY o.cluster_id, o.origin`,
      args: [appId, appId, now > 0 ? now - INFLOW_WINDOW_MS : 0],
    },
    {
      // The other apps on this app's clusters: their config and every deployment (to count their
      // homes), their in-flight limit, their load and, on this app's clusters, their attempts of
      // the last INFLOW_WINDOW_MS (ClusterAppState.pinnedStartSlots, parse-tenants.ts). The
      // attempts come from `inflow_seconds` (migration 22: per cluster, app and second, kept by
      // the database on each outcome write), never from `outcomes`, so the read costs the same
      // whatever the other tenants' request volume: a tenant's burst must not time out its
      // neighbours' snapshots. Attempts the replica refused as the client's fault (4xx but 429,
      // the engine's "full") held no slot for a service time: counted, a tenant's flood of
      // malformed requests would take start-up headroom from every app with more homes. The
      // attempts' mean duration prices that inflow (a cheap request holds its slot briefly). Only
      // answered, non-fault attempts give a duration: a 429, a fast 5xx of a loading replica or a
      // refused connect (status 0) is demand that held no slot, and must not make a tenant look
      // cheap just when its replicas fail. INDEXED BY: without ANALYZE statistics SQLite picks the
      // primary key's cluster prefix, all 64 slots of every tenant, over the window's seconds.
      sql: `WITH recent AS (
              SELECT r.app_id AS app_id, r.cluster_id AS cluster_id,
                SUM(r.requests * CASE WHEN r.second = ? THEN ? ELSE 1 END) AS requests,
                SUM(r.duration_sum * CASE WHEN r.second = ? THEN ? ELSE 1 END)
                  / SUM(r.duration_n * CASE WHEN r.second = ? THEN ? ELSE 1 END) AS mean_duration_ms
              FROM inflow_seconds r INDEXED BY inflow_seconds_cluster_second
              WHERE r.second >= ? AND r.cluster_id IN (${clustersOfApp}) AND r.app_id <> ?
              GROUP BY r.app_id, r.cluster_id)
            SELECT ac.app_id AS app_id, ac.cluster_id AS cluster_id, ac.excluded AS excluded,
              c.region AS region, c.continent AS continent, a.residency_json AS residency_json,
              a.gpu_types_json AS gpu_types_json, a.max_concurrency AS max_concurrency,
              a.limit_scope AS limit_scope, s.gpu_type AS gpu_type, s.hot_busy AS hot_busy,
              s.hot_free AS hot_free, s.queued AS queued,
              CASE WHEN ac.cluster_id IN (${clustersOfApp}) THEN COALESCE(r.requests, 0) END AS inflow_requests,
              r.mean_duration_ms AS mean_duration_ms
            FROM app_clusters ac
            JOIN apps a ON a.id = ac.app_id
            JOIN clusters c ON c.id = ac.cluster_id
            LEFT JOIN cluster_app_state s ON s.app_id = ac.app_id AND s.cluster_id = ac.cluster_id
            LEFT JOIN recent r ON r.app_id = ac.app_id AND r.cluster_id = ac.cluster_id
            WHERE ac.app_id <> ? AND ac.app_id IN
              (SELECT app_id FROM app_clusters WHERE cluster_id IN (${clustersOfApp}))
            ORDER BY ac.app_id, ac.cluster_id`,
      args: [...tenantWindowArgs(now), appId, appId, appId, appId, appId],
    },
  ];
}

/** Every app id, for warming the edge's cache. Parse with `parseAppIdRows`. */
export const APP_IDS_STATEMENT: Statement = { sql: 'SELECT id FROM apps ORDER BY id', args: [] };

/** Look up an API key by the hex SHA-256 of its plaintext. Parse with `parseApiKeyRow`. */
export function API_KEY_STATEMENT(hash: string): Statement {
  return { sql: 'SELECT id, project_id, hash, revoked FROM api_keys WHERE hash = ?', args: [hash] };
}

/**
 * Which projects' keys the edge holds: whole projects, by ascending key count (ties by project
 * id), while the running total stays within `limit`. So one project creating more keys than fit
 * loses its own place in memory, never another's (a project's keys are held all or none: a miss is
 * then an unknown key, with no read). `running` is that total up to and including the project.
 * Used by both statements below, in one read batch, so they agree.
 */
const PROJECT_KEY_TOTALS = `WITH per_project AS (SELECT project_id, COUNT(*) AS n FROM api_keys GROUP BY project_id),
  totals AS (SELECT project_id, n, SUM(n) OVER (ORDER BY n, project_id ROWS UNBOUNDED PRECEDING) AS running FROM per_project)`;

/**
 * Every API key (hashes only) of the projects that fit in `limit` (`PROJECT_KEY_TOTALS`), as the
 * edge checks them; the keys of the others are looked up one by one (`UNHELD_PROJECTS_STATEMENT`).
 * Parse with `parseApiKeyRows`.
 */
export function API_KEYS_STATEMENT(limit: number): Statement {
  return {
    sql: `${PROJECT_KEY_TOTALS}
      SELECT k.id, k.project_id, k.hash, k.revoked FROM api_keys k
      WHERE k.project_id IN (SELECT project_id FROM totals WHERE running <= ?)`,
    args: [limit],
  };
}

/**
 * The projects whose keys do not fit in `limit` beside `API_KEYS_STATEMENT(limit)`'s: the edge
 * looks their keys up one by one. With each, while their own running total (fewest keys first)
 * stays within `filtered`, `prefixes`: the first `KEY_PREFIX_HEX` hex characters of every key's
 * hash, run together (8 bytes a key on the wire), for the edge's `KeyHashFilter`, so a made-up key
 * for such a project is refused with no read. A hash no request could match (not 64 characters, or
 * its prefix not lowercase hex: the edge hashes to 64 lowercase hex) is left out; only the prefix
 * is checked (the whole hash took 5 times as long at 100,000 keys); a bad tail costs one read.
 * Null past `filtered`: that project's keys are all looked up. Parse with `parseUnheldProjectRows`.
 * Cost at 100,000 filtered keys: about 75-120 ms of database time (a local libSQL file on a
 * loaded machine) and 800 KB per re-read.
 */
export function UNHELD_PROJECTS_STATEMENT(limit: number, filtered = 0): Statement {
  return {
    sql: `${PROJECT_KEY_TOTALS},
      unheld AS (SELECT project_id, running, SUM(n) OVER (ORDER BY running ROWS UNBOUNDED PRECEDING) AS filtered FROM totals WHERE running > ?)
      SELECT u.project_id AS id,
        CASE WHEN u.filtered <= ? THEN
          (SELECT COALESCE(group_concat(substr(k.hash, 1, ${KEY_PREFIX_HEX}), ''), '') FROM api_keys k
            WHERE k.project_id = u.project_id AND length(k.hash) = 64 AND substr(k.hash, 1, ${KEY_PREFIX_HEX}) NOT GLOB '*[^0-9a-f]*')
        END AS prefixes
      FROM unheld u ORDER BY u.running`,
    args: [limit, filtered],
  };
}

/** Hashes per `API_KEYS_BY_HASH_STATEMENTS` statement: well under SQLite's bound on parameters. */
export const KEYS_PER_STATEMENT = 500;

/**
 * The keys with these hashes, `KEYS_PER_STATEMENT` to a statement (one batch, one round trip):
 * how the edge re-reads the keys it caches one by one when the auth clock moves. Parse each with
 * `parseApiKeyRow`; a hash with no row is a key that no longer exists.
 */
export function API_KEYS_BY_HASH_STATEMENTS(hashes: readonly string[]): Statement[] {
  const out: Statement[] = [];
  for (let i = 0; i < hashes.length; i += KEYS_PER_STATEMENT) {
    const part = hashes.slice(i, i + KEYS_PER_STATEMENT);
    out.push({ sql: `SELECT id, project_id, hash, revoked FROM api_keys WHERE hash IN (${part.map(() => '?').join(', ')})`, args: part });
  }
  return out;
}

/** The auth clock (schema v26): moves on every change to `api_keys` or to an app's gate. */
export const AUTH_CLOCK_STATEMENT: Statement = { sql: 'SELECT seq FROM auth_clock WHERE id = 1', args: [] };

/**
 * What the edge checks before it loads a snapshot, for every app: who owns it, whether it takes
 * keyless calls, which origins may read its refusals. Read with the clock, in one batch.
 */
export const APP_GATES_STATEMENT: Statement = {
  sql: 'SELECT id, project_id, auth_required, cors_origins_json FROM apps',
  args: [],
};
