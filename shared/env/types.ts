/** One invalid configuration value, named so an operator can fix it without reading code. */
export interface ConfigError {
  /** The environment variable (or, for cross-field checks, the variables) at fault. */
  readonly variable: string;
  /** The raw value as given; undefined when the variable was unset. */
  readonly value: string | undefined;
  /** Full sentence, e.g. `ROUTE_WEIGHT_LATENCY="abc": expected a number between 0 and 10`. */
  readonly message: string;
}

/** Parsers never throw: they return the value or every error found. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: ConfigError[] };

/** Outcome of parsing one raw string; `expected` completes "expected ..." in the message. */
export type FieldResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly expected: string };

/** Parses one raw (set, possibly empty) string into a typed value. */
export interface FieldParser<T> {
  (raw: string): FieldResult<T>;
  /** What the parser accepts, for docs and messages ("a number between 0 and 10"). */
  readonly expected: string;
}
