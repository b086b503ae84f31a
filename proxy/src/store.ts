/**
 * What the proxy reads from and writes to libSQL, as one narrow port. The
 * adapter speaks SQL to the tables in shared/schema directly (app_endpoints,
 * apps, proxies, proxy_cluster_health, outcomes) so the proxy depends only on
 * `shared/` and a libSQL `Client`, never on control/.
 */
import { outcomeStatements, type OutcomeRecord } from '../../shared/schema/outcome-statement.ts';
import type { Client, InStatement } from '@libsql/client';
import type { JobPinPage, JobPinRow } from './job-pins.ts';
import { outcomesTakeApp } from './outcomes-take-app.ts';
import { libsqlLeaseStore, type LimitLeaseStore } from './limit-lease-store.ts';
import { libsqlTokenLeaseStore, type TokenLeaseStore } from './token-lease-store.ts';
import { libsqlReplicaHoldStore, type ReplicaHoldStore } from './replica-hold-store.ts';
import { resolveTokenBudget, type TokenBudget } from '../../shared/limits/token-budget-config.ts';
import { describeProblems, resolveRequestRules } from '../../shared/domain/request-rules.ts';
import { routeLimits } from '../../shared/routes/route-limits.ts';
import { DEFAULT_REQUEST_RULES, LIMIT_SCOPES, type AppLimits, type AppRequestRules, type Health, type LimitScope, type StrategyName } from '../../shared/domain/types.ts';

export interface EndpointRow {
  readonly clusterId: string;
  readonly appId: string;
  readonly url: string;
  readonly healthy: boolean;
  readonly weight: number;
  /** The replica's slots as its aggregator reported them; null = not reported (replica-shares.ts learns them). */
  readonly slots: number | null;
}

export interface AppSettings {
  readonly appId: string;
  readonly strategy: StrategyName;
  readonly affinityHeader: string | null;
  readonly maxConcurrency: number | null;
  readonly maxRps: number | null;
  /** Who shares the limits (absent = `region`; a proxy without a store counts on its own). */
  readonly limitScope?: LimitScope;
  /** The app's request rules (functions, body limit, TTFB budget, …) with every default filled in. */
  readonly requests: AppRequestRules;
  /** Limits its routes declare (route name → limits; shared/routes/route-limits.ts); absent = none. */
  readonly routeLimits?: ReadonlyMap<string, AppLimits>;
  /** The token budget of its project (`projects.token_budget_json`, all the project's apps together); absent = none. */
  readonly projectBudget?: TokenBudget | null;
  /** The app takes callers without a key (`auth: false`); absent = it needs one (an endpoints file's apps). */
  readonly open?: boolean;
}

export interface ProxyRow {
  readonly id: string;
  readonly url: string;
  readonly region: string;
  readonly draining: boolean;
  readonly observedAt: number;
}

export interface ClusterHealthRow {
  readonly proxyId: string;
  readonly clusterId: string;
  readonly health: Health;
  readonly circuitOpen: boolean;
  readonly rttMs: number;
  readonly ttftMs: number | null;
  readonly samples: number;
  readonly observedAt: number;
  /** Apps whose circuit this proxy holds open on this cluster (the circuit is per cluster × app). */
  readonly openCircuitApps: readonly string[];
}

/** An outcome row as the proxy writes it (the shared schema's record). */
export type OutcomeRow = OutcomeRecord;

export interface ProxyStore extends LimitLeaseStore {
  loadEndpoints(): Promise<EndpointRow[]>;
  loadAppSettings(): Promise<AppSettings[]>;
  upsertProxy(row: ProxyRow): Promise<void>;
  upsertClusterHealth(rows: readonly ClusterHealthRow[]): Promise<void>;
  insertOutcomes(rows: readonly OutcomeRow[]): Promise<void>;
  upsertJobPin(row: JobPinRow): Promise<void>;
  upsertJobPins(rows: readonly JobPinRow[]): Promise<void>;
  loadJobPins(clusterIds: readonly string[], now: number, afterSeq: number, limit: number): Promise<JobPinPage>;
  pruneJobPins(clusterIds: readonly string[], now: number): Promise<void>;
  /**
   * Token budgets' global spend (table `token_spend`): write this proxy's spend per app, read the
   * others' — the USD every other proxy charged per app in the given period. Absent: spend is per proxy.
   */
  syncTokenSpend?(proxyId: string, rows: readonly TokenSpendRow[], now: number): Promise<TokenSpendRow[]>;
  /** Shared tokens-per-minute budgets (token-leases.ts). Absent: each proxy counts them alone. */
  renewTokenLeases?: TokenLeaseStore['renewTokenLeases'];
  /** Holds at shared replicas (replica-hold-sync.ts). Absent: each proxy counts only its own. */
  syncReplicaHolds?: ReplicaHoldStore['syncReplicaHolds'];
}

export interface TokenSpendRow {
  /** The budget's key: an app id, or `project:<id>` for a project's budget. */
  readonly appId: string;
  readonly periodStart: number;
  readonly usd: number;
}

/** Only a newer write moves a pin: two proxies racing on one key keep the latest job start. */
function jobPinUpsert(p: JobPinRow): InStatement {
  return {
    sql: `INSERT INTO job_pins (app_id, key_hash, cluster_id, endpoint, proxy_id, expires_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(app_id, key_hash) DO UPDATE SET cluster_id = excluded.cluster_id, endpoint = excluded.endpoint,
            proxy_id = excluded.proxy_id, expires_at = excluded.expires_at, updated_at = excluded.updated_at
          WHERE excluded.updated_at >= job_pins.updated_at`,
    args: [p.appId, p.keyHash, p.clusterId, p.endpoint, p.proxyId, p.expiresAt, p.updatedAt],
  };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : String(v);
}

function numOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** A stored rules row; one the shared reader refuses falls back to the defaults, loudly. */
function storedRules(appId: string, raw: unknown): AppRequestRules {
  let value: unknown;
  try {
    value = raw === null || raw === undefined ? undefined : JSON.parse(str(raw));
  } catch {
    value = 'not JSON';
  }
  const r = resolveRequestRules(value);
  if (r.ok) return r.rules;
  // Defaults are the strict choice (v1/* only, 8 MiB, credentials stripped): never wider than asked.
  process.emitWarning(`apps.requests_json of ${appId} is invalid (${describeProblems(r.problems)}); using the defaults`);
  return DEFAULT_REQUEST_RULES;
}

/** `apps.routes_json` (absent before the routes migration) → the limits its routes declare. */
function storedRouteLimits(appId: string, raw: unknown): ReadonlyMap<string, AppLimits> {
  if (raw === null || raw === undefined) return new Map();
  let value: unknown;
  try {
    value = JSON.parse(str(raw));
  } catch {
    value = null;
  }
  const o = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const r = routeLimits(o['routes'], o['intents']);
  if (r.ok) return r.limits;
  // The edge refuses such a snapshot too; here only the app's own limits then apply, loudly.
  process.emitWarning(`apps.routes_json of ${appId} is invalid (${r.problem}); its routes' limits are not enforced`);
  return new Map();
}

/** NULL or a database before schema v10: `region`. An unknown value is shared by the region, loudly. */
function storedScope(appId: string, raw: unknown): LimitScope {
  if (raw === null || raw === undefined) return 'region';
  if ((LIMIT_SCOPES as readonly unknown[]).includes(raw)) return raw as LimitScope;
  process.emitWarning(`apps.limit_scope of ${appId} is ${JSON.stringify(raw)}, not one of ${LIMIT_SCOPES.join(', ')}; sharing it across the region`);
  return 'region';
}

/** `projects.token_budget_json` (absent before schema v17) → budget per project id; an invalid one is none, loudly. */
function storedProjectBudgets(rows: ReadonlyArray<Record<string, unknown>>): Map<string, TokenBudget> {
  const out = new Map<string, TokenBudget>();
  for (const r of rows) {
    const raw = r['token_budget_json'];
    if (raw === null || raw === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(str(raw));
    } catch {
      value = 'not JSON';
    }
    const b = resolveTokenBudget(value);
    if (b.budget !== null && b.problems.length === 0) out.set(str(r['id']), b.budget);
    else process.emitWarning(`projects.token_budget_json of ${str(r['id'])} is invalid (${b.problems.map(([p, m]) => `${p.join('.')}: ${m}`).join('; ')}); the project has no budget`);
  }
  return out;
}

/** `app_endpoints.slots`: a whole number ≥ 1, else not reported (NULL, absent before v33, or nonsense). */
function reportedSlots(raw: unknown): number | null {
  const n = raw === null || raw === undefined ? NaN : Number(raw);
  return Number.isSafeInteger(n) && n >= 1 ? n : null;
}

/** The libSQL implementation of the port. */
export function libsqlProxyStore(client: Client): ProxyStore {
  const takesApp = outcomesTakeApp(client);
  return {
    ...libsqlLeaseStore(client),
    ...libsqlTokenLeaseStore(client),
    ...libsqlReplicaHoldStore(client),
    async loadEndpoints() {
      // `*`: a database before schema v33 has no slots column (every replica's then unreported).
      const rs = await client.execute('SELECT * FROM app_endpoints');
      return rs.rows.map((r) => ({
        clusterId: str(r['cluster_id']),
        appId: str(r['app_id']),
        url: str(r['url']),
        healthy: Number(r['healthy']) !== 0,
        weight: numOrNull(r['weight']) ?? 1,
        slots: reportedSlots(r['slots']),
      }));
    },
    async loadAppSettings() {
      // `*`: a database not yet migrated to schema v2 has no requests_json (every default then),
      // nor before v17 projects.token_budget_json (no project budgets then).
      const [rs, projects] = await client.batch(['SELECT * FROM apps', 'SELECT * FROM projects'], 'read');
      const projectBudgets = storedProjectBudgets(projects?.rows ?? []);
      return (rs?.rows ?? []).map((r) => ({
        appId: str(r['id']),
        strategy: str(r['strategy']) as StrategyName,
        affinityHeader: r['affinity_header'] === null ? null : str(r['affinity_header']),
        maxConcurrency: numOrNull(r['max_concurrency']),
        maxRps: numOrNull(r['max_rps']),
        limitScope: storedScope(str(r['id']), r['limit_scope']),
        requests: storedRules(str(r['id']), r['requests_json']),
        routeLimits: storedRouteLimits(str(r['id']), r['routes_json']),
        projectBudget: projectBudgets.get(str(r['project_id'])) ?? null,
        open: r['auth_required'] !== undefined && r['auth_required'] !== null && Number(r['auth_required']) === 0,
      }));
    },
    async upsertProxy(row) {
      await client.execute({
        sql: `INSERT INTO proxies (id, url, region, draining, observed_at) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT(id) DO UPDATE SET url = excluded.url, region = excluded.region,
                draining = excluded.draining, observed_at = excluded.observed_at`,
        args: [row.id, row.url, row.region, row.draining ? 1 : 0, row.observedAt],
      });
    },
    async upsertClusterHealth(rows) {
      if (rows.length === 0) return;
      const stmts: InStatement[] = rows.map((h) => ({
        sql: `INSERT INTO proxy_cluster_health (proxy_id, cluster_id, health, circuit_open, rtt_ms, ttft_ms, samples, observed_at, open_circuit_apps_json)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
              ON CONFLICT(proxy_id, cluster_id) DO UPDATE SET health = excluded.health, circuit_open = excluded.circuit_open,
                rtt_ms = excluded.rtt_ms, ttft_ms = excluded.ttft_ms, samples = excluded.samples, observed_at = excluded.observed_at,
                open_circuit_apps_json = excluded.open_circuit_apps_json`,
        args: [
          h.proxyId,
          h.clusterId,
          h.health,
          h.circuitOpen ? 1 : 0,
          h.rttMs,
          h.ttftMs,
          h.samples,
          h.observedAt,
          JSON.stringify(h.openCircuitApps),
        ],
      }));
      await client.batch(stmts, 'write');
    },
    async upsertJobPin(p) {
      await client.execute(jobPinUpsert(p));
    },
    async upsertJobPins(rows) {
      if (rows.length > 0) await client.batch(rows.map(jobPinUpsert), 'write');
    },
    async pruneJobPins(clusterIds, now) {
      await client.execute({
        sql: `DELETE FROM job_pins WHERE expires_at <= ? AND cluster_id IN (${clusterIds.map(() => '?').join(', ')})`,
        args: [now, ...clusterIds],
      });
    },
    async loadJobPins(clusterIds, now, afterSeq, limit) {
      // One read transaction: the page (by the seq index, in commit order) and the highest seq,
      // so a short page moves the cursor past rows skipped here (other clusters', expired).
      const [page, top] = await client.batch(
        [
          {
            sql: `SELECT app_id, key_hash, cluster_id, endpoint, proxy_id, expires_at, updated_at, seq FROM job_pins
                  WHERE seq > ? AND expires_at > ? AND cluster_id IN (${clusterIds.map(() => '?').join(', ')})
                  ORDER BY seq LIMIT ?`,
            args: [afterSeq, now, ...clusterIds, limit],
          },
          // The counter (migration 24), not MAX(seq): prune deletes rows, the counter never goes back.
          'SELECT COALESCE((SELECT seq FROM job_pins_clock WHERE id = 1), 0) AS seq',
        ],
        'read',
      );
      const rows = (page?.rows ?? []).map((r) => ({
        appId: str(r['app_id']),
        keyHash: str(r['key_hash']),
        clusterId: str(r['cluster_id']),
        endpoint: r['endpoint'] === null ? null : str(r['endpoint']),
        proxyId: str(r['proxy_id']),
        expiresAt: Number(r['expires_at']),
        updatedAt: Number(r['updated_at']),
        seq: Number(r['seq']),
      }));
      const last = rows[rows.length - 1];
      const maxSeq = Number(top?.rows[0]?.['seq'] ?? 0);
      return { rows, nextSeq: rows.length >= limit && last !== undefined ? last.seq : Math.max(afterSeq, maxSeq), more: rows.length >= limit, top: maxSeq };
    },
    async syncTokenSpend(proxyId, rows, now) {
      const writes: InStatement[] = rows.map((r) => ({
        sql: `INSERT INTO token_spend (app_id, proxy_id, period_start, usd, updated_at) VALUES (?, ?, ?, ?, ?)
              ON CONFLICT(app_id, proxy_id) DO UPDATE SET period_start = excluded.period_start, usd = excluded.usd, updated_at = excluded.updated_at`,
        args: [r.appId, proxyId, r.periodStart, r.usd, now],
      }));
      const read = { sql: 'SELECT app_id, period_start, SUM(usd) AS usd FROM token_spend WHERE proxy_id <> ? GROUP BY app_id, period_start', args: [proxyId] };
      const results = await client.batch([...writes, read], 'write');
      const rs = results[results.length - 1];
      return (rs?.rows ?? []).map((r) => ({ appId: str(r['app_id']), periodStart: Number(r['period_start']), usd: Number(r['usd']) }));
    },
    async insertOutcomes(rows) {
      if (rows.length === 0) return;
      const withApp = await takesApp();
      const stmts: InStatement[] = outcomeStatements(withApp ? rows : rows.map((o) => ({ ...o, appId: null })), 'update');
      await client.batch(stmts, 'write');
    },
  };
}
