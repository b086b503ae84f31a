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
