/**
 * The libSQL schema as ordered, versioned migrations. Pure data: the control
 * plane's `db migrate` applies them (idempotently, recording each version in
 * `schema_migrations`); the Worker, proxy and replay tool only read.
 *
 * Never edit a released migration: add a new one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

/**
 * One outcome (NEW) into its second's slot of `inflow_seconds` (migration 22): adds to the slot
 * when it holds the same second, restarts it when it holds an older one, leaves it when newer.
 */
const INFLOW_SECONDS_UPSERT = `INSERT INTO inflow_seconds (cluster_id, app_id, slot, second, requests, duration_sum, duration_n)
         VALUES (NEW.cluster_id, NEW.app_id, (CAST(NEW.at AS INTEGER) / 1000) % 64, CAST(NEW.at AS INTEGER) / 1000, 1,
           CASE WHEN NEW.status > 0 AND NEW.status < 400 THEN NEW.duration_ms ELSE 0 END,
           CASE WHEN NEW.status > 0 AND NEW.status < 400 THEN 1 ELSE 0 END)
         ON CONFLICT (cluster_id, app_id, slot) DO UPDATE SET
           requests = CASE WHEN second = excluded.second THEN requests + 1 ELSE 1 END,
           duration_sum = CASE WHEN second = excluded.second THEN duration_sum ELSE 0 END + excluded.duration_sum,
           duration_n = CASE WHEN second = excluded.second THEN duration_n ELSE 0 END + excluded.duration_n,
           second = excluded.second
         WHERE excluded.second >= second;`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'static config, dynamic state, decisions, outcomes',
    statements: [
      `CREATE TABLE IF NOT EXISTS projects (
         id TEXT PRIMARY KEY,
         name TEXT NOT NULL,
         updated_at INTEGER NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS api_keys (
         id TEXT PRIMARY KEY,
         project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
         hash TEXT NOT NULL UNIQUE,          -- hex SHA-256 of the key; plaintext is never stored
         revoked INTEGER NOT NULL DEFAULT 0,
         created_at INTEGER NOT NULL
       )`,
      // Static cluster facts: written by `switchyard apply` or by the cluster's own aggregator
      // (a new cluster appears just by its aggregator pushing).
      `CREATE TABLE IF NOT EXISTS clusters (
         id TEXT PRIMARY KEY,
         region TEXT NOT NULL,
         continent TEXT NOT NULL,
         country TEXT NOT NULL,
         provider TEXT NOT NULL,
         lat REAL NOT NULL,
         lon REAL NOT NULL,
         proxy_url TEXT NOT NULL,
         proxy_id TEXT NOT NULL,
         updated_at INTEGER NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS apps (
         id TEXT PRIMARY KEY,                -- project_id || '/' || name
         project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
         name TEXT NOT NULL,
         strategy TEXT NOT NULL,
         auth_required INTEGER NOT NULL,
         max_concurrency INTEGER,
         max_rps REAL,
         affinity_header TEXT,
         residency_json TEXT NOT NULL,       -- Residency
         gpu_types_json TEXT NOT NULL,       -- string[]
         cors_origins_json TEXT NOT NULL,    -- string[]
         updated_at INTEGER NOT NULL
       )`,
      `CREATE TABLE IF NOT EXISTS app_clusters (
         app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
         cluster_id TEXT NOT NULL,
         weight REAL NOT NULL DEFAULT 1,     -- static canary / version split weight
         excluded INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (app_id, cluster_id)
       )`,
      // Dynamic state per cluster x app, pushed by aggregators every ~1 s.
      `CREATE TABLE IF NOT EXISTS cluster_app_state (
         cluster_id TEXT NOT NULL,
         app_id TEXT NOT NULL,
         hot_free INTEGER NOT NULL,
         hot_busy INTEGER NOT NULL,
         warm INTEGER NOT NULL,
         cold INTEGER NOT NULL,
         queued INTEGER NOT NULL DEFAULT 0,
         gpu_type TEXT NOT NULL,
         price_per_hour REAL NOT NULL,
         health TEXT NOT NULL,
         last_served_at INTEGER,
         observed_at INTEGER NOT NULL,
         PRIMARY KEY (cluster_id, app_id)
       )`,
      // Replicas (endpoints) of an app inside a cluster, pushed by the aggregator; the regional
      // proxy picks among them with the app's in-cluster strategy.
      `CREATE TABLE IF NOT EXISTS app_endpoints (
         cluster_id TEXT NOT NULL,
         app_id TEXT NOT NULL,
         url TEXT NOT NULL,
         healthy INTEGER NOT NULL,
         weight REAL NOT NULL DEFAULT 1,
         observed_at INTEGER NOT NULL,
         PRIMARY KEY (cluster_id, app_id, url)
       )`,
      `CREATE TABLE IF NOT EXISTS cluster_status (
         cluster_id TEXT PRIMARY KEY,
         health TEXT NOT NULL,
         draining INTEGER NOT NULL DEFAULT 0,
         observed_at INTEGER NOT NULL
       )`,
      // Regional proxies: liveness and draining (the edge stops choosing a draining proxy's clusters).
      `CREATE TABLE IF NOT EXISTS proxies (
         id TEXT PRIMARY KEY,
         url TEXT NOT NULL,
         region TEXT NOT NULL,
         draining INTEGER NOT NULL DEFAULT 0,
         observed_at INTEGER NOT NULL
       )`,
      // What each proxy measures of each cluster: moving-average latency and its circuit breaker.
      `CREATE TABLE IF NOT EXISTS proxy_cluster_health (
         proxy_id TEXT NOT NULL,
         cluster_id TEXT NOT NULL,
         health TEXT NOT NULL,
         circuit_open INTEGER NOT NULL DEFAULT 0,
         rtt_ms REAL NOT NULL,
         ttft_ms REAL,
         samples INTEGER NOT NULL,
         observed_at INTEGER NOT NULL,
         PRIMARY KEY (proxy_id, cluster_id)
       )`,
      // Every decision with its full explanation and inputs, for explain / replay / back-testing.
      `CREATE TABLE IF NOT EXISTS decisions (
         id TEXT PRIMARY KEY,
         at INTEGER NOT NULL,
         app_id TEXT NOT NULL,
         fn TEXT NOT NULL,
         synthetic INTEGER NOT NULL,
         outcome TEXT NOT NULL,              -- 'routed' | 'panic' | 'no-candidate'
         chosen_cluster TEXT,
         reason TEXT NOT NULL,
         policy_version TEXT NOT NULL,
         seed TEXT NOT NULL,
         stale INTEGER NOT NULL,
         decision_us REAL,
         explanation_json TEXT NOT NULL,
         input_json TEXT NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS decisions_app_at ON decisions(app_id, at)`,
      `CREATE TABLE IF NOT EXISTS outcomes (
         decision_id TEXT NOT NULL,
         attempt INTEGER NOT NULL DEFAULT 0,
         proxy_id TEXT NOT NULL,
         cluster_id TEXT,
         endpoint TEXT,
         status INTEGER NOT NULL,
         ttfb_ms REAL,
         duration_ms REAL NOT NULL,
         bytes_in INTEGER NOT NULL,
         bytes_out INTEGER NOT NULL,
         error TEXT,
         at INTEGER NOT NULL,
         PRIMARY KEY (decision_id, attempt, proxy_id)
       )`,
      `CREATE INDEX IF NOT EXISTS outcomes_at ON outcomes(at)`,
    ],
  },
  {
    version: 2,
    name: 'per-app request rules (functions, body limit, credentials, TTFB budget)',
    statements: [
      // JSON object of AppRequestRules; '{}' = every default (see shared/domain/types.ts).
      `ALTER TABLE apps ADD COLUMN requests_json TEXT NOT NULL DEFAULT '{}'`,
    ],
  },
  {
    version: 3,
    name: 'proxy circuit state per app',
    statements: [
      // JSON array of the app ids whose circuit this proxy holds open on the cluster; NULL (a
      // proxy from before v3) means circuit_open applies to every app, as it used to.
      `ALTER TABLE proxy_cluster_health ADD COLUMN open_circuit_apps_json TEXT`,
    ],
  },
  {
    version: 4,
    name: 'outcomes by cluster and time, for outcome feedback in the snapshot',
    statements: [
      // The edge sums each app's recent outcomes per cluster on every snapshot refresh.
      `CREATE INDEX IF NOT EXISTS outcomes_cluster_at ON outcomes(cluster_id, at)`,
    ],
  },
  {
    version: 5,
    name: 'start-up times the aggregator observed per cluster and app',
    statements: [
      // Moving averages in ms (config defaults until a start-up is seen); NULL = not reported,
      // the decision uses its policy defaults.
      `ALTER TABLE cluster_app_state ADD COLUMN warm_start_ms REAL`,
      `ALTER TABLE cluster_app_state ADD COLUMN cold_start_ms REAL`,
    ],
  },
  {
    version: 6,
    name: 'the regional proxy\'s inference-aware replica pick per outcome',
    statements: [
      // JSON {reason, prefix, load, blocks, scores?}; NULL for every other strategy.
      `ALTER TABLE outcomes ADD COLUMN replica_pick TEXT`,
    ],
  },
  {
    version: 7,
    name: 'spans received by the local OTLP receiver (control/otlp-receiver)',
    statements: [
      // One row per span; retention is bounded by the receiver (rows and age), see trace-store.ts.
      `CREATE TABLE IF NOT EXISTS trace_spans (
         trace_id TEXT NOT NULL,
         span_id TEXT NOT NULL,
         parent_span_id TEXT,
         name TEXT NOT NULL,
         service TEXT NOT NULL,
         kind INTEGER NOT NULL,
         start_unix_nano INTEGER NOT NULL,
         end_unix_nano INTEGER NOT NULL,
         status_code INTEGER NOT NULL,
         attributes_json TEXT NOT NULL,
         PRIMARY KEY (trace_id, span_id)
       )`,
      `CREATE INDEX IF NOT EXISTS trace_spans_start ON trace_spans(start_unix_nano)`,
    ],
  },
  {
    version: 8,
    name: 'outcomes say when a stream was continued on another replica',
    statements: [
      // 'continued' on the attempt that continued a stream a dead replica started; NULL otherwise.
      `ALTER TABLE outcomes ADD COLUMN stream_recovery TEXT`,
    ],
  },
  {
    version: 9,
    name: 'pinned jobs: a job key keeps going to the cluster (and replica) that took the job',
    statements: [
      // Written by the proxy when a job's answer begins (it knows the replica that took it);
      // read by the edge's snapshot (newest first, bounded) and by proxies for replica stickiness.
      // key_hash = hex SHA-256 of app id + job key (shared/domain/job-key.ts): the key itself,
      // client data, is never stored.
      `CREATE TABLE IF NOT EXISTS job_pins (
         app_id TEXT NOT NULL,
         key_hash TEXT NOT NULL,
         cluster_id TEXT NOT NULL,
         endpoint TEXT,
         proxy_id TEXT NOT NULL,
         expires_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (app_id, key_hash)
       )`,
      `CREATE INDEX IF NOT EXISTS job_pins_by_app ON job_pins(app_id, expires_at)`,
    ],
  },
  {
    version: 10,
    name: 'per-app limits shared by the proxies of a region (or globally) through leases',
    statements: [
      // NULL = 'region' (the default); 'proxy' keeps the old per-proxy counting; 'global'.
      `ALTER TABLE apps ADD COLUMN limit_scope TEXT`,
      // One row per proxy × app × kind ('concurrency' slots or 'rps'): what the proxy holds
      // (claim), would use (want) and has in use. A row past expires_at is ignored by everyone.
      // scope = the region name, or '*' for global. proxy/src/limit-leases.ts writes it.
      `CREATE TABLE IF NOT EXISTS limit_leases (
         scope TEXT NOT NULL,
         app_id TEXT NOT NULL,
         kind TEXT NOT NULL,
         proxy_id TEXT NOT NULL,
         claim REAL NOT NULL,
         want REAL NOT NULL,
         in_use REAL NOT NULL,
         expires_at INTEGER NOT NULL,
         PRIMARY KEY (scope, app_id, kind, proxy_id)
       )`,
    ],
  },
  {
    version: 11,
    name: 'per-app service keys for in-region calls through the regional proxy',
    statements: [
      // Same rules as api_keys (shared/domain/api-key-shape.ts; hex SHA-256 at rest, plaintext
      // never stored) but scoped to ONE target app and kept apart from api_keys: \`switchyard
      // apply\` owns api_keys (and would prune rows it did not write), and the edge accepts any
      // api_keys row for the whole project — a service key must open only its app, only in-region.
      `CREATE TABLE IF NOT EXISTS service_keys (
         id TEXT PRIMARY KEY,
         app_id TEXT NOT NULL,
         hash TEXT NOT NULL UNIQUE,
         revoked INTEGER NOT NULL DEFAULT 0,
         created_at INTEGER NOT NULL
       )`,
    ],
  },
  {
    version: 12,
    name: 'async jobs accepted by regional proxies (?async=1), kept across proxy restarts',
    statements: [
      // One row per job; the proxy that accepted it runs it and, after a restart, retries an
      // interrupted job that may run twice (idempotent method or Idempotency-Key) or fails it.
      // headers_json never holds credentials; the result body lives in a file (result_path).
      `CREATE TABLE IF NOT EXISTS async_jobs (
         id TEXT PRIMARY KEY,
         app_id TEXT NOT NULL,
         proxy_id TEXT NOT NULL,
         method TEXT NOT NULL,
         public_path TEXT NOT NULL,
         headers_json TEXT NOT NULL,
         body BLOB,
         claims_json TEXT NOT NULL,
         retryable INTEGER NOT NULL,
         status TEXT NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         result_status INTEGER,
         result_type TEXT,
         result_path TEXT,
         result_bytes INTEGER,
         error TEXT,
         created_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL,
         expires_at INTEGER NOT NULL,
         webhook_url TEXT
       )`,
      `CREATE INDEX IF NOT EXISTS async_jobs_by_proxy ON async_jobs(proxy_id, status)`,
      // Per-app secret that signs job webhooks (HMAC-SHA256). Held in plaintext by necessity
      // (the proxy signs with it), like Stripe's and GitHub's webhook secrets; operators only.
      `CREATE TABLE IF NOT EXISTS job_webhook_secrets (
         app_id TEXT PRIMARY KEY,
         secret TEXT NOT NULL,
         created_at INTEGER NOT NULL
       )`,
    ],
  },
  {
    version: 13,
    name: 'model versions per cluster and gated rollouts (shared/rollout, control/rollout)',
    statements: [
      // What each cluster's replicas serve per app, from their /v1/models (the aggregator's push):
      // the version most replicas report.
      `CREATE TABLE IF NOT EXISTS deployment_versions (
         app_id TEXT NOT NULL,
         cluster_id TEXT NOT NULL,
         model TEXT NOT NULL,
         version TEXT NOT NULL,
         replicas INTEGER NOT NULL,
         observed_at INTEGER NOT NULL,
         PRIMARY KEY (app_id, cluster_id, model)
       )`,
      // One rollout per app (the newest): the edge's snapshot reads it, the controller moves it.
      `CREATE TABLE IF NOT EXISTS rollouts (
         app_id TEXT PRIMARY KEY,
         id TEXT NOT NULL,
         model TEXT NOT NULL,
         stable_version TEXT NOT NULL,
         canary_version TEXT NOT NULL,
         status TEXT NOT NULL,
         weight_pct REAL NOT NULL,
         steps_json TEXT NOT NULL,
         step_index INTEGER NOT NULL,
         step_started_at INTEGER NOT NULL,
         hold_ms INTEGER NOT NULL,
         held_regions_json TEXT NOT NULL,
         gates_json TEXT NOT NULL,
         auto_promote INTEGER NOT NULL,
         last_gate_json TEXT,
         reason TEXT,
         started_at INTEGER NOT NULL,
         updated_at INTEGER NOT NULL
       )`,
    ],
  },
  {
    version: 14,
    name: 'routes inside an app (model, path, header, keywords/regex, intent examples)',
    statements: [
      // JSON {routes, intents} (shared/routes/types.ts AppRoutes); '{}' = no routes, as before.
      `ALTER TABLE apps ADD COLUMN routes_json TEXT NOT NULL DEFAULT '{}'`,
    ],
  },
  {
    version: 15,
    name: 'policy canaries: both policies\' choices for each decision in the canary slice',
    statements: [
      // CanaryNote JSON (shared/canary/canary.ts) for decisions the candidate policy made; NULL otherwise.
      `ALTER TABLE decisions ADD COLUMN canary_json TEXT`,
    ],
  },
  {
    version: 16,
    name: 'token budgets: each proxy\'s spend per app in the current period (global spend)',
    statements: [
      // One row per app x proxy: USD it charged in the period starting at period_start (UTC ms).
      `CREATE TABLE IF NOT EXISTS token_spend (
         app_id TEXT NOT NULL,
         proxy_id TEXT NOT NULL,
         period_start INTEGER NOT NULL,
         usd REAL NOT NULL,
         updated_at INTEGER NOT NULL,
         PRIMARY KEY (app_id, proxy_id)
       )`,
    ],
  },
  {
    version: 17,
    name: 'token budgets per project (all its apps together), next to each app\'s own',
    statements: [
      // TokenBudget JSON (shared/limits/token-budget-config.ts); NULL = no project budget, as before.
      `ALTER TABLE projects ADD COLUMN token_budget_json TEXT`,
    ],
  },
  {
    version: 18,
    name: 'the autoscaler as the aggregator sees it: replicas, above the minimum, idle, idle window',
    statements: [
      // NULL = not reported (older aggregators; minimum or idle window not configured); see
      // ClusterAppState.replicas and the fields after it.
      `ALTER TABLE cluster_app_state ADD COLUMN replicas INTEGER`,
      `ALTER TABLE cluster_app_state ADD COLUMN replicas_above_min INTEGER`,
      `ALTER TABLE cluster_app_state ADD COLUMN idle_replicas INTEGER`,
      `ALTER TABLE cluster_app_state ADD COLUMN idle_window_ms REAL`,
    ],
  },
  {
    version: 19,
    name: 'each decision\'s origin (the deciding edge colo), for each cluster\'s inflow by origin in the snapshot',
    statements: [
      // Filled by the database from the record itself, so no writer (edge, proxy, tools) changes:
      // input_json is {"v":1,"request":{"client":{"colo":…}}…} (shared/decision/record-json.ts).
      `ALTER TABLE decisions ADD COLUMN origin TEXT`,
      `CREATE TRIGGER IF NOT EXISTS decisions_origin AFTER INSERT ON decisions
         WHEN NEW.origin IS NULL AND json_valid(NEW.input_json)
       BEGIN
         UPDATE decisions SET origin = json_extract(NEW.input_json, '$.request.client.colo') WHERE rowid = NEW.rowid;
       END`,
    ],
  },
  {
    version: 20,
    name: 'each outcome carries its decision\'s app and origin, so a snapshot read sums the window without joining decisions',
    statements: [
      // The snapshot's outcomes, inflow and tenants statements ran over the window's outcomes
      // joined row by row to their decisions: ~1 s per refresh at 1,000 decisions/s
      // (bench/snapshot-load.ts). The columns are filled by the database, so no writer changes,
      // whichever row lands first: the proxy's outcome or the edge's (batched) decision.
      `ALTER TABLE outcomes ADD COLUMN app_id TEXT`,
      `ALTER TABLE outcomes ADD COLUMN origin TEXT`,
      `UPDATE outcomes SET app_id = (SELECT d.app_id FROM decisions d WHERE d.id = outcomes.decision_id),
         origin = (SELECT d.origin FROM decisions d WHERE d.id = outcomes.decision_id)
       WHERE app_id IS NULL`,
      `CREATE TRIGGER IF NOT EXISTS outcomes_decision_app AFTER INSERT ON outcomes WHEN NEW.app_id IS NULL
       BEGIN
         UPDATE outcomes SET app_id = (SELECT d.app_id FROM decisions d WHERE d.id = NEW.decision_id),
           origin = (SELECT d.origin FROM decisions d WHERE d.id = NEW.decision_id)
         WHERE rowid = NEW.rowid;
       END`,
      // Origin from the record itself: decisions_origin (v19) fills decisions.origin in its own
      // AFTER INSERT trigger, whose order against this one is not promised.
      `CREATE TRIGGER IF NOT EXISTS decisions_outcomes_app AFTER INSERT ON decisions
       BEGIN
         UPDATE outcomes SET app_id = NEW.app_id,
           origin = COALESCE(NEW.origin, CASE WHEN json_valid(NEW.input_json) THEN json_extract(NEW.input_json, '$.request.client.colo') END)
         WHERE decision_id = NEW.id AND app_id IS NULL;
       END`,
      // Covering: the window's sums read the index alone, no table row per outcome.
      `CREATE INDEX IF NOT EXISTS outcomes_app_cluster_at ON outcomes(app_id, cluster_id, at, status, ttfb_ms, origin)`,
    ],
  },
  {
    version: 21,
    name: 'the proxy writes each outcome\'s app itself; the database still fills its origin (and the app for older proxies)',
    statements: [
      // An outcome got its app only from its decision row, which the edge may drop under another
      // app's burst (bounded decision log): the outcome then counted for no app. Newer proxies
      // write app_id; the triggers below fill whichever of app_id and origin is still NULL, so old
      // proxies (no app_id) keep working. One UPDATE per outcome insert, as before: the proxy
      // never wrote origin, so the v20 trigger already fired on every outcome.
      `DROP TRIGGER IF EXISTS outcomes_decision_app`,
      `CREATE TRIGGER IF NOT EXISTS outcomes_decision_app AFTER INSERT ON outcomes
         WHEN NEW.app_id IS NULL OR NEW.origin IS NULL
       BEGIN
         UPDATE outcomes SET app_id = COALESCE(NEW.app_id, (SELECT d.app_id FROM decisions d WHERE d.id = NEW.decision_id)),
           origin = COALESCE(NEW.origin, (SELECT d.origin FROM decisions d WHERE d.id = NEW.decision_id))
         WHERE rowid = NEW.rowid;
       END`,
      `DROP TRIGGER IF EXISTS decisions_outcomes_app`,
      // Origin as in v20: decisions_origin (v19) may run after this trigger, so read the record too.
      `CREATE TRIGGER IF NOT EXISTS decisions_outcomes_app AFTER INSERT ON decisions
       BEGIN
         UPDATE outcomes SET app_id = COALESCE(app_id, NEW.app_id),
           origin = COALESCE(origin, NEW.origin, CASE WHEN json_valid(NEW.input_json) THEN json_extract(NEW.input_json, '$.request.client.colo') END)
         WHERE decision_id = NEW.id AND (app_id IS NULL OR origin IS NULL);
       END`,
    ],
  },
  {
    version: 22,
    name: 'a per-second ring of each app\'s attempts per cluster, kept by the database, so a snapshot reads other tenants\' inflow without scanning their outcomes',
    statements: [
      // The tenants statement counted every other app's outcomes of the inflow window on the
      // app's clusters: its cost grew with the other tenants' traffic (549 ms at 10k outcomes/s,
      // against the edge's 2 s read timeout), so one tenant's burst could time out every
      // co-located app's snapshot. One row per (cluster, app, second % 64): a fixed ring, never
      // pruned, whose rows hold what the tenants statement sums (parse-tenants.ts). `requests`:
      // attempts but a client's 4xx (429, the engine's "full", counts); `duration_*`: answered,
      // non-fault attempts (0 < status < 400). `second` is the outcome's own time (at / 1000), so a
      // proxy's late batch lands in the second it happened.
      `CREATE TABLE IF NOT EXISTS inflow_seconds (
         cluster_id TEXT NOT NULL,
         app_id TEXT NOT NULL,
         slot INTEGER NOT NULL,              -- second % 64
         second INTEGER NOT NULL,
         requests INTEGER NOT NULL,
         duration_sum REAL NOT NULL,
         duration_n INTEGER NOT NULL,
         PRIMARY KEY (cluster_id, app_id, slot)
       ) WITHOUT ROWID`,
      // The read's range: only the window's seconds, not 64 rows per tenant. Changes once per
      // second per (cluster, app) when a slot restarts, not on every outcome.
      `CREATE INDEX IF NOT EXISTS inflow_seconds_cluster_second ON inflow_seconds(cluster_id, second)`,
      // Each outcome adds itself once, when it first has both its app and its cluster: at insert
      // (v21+ proxies write app_id) or when a trigger of v20/v21 fills app_id later (older
      // proxies; an outcome that lands before its decision). Those triggers set app_id only where
      // it is NULL, so no outcome is counted twice whichever trigger runs first. A slot whose
      // second is older restarts; an outcome older than its slot's second (more than 63 s late) is
      // dropped: it is out of any window read. Writers never re-insert a row already there
      // (outcome-statement.ts: OR IGNORE, or an upsert), so a retried batch counts once; prune
      // deletes nothing here.
      `CREATE TRIGGER IF NOT EXISTS outcomes_inflow_seconds AFTER INSERT ON outcomes
         WHEN NEW.app_id IS NOT NULL AND NEW.cluster_id IS NOT NULL
           AND (NEW.status < 400 OR NEW.status >= 500 OR NEW.status = 429)
       BEGIN
         ${INFLOW_SECONDS_UPSERT}
       END`,
      `CREATE TRIGGER IF NOT EXISTS outcomes_inflow_seconds_late_app AFTER UPDATE OF app_id ON outcomes
         WHEN OLD.app_id IS NULL AND NEW.app_id IS NOT NULL AND NEW.cluster_id IS NOT NULL
           AND (NEW.status < 400 OR NEW.status >= 500 OR NEW.status = 429)
       BEGIN
         ${INFLOW_SECONDS_UPSERT}
       END`,
      // The outcomes already there: the last 64 s before the newest outcome (its own clock, not
      // this machine's: migrated copies and tests keep their times), so a snapshot read right
      // after the deploy sees the same inflow as before it.
      `INSERT INTO inflow_seconds (cluster_id, app_id, slot, second, requests, duration_sum, duration_n)
       SELECT cluster_id, app_id, (CAST(at AS INTEGER) / 1000) % 64, CAST(at AS INTEGER) / 1000, COUNT(*),
         TOTAL(CASE WHEN status > 0 AND status < 400 THEN duration_ms END),
         COUNT(CASE WHEN status > 0 AND status < 400 THEN duration_ms END)
       FROM outcomes
       WHERE at >= (CAST((SELECT MAX(at) FROM outcomes) AS INTEGER) / 1000 - 63) * 1000
         AND app_id IS NOT NULL AND cluster_id IS NOT NULL
         AND (status < 400 OR status >= 500 OR status = 429)
       GROUP BY cluster_id, app_id, CAST(at AS INTEGER) / 1000`,
    ],
  },
  {
    version: 23,
    name: 'job pins carry a change sequence: proxies read only the pins changed since their last read, by index',
    statements: [
      // Proxies refreshed by reading every live pin, newest first (a full scan and sort every
      // 2 s per worker). `seq` is assigned by the database in commit order, so "changed since"
      // needs no clock (no skew between proxies, no late batched write slipping under a cursor).
      `ALTER TABLE job_pins ADD COLUMN seq INTEGER NOT NULL DEFAULT 0`,
      `UPDATE job_pins SET seq = rowid`,
      `CREATE INDEX IF NOT EXISTS job_pins_by_seq ON job_pins(seq)`,
      // Pruning expired pins reads by expiry, not by scanning the table.
      `CREATE INDEX IF NOT EXISTS job_pins_by_expiry ON job_pins(expires_at)`,
      // Triggers, not the proxy's SQL: older proxies still writing pins during a rollout get a seq too.
      // The update trigger watches only the pin's columns, so its own write of seq does not re-fire it.
      `CREATE TRIGGER IF NOT EXISTS job_pins_seq_insert AFTER INSERT ON job_pins
       BEGIN
         UPDATE job_pins SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_pins) WHERE rowid = NEW.rowid;
       END`,
      `CREATE TRIGGER IF NOT EXISTS job_pins_seq_update AFTER UPDATE OF cluster_id, endpoint, proxy_id, expires_at, updated_at ON job_pins
       BEGIN
         UPDATE job_pins SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_pins) WHERE rowid = NEW.rowid;
       END`,
    ],
  },
  {
    version: 24,
    name: 'job pins take their change sequence from a counter that never goes back, so pruning cannot make new pins reuse numbers proxies have read past',
    statements: [
      // v23 numbered a change MAX(seq) + 1 over the rows left: once a quiet spell let prune delete
      // the newest rows, new pins reused numbers at or below every running proxy's cursor and
      // were never read by them (a job's next request on another worker lost its replica).
      `CREATE TABLE IF NOT EXISTS job_pins_clock (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)`,
      `INSERT OR IGNORE INTO job_pins_clock (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM job_pins`,
      `DROP TRIGGER IF EXISTS job_pins_seq_insert`,
      `DROP TRIGGER IF EXISTS job_pins_seq_update`,
      `CREATE TRIGGER IF NOT EXISTS job_pins_seq_insert AFTER INSERT ON job_pins
       BEGIN
         UPDATE job_pins_clock SET seq = seq + 1 WHERE id = 1;
         UPDATE job_pins SET seq = (SELECT seq FROM job_pins_clock WHERE id = 1) WHERE rowid = NEW.rowid;
       END`,
      `CREATE TRIGGER IF NOT EXISTS job_pins_seq_update AFTER UPDATE OF cluster_id, endpoint, proxy_id, expires_at, updated_at ON job_pins
       BEGIN
         UPDATE job_pins_clock SET seq = seq + 1 WHERE id = 1;
         UPDATE job_pins SET seq = (SELECT seq FROM job_pins_clock WHERE id = 1) WHERE rowid = NEW.rowid;
       END`,
    ],
  },
  {
    version: 25,
    name: 'an async job records when its webhook was dropped unsent (its app\'s webhook line was full), so its status says so',
    statements: [`ALTER TABLE async_jobs ADD COLUMN webhook_dropped_at INTEGER`],
  },
  {
    version: 26,
    name: "an auth clock bumped by every change to api_keys and to an app's gate (existence, project, auth, CORS), so the edge re-reads keys only when it moved",
    statements: [
      // The edge reads this one row at most once a second (workers/src/auth-view.ts) instead of
      // every cached key every second; the triggers keep revocation as fast as before. The WHEN
      // clauses skip no-op upserts (`apply` rewrites every row), which would re-read every key.
      `CREATE TABLE IF NOT EXISTS auth_clock (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)`,
      `INSERT OR IGNORE INTO auth_clock (id, seq) VALUES (1, 0)`,
      `CREATE TRIGGER IF NOT EXISTS auth_clock_key_insert AFTER INSERT ON api_keys
       BEGIN UPDATE auth_clock SET seq = seq + 1 WHERE id = 1; END`,
      `CREATE TRIGGER IF NOT EXISTS auth_clock_key_update AFTER UPDATE ON api_keys
       WHEN OLD.hash IS NOT NEW.hash OR OLD.project_id IS NOT NEW.project_id OR OLD.revoked IS NOT NEW.revoked
       BEGIN UPDATE auth_clock SET seq = seq + 1 WHERE id = 1; END`,
      `CREATE TRIGGER IF NOT EXISTS auth_clock_key_delete AFTER DELETE ON api_keys
       BEGIN UPDATE auth_clock SET seq = seq + 1 WHERE id = 1; END`,
      `CREATE TRIGGER IF NOT EXISTS auth_clock_app_insert AFTER INSERT ON apps
       BEGIN UPDATE auth_clock SET seq = seq + 1 WHERE id = 1; END`,
      `CREATE TRIGGER IF NOT EXISTS auth_clock_app_update AFTER UPDATE ON apps
       WHEN OLD.id IS NOT NEW.id OR OLD.project_id IS NOT NEW.project_id OR OLD.auth_required IS NOT NEW.auth_required
         OR OLD.cors_origins_json IS NOT NEW.cors_origins_json
       BEGIN UPDATE auth_clock SET seq = seq + 1 WHERE id = 1; END`,
      `CREATE TRIGGER IF NOT EXISTS auth_clock_app_delete AFTER DELETE ON apps
       BEGIN UPDATE auth_clock SET seq = seq + 1 WHERE id = 1; END`,
    ],
  },
  {
    version: 27,
    name: "app_clusters by cluster, so an app's snapshot finds the other apps on its clusters without scanning every tenant's rows",
    statements: [
      // The snapshot's tenants statement asks which apps are on this app's clusters; with only the
      // (app_id, cluster_id) key that was a scan of every tenant's app_clusters rows on every
      // refresh (p/chat 2.4 → 18 ms beside another tenant's 10k apps × 20 clusters).
      `CREATE INDEX IF NOT EXISTS app_clusters_by_cluster ON app_clusters(cluster_id, app_id)`,
    ],
  },
  {
    version: 28,
    name: "api_keys by project, so the edge's auth view counts each project's keys without sorting every tenant's",
    statements: [
      // The edge holds keys per project (shared/snapshot/statements.ts PROJECT_KEY_TOTALS): each
      // auth view re-read groups api_keys by project and reads the keys of the projects that fit.
      // Without this index both sorted or scanned the whole table in a temporary b-tree.
      `CREATE INDEX IF NOT EXISTS api_keys_by_project ON api_keys(project_id)`,
    ],
  },
  {
    version: 29,
    name: "trace spans by project, so the OTLP receiver's row cap is shared fairly between tenants",
    statements: [
      // The project whose authenticated request made the trace ('' = none known: unauthenticated,
      // or a span exported before its trace's server span). The receiver's row cap was one list of
      // the newest spans: one tenant's burst of sampled traces pruned every other tenant's.
      `ALTER TABLE trace_spans ADD COLUMN project TEXT NOT NULL DEFAULT ''`,
      `CREATE INDEX IF NOT EXISTS trace_spans_by_project ON trace_spans(project, start_unix_nano)`,
    ],
  },
  {
    version: 30,
    name: 'decision rows name their snapshot: each distinct snapshot is stored once, keyed by its content',
    statements: [
      // ~5 KB of a ~7 KB decision row was the app snapshot, the same for every decision made from
      // it: replay from libSQL read it per row (6–8k decisions/s vs 58–77k/s from NDJSON). `id` is
      // shared/decision/snapshot-id.ts of `json`; `at` is the snapshot's loadedAt, at or before
      // every decision made from it, so `db prune` looks for orphans only before its cutoff.
      `CREATE TABLE IF NOT EXISTS decision_snapshots (
         id TEXT PRIMARY KEY,
         json TEXT NOT NULL,
         at INTEGER NOT NULL
       )`,
      `CREATE INDEX IF NOT EXISTS decision_snapshots_at ON decision_snapshots(at)`,
      // The row's `input_json` says `"snapshotRef":id`; the column lets prune and replay find a
      // snapshot's decisions by index. NULL: an older row with its snapshot inline, which the
      // partial index leaves out (building it still reads the table once, writing nothing for them).
      `ALTER TABLE decisions ADD COLUMN snapshot_id TEXT`,
      `CREATE INDEX IF NOT EXISTS decisions_snapshot_id ON decisions(snapshot_id) WHERE snapshot_id IS NOT NULL`,
    ],
  },
  {
    version: 31,
    name: 'decisions by time, so a replay of the whole log reads it page by page instead of sorting the table for every page',
    statements: [
      // `switchyard replay --db` without --app pages through decisions in (at, id) order: without
      // this index each page scanned and sorted the whole table (100,000 rows: ~2/3 of the
      // replay's CPU, growing with the table). One more index entry per decision written, at the
      // index's right edge (decisions arrive in time order).
      `CREATE INDEX IF NOT EXISTS decisions_at ON decisions(at, id)`,
    ],
  },
  {
    version: 32,
    name: "an app's own failover reserve, overriding the policy's ROUTE_FAILOVER_RESERVE for that app",
    statements: [
      // 0–4 (App.failoverReserve); NULL = the policy's value, as before.
      `ALTER TABLE apps ADD COLUMN failover_reserve REAL`,
    ],
  },
  {
    version: 33,
    name: "each replica's slots as its aggregator knows them, so a proxy shares a replica between projects from its first request",
    statements: [
      // The aggregator's slotsPerReplica for the replica's app; NULL = not reported (an aggregator
      // before this version, or none): the proxy then learns the capacity from the replica's 429s
      // and queue (proxy/src/replica-shares.ts), which lets one project's flood take every slot
      // before the first refusal teaches it.
      `ALTER TABLE app_endpoints ADD COLUMN slots INTEGER`,
    ],
  },
  {
    version: 34,
    name: "what each proxy holds at replicas several projects share, so a flood through two proxies gets one share, not one each",
    statements: [
      // One row per holder (a proxy, or `<id>#<index>` for a worker process) x replica URL x
      // project: its requests there at its last sync (proxy/src/replica-hold-sync.ts). Rows
      // expire a few lease intervals after they were written; the next writer prunes old ones.
      `CREATE TABLE IF NOT EXISTS replica_holds (
         holder_id TEXT NOT NULL,
         url TEXT NOT NULL,
         project TEXT NOT NULL,
         holds INTEGER NOT NULL,
         expires_at INTEGER NOT NULL,
         PRIMARY KEY (holder_id, url, project)
       )`,
    ],
  },
  {
    version: 35,
    name: "an app's job pins newest first, so its snapshot reads the 4,096 it keeps, not every live pin sorted",
    statements: [
      // The snapshot keeps an app's newest MAX_SNAPSHOT_JOB_PINS live pins. By (app_id,
      // expires_at) the read took every live pin of the app and sorted them: 100–430 ms at
      // 50,000–300,000 pins (a chat app whose job key is the conversation), on every refresh of
      // every edge isolate, in the database every tenant's reads and writes share. This index
      // is walked newest first and stops at the limit (statements.ts).
      `CREATE INDEX IF NOT EXISTS job_pins_by_app_updated ON job_pins(app_id, updated_at)`,
    ],
  },
  {
    version: 36,
    name: "the queue wait and service time the aggregator reads from the engines' histograms",
    statements: [
      // ms; NULL = not reported (an engine without the histograms, or an older aggregator): the
      // decision then estimates the wait from the slots and uses its policy's service time.
      // Both are moving averages of each scrape's means over the requests the engines counted
      // (control/aggregator/engine-times.ts); queue_wait_ms is NULL when that is no wait.
      `ALTER TABLE cluster_app_state ADD COLUMN queue_wait_ms REAL`,
      `ALTER TABLE cluster_app_state ADD COLUMN service_ms REAL`,
    ],
  },
];

/** The schema version the code in this checkout expects. */
export const SCHEMA_VERSION: number = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);
