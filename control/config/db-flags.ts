/**
 * The CLI's one way to find and open the database: `--db` / `--auth-token`, else the environment
 * (shared/env/db-env.ts: LIBSQL_URL / LIBSQL_AUTH_TOKEN or their SWITCHYARD_DB_* aliases), else a
 * command's own fallback (the aggregator's config file), else DEFAULT_DB_URL. Every command that
 * reads or writes the database goes through `resolveDb` / `openDb`, so none ignores LIBSQL_URL.
 */
import type { Command } from 'commander';
import { requireDbEnv } from '../../shared/env/db-env.ts';
import { openStore, type Store } from '../store/open-store.ts';

/** Where the CLI finds the database when neither --db nor LIBSQL_URL says. */
export const DEFAULT_DB_URL = 'file:.switchyard/switchyard.db';

export interface DbFlags {
  readonly db?: string;
  readonly authToken?: string;
}

export interface ResolvedDb {
  readonly url: string;
  readonly authToken: string | undefined;
}

/** Adds `--db` and `--auth-token` (defaulting to LIBSQL_URL / LIBSQL_AUTH_TOKEN) to a command. */
export function withDbFlags(cmd: Command): Command {
  return cmd
    .option('--db <url>', `database URL: file:PATH, http(s)://HOST, libsql://HOST (default: $LIBSQL_URL or ${DEFAULT_DB_URL})`)
    .option('--auth-token <token>', 'database auth token (default: $LIBSQL_AUTH_TOKEN)');
}

/**
 * Resolves the flags against the environment (a DbEnvError when a name and its alias disagree)
 * and then `fallback`; env is read here, in the entrypoint, only.
 */
export function resolveDb(
  flags: DbFlags,
  env: NodeJS.ProcessEnv,
  fallback: { url?: string | null; authToken?: string | null } = {},
): ResolvedDb {
  const fromEnv = requireDbEnv(env);
  return {
    url: flags.db ?? fromEnv.url ?? fallback.url ?? DEFAULT_DB_URL,
    authToken: flags.authToken ?? fromEnv.authToken ?? fallback.authToken ?? undefined,
  };
}

/** Opens the database `resolveDb` names. */
export function openDb(flags: DbFlags, env: NodeJS.ProcessEnv): Store {
  return openStore(resolveDb(flags, env));
}
