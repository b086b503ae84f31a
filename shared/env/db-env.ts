/**
 * The one reading of the control-plane database from the environment, for every Node part (CLI,
 * aggregator, dashboard, regional proxy). `LIBSQL_URL` / `LIBSQL_AUTH_TOKEN` are the canonical
 * names (the edge Worker's too); `SWITCHYARD_DB_URL` / `SWITCHYARD_DB_AUTH_TOKEN`, which the proxy
 * used to read, stay accepted as aliases. Both names set to different values is refused: which
 * database a process would use must never depend on which name a component happens to read.
 */
import type { Env } from './env-reader.ts';
import type { ConfigError, ParseResult } from './types.ts';

export interface DbEnv {
  /** undefined when neither name is set (blank counts as unset). */
  readonly url: string | undefined;
  readonly authToken: string | undefined;
}

/** Each setting's canonical name and its older alias. */
export const DB_ENV_NAMES = {
  url: { name: 'LIBSQL_URL', alias: 'SWITCHYARD_DB_URL' },
  authToken: { name: 'LIBSQL_AUTH_TOKEN', alias: 'SWITCHYARD_DB_AUTH_TOKEN' },
} as const;

/**
 * A conflict between a name and its alias ('db-env-conflict'), a name set blank where that
 * would fall back to a default database ('db-env-blank', the CLI's rule), or a value that is not
 * one ('db-env-invalid', e.g. the CLI's request timeout), for entrypoints that throw.
 */
export class DbEnvError extends Error {
  readonly code: 'db-env-conflict' | 'db-env-blank' | 'db-env-invalid';
  readonly errors: readonly ConfigError[];

  constructor(errors: readonly ConfigError[], code: DbEnvError['code'] = 'db-env-conflict') {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'DbEnvError';
    this.code = code;
    this.errors = errors;
  }
}

/** The database URL and token from `env`, or an error per setting whose two names disagree. */
export function readDbEnv(env: Env): ParseResult<DbEnv> {
  const errors: ConfigError[] = [];
  const one = ({ name, alias }: { name: string; alias: string }): string | undefined => {
    const canonical = nonBlank(env[name]);
    const older = nonBlank(env[alias]);
    if (canonical !== undefined && older !== undefined && canonical !== older) {
      // Values are left out: a URL can carry credentials and the token is a secret.
      errors.push({
        variable: `${name}/${alias}`,
        value: undefined,
        message: `${name} and ${alias} are both set, to different values: set only ${name} (${alias} is its older alias)`,
      });
    }
    return canonical ?? older;
  };
  const value = { url: one(DB_ENV_NAMES.url), authToken: one(DB_ENV_NAMES.authToken) };
  return errors.length === 0 ? { ok: true, value } : { ok: false, errors };
}

/** `readDbEnv` for entrypoints that stop on the first problem: throws a DbEnvError. */
export function requireDbEnv(env: Env): DbEnv {
  const r = readDbEnv(env);
  if (!r.ok) throw new DbEnvError(r.errors);
  return r.value;
}

function nonBlank(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw;
}
