import type { Command } from 'commander';
import { requireDbEnv } from '../../shared/env/db-env.ts';

/** Where the CLI finds the database when neither --db nor LIBSQL_URL says. */
export const DEFAULT_DB_URL = 'file:.switchyard/switchyard.db';

export interface DbFlags {
  readonly db?: string;
  readonly authToken?: string;
}

/** Adds `--db` and `--auth-token` (defaulting to LIBSQL_URL / LIBSQL_AUTH_TOKEN) to a command. */
export function withDbFlags(cmd: Command): Command {
  return cmd
    .option('--db <url>', `database URL: file:PATH, http(s)://HOST, libsql://HOST (default: $LIBSQL_URL or ${DEFAULT_DB_URL})`)
    .option('--auth-token <token>', 'database auth token (default: $LIBSQL_AUTH_TOKEN)');
}

/**
 * Resolves the flags against the environment (shared/env/db-env.ts: LIBSQL_* or the SWITCHYARD_DB_*
 * aliases; a DbEnvError when the two disagree); env is read here, in the entrypoint, only.
 */
export function resolveDb(flags: DbFlags, env: NodeJS.ProcessEnv): { url: string; authToken: string | undefined } {
  const fromEnv = requireDbEnv(env);
  return {
    url: flags.db ?? fromEnv.url ?? DEFAULT_DB_URL,
    authToken: flags.authToken ?? fromEnv.authToken,
  };
}
