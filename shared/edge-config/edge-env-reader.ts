/**
 * Tiny typed readers for the edge's string env vars that collect problems instead of throwing, so
 * every invalid variable is reported at once (by the Worker, and by `switchyard edge --workerd`
 * before it starts). Missing (undefined or empty) means "use the
 * named default"; present-but-invalid is always an error, never a silent default.
 */
import { boolean, integer, oneOf } from '../env/field-parsers.ts';
import type { FieldParser } from '../env/types.ts';

export interface EnvProblem {
  readonly variable: string;
  /** The offending value; secrets are redacted by the caller. */
  readonly value: string | null;
  readonly message: string;
}

export type EnvVars = Readonly<Record<string, unknown>>;

export class EnvReader {
  readonly problems: EnvProblem[] = [];
  constructor(private readonly env: EnvVars) {}

  /**
   * The trimmed string value, or undefined when unset, empty or blank (a blank EDGE_TOKEN_ISSUER
   * was the issuer "", where the proxy reads a blank PROXY_TOKEN_ISSUER as its default, so every
   * token was refused). Non-strings are reported.
   */
  raw(name: string): string | undefined {
    const v = this.env[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') {
      this.problems.push({ variable: name, value: String(v), message: 'must be a string (set it under [vars] or as a secret)' });
      return undefined;
    }
    const t = v.trim();
    return t === '' ? undefined : t;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    return this.#parsed(name, fallback, integer(min, max));
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    return this.#parsed(name, fallback, oneOf(allowed));
  }

  /** `on`/`off` switch (the proxy's readings too: true/false, 1/0, yes/no). */
  flag(name: string, fallback: boolean): boolean {
    return this.#parsed(name, fallback, boolean());
  }

  /** Read with the value parsers the proxy and the CLI use (shared/env), so a value means one thing everywhere. */
  #parsed<T>(name: string, fallback: T, parse: FieldParser<T>): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const r = parse(v);
    if (r.ok) return r.value;
    this.problems.push({ variable: name, value: v, message: `must be ${r.expected}` });
    return fallback;
  }

  problem(variable: string, value: string | null, message: string): void {
    this.problems.push({ variable, value, message });
  }
}
