/**
 * The CLI's one way to find and open the database: `--db` / `--auth-token`, else the environment
 * (shared/env/db-env.ts: LIBSQL_URL / LIBSQL_AUTH_TOKEN or their SWITCHYARD_DB_* aliases), else a
 * command's own fallback (the aggregator's config file), else DEFAULT_DB_URL. Every command that
 * reads or writes the database goes through `resolveDb` / `openDb`, so none ignores LIBSQL_URL.
 * Opening is in open-db.ts: resolving loads no libSQL client, so a command that turns out to read
 * no database (replay --input) starts without it.
 */
import type { Command } from 'commander';
import { DB_ENV_NAMES, DbEnvError, requireDbEnv } from '../../shared/env/db-env.ts';
import { duration } from '../../shared/env/field-parsers.ts';
import { DEFAULT_STORE_REQUEST_TIMEOUT_MS, validateStoreUrl } from '../store/store-url.ts';

/** Where the CLI finds the database when neither --db nor LIBSQL_URL says. */
export const DEFAULT_DB_URL = 'file:.switchyard/switchyard.db';

/** How long one request to a libSQL server may take before the command gives up (CLI and aggregator). */
export const DB_TIMEOUT_ENV = 'SWITCHYARD_DB_TIMEOUT_MS';
const dbTimeout = duration(10, 3_600_000);

export interface DbFlags {
  readonly db?: string;
  readonly authToken?: string;
}

export interface ResolvedDb {
  readonly url: string;
  readonly authToken: string | undefined;
  /** From DB_TIMEOUT_ENV, else DEFAULT_STORE_REQUEST_TIMEOUT_MS; named in a timeout's message. */
  readonly requestTimeoutMs?: number;
  readonly requestTimeoutSetting?: string;
}

/** Adds `--db` and `--auth-token` (defaulting to LIBSQL_URL / LIBSQL_AUTH_TOKEN) to a command. */
export function withDbFlags(cmd: Command): Command {
  return cmd
    .option('--db <url>', `database URL: file:PATH, http(s)://HOST, libsql://HOST (default: $LIBSQL_URL or ${DEFAULT_DB_URL})`)
    .option('--auth-token <token>', 'database auth token (default: $LIBSQL_AUTH_TOKEN)');
}

/**
 * Resolves the flags against the environment (a DbEnvError when a name and its alias disagree)
 * and then `fallback`; env is read here, in the entrypoint, only. A LIBSQL_URL set blank is
 * refused when it would decide: elsewhere blank means unset, but here that means the default
 * file, and `LIBSQL_URL=$URL` with URL unset must not quietly open a local database.
 */
export function resolveDb(
  flags: DbFlags,
  env: NodeJS.ProcessEnv,
  fallback: { url?: string | null; authToken?: string | null } = {},
): ResolvedDb {
  const fromEnv = requireDbEnv(env);
  if (flags.db === undefined && fromEnv.url === undefined && (fallback.url ?? null) === null) refuseBlankUrl(env);
  const url = flags.db ?? fromEnv.url ?? fallback.url ?? DEFAULT_DB_URL;
  // A URL libSQL cannot open (`ftp://…`, a bare path) is judged here, naming where it came from:
  // a StoreError 'invalid-url', which the CLI reports as a usage error before anything is opened.
  validateStoreUrl(url, urlSource(flags, env, fallback));
  return {
    url,
    authToken: flags.authToken ?? fromEnv.authToken ?? fallback.authToken ?? undefined,
    requestTimeoutMs: requestTimeoutFrom(env),
    requestTimeoutSetting: DB_TIMEOUT_ENV,
  };
}

/** DB_TIMEOUT_ENV in ms (a bare number, or 500ms, 30s, 2m), else the default; a DbEnvError when malformed. */
function requestTimeoutFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[DB_TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_STORE_REQUEST_TIMEOUT_MS;
  const parsed = dbTimeout(raw);
  if (parsed.ok) return parsed.value;
  throw new DbEnvError([{ variable: DB_TIMEOUT_ENV, value: raw, message: `${DB_TIMEOUT_ENV}=${JSON.stringify(raw)}: expected ${parsed.expected}` }], 'db-env-invalid');
}

/** Which setting decided the URL, as the operator would write it. */
function urlSource(flags: DbFlags, env: NodeJS.ProcessEnv, fallback: { url?: string | null }): string {
  if (flags.db !== undefined) return '--db';
  const { name, alias } = DB_ENV_NAMES.url;
  for (const n of [name, alias]) if ((env[n] ?? '').trim() !== '') return n;
  return (fallback.url ?? null) !== null ? "the config file's db.url" : 'the default database URL';
}

function refuseBlankUrl(env: NodeJS.ProcessEnv): void {
  const { name, alias } = DB_ENV_NAMES.url;
  const blank = [name, alias].filter((n) => env[n] !== undefined);
  if (blank.length === 0) return;
  const which = blank.join(' and ');
  throw new DbEnvError(
    [{ variable: which, value: undefined, message: `${which} ${blank.length === 1 ? 'is' : 'are'} set but blank: set ${name} to the database URL, pass --db, or unset ${which} to use ${DEFAULT_DB_URL}` }],
    'db-env-blank',
  );
}
