/**
 * Tiny typed readers for string env vars that collect problems instead of throwing, so the
 * Worker can report every invalid variable at once. Missing (undefined or empty) means "use the
 * named default"; present-but-invalid is always an error, never a silent default.
 */
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
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = /^-?\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      this.problems.push({ variable: name, value: v, message: `must be an integer from ${min} to ${max}` });
      return fallback;
    }
    return n;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(v)) {
      this.problems.push({ variable: name, value: v, message: `must be one of ${allowed.join(', ')}` });
      return fallback;
    }
    return v as T;
  }

  /** `on`/`off` (also true/false, 1/0) switch. */
  flag(name: string, fallback: boolean): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const lower = v.toLowerCase();
    if (['on', 'true', '1'].includes(lower)) return true;
    if (['off', 'false', '0'].includes(lower)) return false;
    this.problems.push({ variable: name, value: v, message: 'must be on or off' });
    return fallback;
  }

  problem(variable: string, value: string | null, message: string): void {
    this.problems.push({ variable, value, message });
  }
}
