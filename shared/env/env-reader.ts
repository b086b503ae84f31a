import type { ConfigError, FieldParser, ParseResult } from './types.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads variables one by one, remembering every error instead of stopping at
 * the first, so an operator sees all mistakes in one deploy attempt.
 *
 * ```ts
 * const r = new EnvReader(env);
 * const port = r.read('PORT', integer(1, 65535), 8080);
 * return r.finish({ port });
 * ```
 */
export class EnvReader {
  readonly #env: Env;
  readonly #errors: ConfigError[] = [];

  constructor(env: Env) {
    this.#env = env;
  }

  /**
   * The parsed value of `name`, or `fallback` when unset. An invalid value is
   * recorded as an error (and `fallback` returned only so parsing can go on:
   * `finish` then refuses the whole config). An empty or blank value counts as
   * unset (as in the Worker's own env reader): deploy tools write `NAME=` to
   * mean "not set".
   */
  read<T>(name: string, parse: FieldParser<T>, fallback: T): T {
    const raw = this.#env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const result = parse(raw);
    if (result.ok) return result.value;
    this.#errors.push({
      variable: name,
      value: raw,
      message: `${name}=${JSON.stringify(raw)}: expected ${result.expected}`,
    });
    return fallback;
  }

  /** Whether `name` is set to a non-blank value (possibly an invalid one). */
  has(name: string): boolean {
    const raw = this.#env[name];
    return raw !== undefined && raw.trim() !== '';
  }

  /** Records a cross-field error; `variable` may name several (e.g. "ROUTE_STALE_SOFT/ROUTE_STALE_HARD"). */
  fail(variable: string, message: string, value?: string): void {
    this.#errors.push({ variable, value, message });
  }

  get errors(): readonly ConfigError[] {
    return this.#errors;
  }

  /** `value` when nothing was invalid, else every error found. */
  finish<T>(value: T): ParseResult<T> {
    return this.#errors.length === 0
      ? { ok: true, value }
      : { ok: false, errors: [...this.#errors] };
  }
}

/** One line per error, for startup logs and CLI output. */
export function formatConfigErrors(errors: readonly ConfigError[]): string {
  return errors.map((e) => `  - ${e.message}`).join('\n');
}
