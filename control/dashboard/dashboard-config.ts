/**
 * `switchyard dashboard` settings: flags and environment parsed once, in the entrypoint, into
 * a fully-defaulted object, with every invalid field reported at once.
 */
import { readDbEnv } from '../../shared/env/db-env.ts';
import { storeUrlProblem } from '../store/open-store.ts';

export interface DashboardConfig {
  readonly host: string;
  readonly port: number;
  readonly dbUrl: string;
  readonly dbAuthToken: string | undefined;
  /** Required: the dashboard shows fleet internals, so it never runs without the operator gate. */
  readonly operatorKey: string;
  readonly pollMs: number;
  readonly bucketMs: number;
  readonly keepBuckets: number;
  readonly feedSize: number;
  readonly reportsDir: string;
}

export interface DashboardFlags {
  readonly host?: string;
  readonly port?: string;
  readonly db?: string;
  readonly authToken?: string;
  readonly pollMs?: string;
  readonly bucketMs?: string;
  readonly keepBuckets?: string;
  readonly feedSize?: string;
  readonly reportsDir?: string;
}

export const DASHBOARD_DEFAULTS = {
  host: '127.0.0.1',
  port: 8797,
  pollMs: 1000,
  bucketMs: 5000,
  keepBuckets: 60,
  feedSize: 50,
  reportsDir: 'reports',
} as const;

/** Shortest operator key accepted: a guessable key would expose prices and every explanation. */
export const MIN_OPERATOR_KEY_LENGTH = 16;

type Parsed = { ok: true; config: DashboardConfig } | { ok: false; errors: string[] };

function intIn(name: string, raw: string | undefined, def: number, min: number, max: number, errors: string[]): number {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push(`${name} must be an integer ${min}..${max}, got ${JSON.stringify(raw)}`);
    return def;
  }
  return n;
}

export function parseDashboardConfig(flags: DashboardFlags, env: Readonly<Record<string, string | undefined>>): Parsed {
  const errors: string[] = [];
  const operatorKey = env['SWITCHYARD_OPERATOR_KEY'] ?? env['EDGE_OPERATOR_KEY'] ?? '';
  if (operatorKey === '') errors.push('SWITCHYARD_OPERATOR_KEY is required (env, never a flag, so it stays out of `ps`): the dashboard is for operators only');
  else if (operatorKey.length < MIN_OPERATOR_KEY_LENGTH) errors.push(`SWITCHYARD_OPERATOR_KEY must be at least ${MIN_OPERATOR_KEY_LENGTH} characters`);
  const port = intIn('--port', flags.port ?? env['SWITCHYARD_DASHBOARD_PORT'], DASHBOARD_DEFAULTS.port, 0, 65_535, errors);
  const pollMs = intIn('--poll-ms', flags.pollMs, DASHBOARD_DEFAULTS.pollMs, 100, 60_000, errors);
  const bucketMs = intIn('--bucket-ms', flags.bucketMs, DASHBOARD_DEFAULTS.bucketMs, 1000, 3_600_000, errors);
  const keepBuckets = intIn('--keep-buckets', flags.keepBuckets, DASHBOARD_DEFAULTS.keepBuckets, 2, 1000, errors);
  const feedSize = intIn('--feed-size', flags.feedSize, DASHBOARD_DEFAULTS.feedSize, 1, 1000, errors);
  const host = flags.host ?? DASHBOARD_DEFAULTS.host;
  if (host === '') errors.push('--host must not be empty');
  const dbEnv = readDbEnv(env);
  if (!dbEnv.ok) errors.push(...dbEnv.errors.map((e) => e.message));
  const dbUrl = flags.db ?? (dbEnv.ok ? dbEnv.value.url : undefined);
  if (dbEnv.ok && (dbUrl === undefined || dbUrl === '')) errors.push('--db (or LIBSQL_URL) is required: the database the edge and aggregators use');
  const urlProblem = dbUrl === undefined || dbUrl === '' ? null : storeUrlProblem(dbUrl, flags.db !== undefined ? '--db' : 'LIBSQL_URL');
  if (urlProblem !== null) errors.push(urlProblem);
  if (errors.length > 0 || dbUrl === undefined) return { ok: false, errors };
  return {
    ok: true,
    config: {
      host,
      port,
      dbUrl,
      dbAuthToken: flags.authToken ?? (dbEnv.ok ? dbEnv.value.authToken : undefined),
      operatorKey,
      pollMs,
      bucketMs,
      keepBuckets,
      feedSize,
      reportsDir: flags.reportsDir ?? DASHBOARD_DEFAULTS.reportsDir,
    },
  };
}
