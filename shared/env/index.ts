export type { ConfigError, ParseResult, FieldParser, FieldResult } from './types.ts';
export {
  boolean,
  duration,
  integer,
  nonEmptyString,
  numberInRange,
  oneOf,
  parseDurationMs,
} from './field-parsers.ts';
export { EnvReader, formatConfigErrors } from './env-reader.ts';
export type { Env } from './env-reader.ts';
export { DB_ENV_NAMES, DbEnvError, readDbEnv, requireDbEnv } from './db-env.ts';
export type { DbEnv } from './db-env.ts';
