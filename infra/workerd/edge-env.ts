/**
 * The edge Worker's variables for `switchyard edge --workerd`: wrangler.toml's `[vars]`, overridden
 * by the process environment (the Worker's own variable names), overridden by `--env-file`.
 * The database is read by the one rule every Node part uses (shared/env/db-env.ts): LIBSQL_URL or
 * its older alias SWITCHYARD_DB_URL (token likewise), refused when one source sets both to
 * different values; the Worker itself reads only the canonical names, so the resolved value is
 * passed under those. Pure: the environment and the env file's entries are passed in.
 */
import { DB_ENV_NAMES, requireDbEnv } from '../../shared/env/db-env.ts';

/** Both names of each database setting: resolved by the rule, never copied raw. */
const DB_NAMES: ReadonlySet<string> = new Set(Object.values(DB_ENV_NAMES).flatMap((n) => [n.name, n.alias]));

/**
 * `vars`: wrangler.toml [vars]; `variables`: the names the Worker reads; `processEnv`: the CLI's
 * environment; `fileEnv`: the parsed `--env-file` entries (empty without one). Throws a
 * DbEnvError when a source sets a database name and its alias to different values.
 */
export function edgeWorkerEnv(
  vars: Readonly<Record<string, string>>,
  variables: readonly string[],
  processEnv: Readonly<Record<string, string | undefined>>,
  fileEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = { ...vars };
  for (const name of variables) {
    const v = processEnv[name];
    if (v !== undefined && !DB_NAMES.has(name)) env[name] = v;
  }
  for (const [k, v] of Object.entries(fileEnv)) if (v !== undefined && !DB_NAMES.has(k)) env[k] = v;
  // Per source, so the env file still overrides the environment whichever name each one uses.
  for (const source of [processEnv, fileEnv]) {
    const db = requireDbEnv(source);
    if (db.url !== undefined) env[DB_ENV_NAMES.url.name] = db.url;
    if (db.authToken !== undefined) env[DB_ENV_NAMES.authToken.name] = db.authToken;
  }
  return env;
}
