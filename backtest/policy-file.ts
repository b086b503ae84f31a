/**
 * Reads a policy from an env file of `KEY=VALUE` lines (the Worker's vars),
 * so a back-test names its policy exactly as production would. Errors name
 * the file, the line and the variable.
 */
import type { Policy } from '../shared/decision/types.ts';
import { CANARY_VARIABLES, parsePolicy, unknownRouteVariable } from './decision-port.ts';
import { BacktestError } from './errors.ts';

export interface EnvFileLine {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** Parse env-file text: blank lines and `#` comments ignored, optional `export `, optional quotes. */
export function parseEnvFile(text: string, file: string): EnvFileLine[] {
  const out: EnvFileLine[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m === null) {
      problems.push(`${file}:${i + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}`);
      return;
    }
    let value = m[2] ?? '';
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    out.push({ key: m[1] ?? '', value, line: i + 1 });
  });
  if (problems.length > 0) throw new BacktestError('policy-file', problems.join('\n'), problems);
  return out;
}

/** A policy from env-style key/values; every invalid variable reported at once with where it came from. */
export function policyFromEnv(lines: readonly EnvFileLine[], file: string): Policy {
  const env: Record<string, string> = {};
  const where = new Map<string, number>();
  for (const l of lines) {
    env[l.key] = l.value;
    where.set(l.key, l.line);
  }
  // Other vars (EDGE_*, the canary's) may share the file; a ROUTE_* name parsePolicy does not read
  // is a typo, and so is one in lower case (`route_model`: names are case-sensitive).
  const unknown = lines.flatMap((l) => {
    const why = l.key.toUpperCase().startsWith('ROUTE_') ? unknownRouteVariable(l.key, CANARY_VARIABLES) : null;
    return why === null ? [] : [`${file}:${l.line}: ${why}`];
  });
  const r = parsePolicy(env);
  if (r.ok && unknown.length === 0) return r.value;
  const problems = [
    ...unknown,
    ...(r.ok ? [] : r.errors).map((e) => {
      const line = where.get(e.variable) ?? where.get(e.variable.split('/')[0] ?? '');
      return `${file}${line === undefined ? '' : `:${line}`}: ${e.message}`;
    }),
  ];
  throw new BacktestError('policy-file', `invalid policy in ${file}:\n  ${problems.join('\n  ')}`, problems);
}

/**
 * A note for a file that sets no ROUTE_* variable at all (empty, or only other vars, which are
 * allowed): its policy is the defaults, which a run labelled with the file's name would not say.
 */
export function noRouteVariableNote(lines: readonly EnvFileLine[], file: string): string | null {
  return lines.some((l) => l.key.startsWith('ROUTE_')) ? null : `${file} sets no ROUTE_* variable: replaying with the defaults`;
}

/** Env file text → Policy. */
export function policyFromEnvText(text: string, file: string): Policy {
  return policyFromEnv(parseEnvFile(text, file), file);
}
