import type { z } from 'zod';

/**
 * zod's issues in the words an operator fixing a YAML file reads: "is required (a number)"
 * rather than "Invalid input: expected number, received undefined". One implementation for every
 * file the CLI validates with zod (apply's config, simulate's scenario). Pass `plainWords` as the
 * parse's error map (`schema.safeParse(v, { error: plainWords })`): a message a schema gives
 * itself (`.regex(re, 'must look like project/app')`) still wins, and an issue it does not know
 * keeps zod's own.
 */
export const plainWords: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `is required (${kind(issue.expected)})` : `expected ${kind(issue.expected)}, got ${got(issue.input)}`;
    case 'too_small':
      return bound(issue.origin, issue.minimum, issue.inclusive === true, issue.exact === true, 'least', 'above');
    case 'too_big':
      return bound(issue.origin, issue.maximum, issue.inclusive === true, issue.exact === true, 'most', 'below');
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${show(issue.values[0])}, got ${got(issue.input)}` : `must be one of ${issue.values.map(show).join(', ')}, got ${got(issue.input)}`;
    case 'invalid_union':
      // A discriminated union names the kinds it knows (zod types them loosely).
      if (issue.discriminator !== undefined && Array.isArray(issue.options)) {
        const value = typeof issue.input === 'object' && issue.input !== null ? (issue.input as Record<string, unknown>)[issue.discriminator] : issue.input;
        return `must be one of ${(issue.options as unknown[]).map(show).join(', ')}, got ${got(value)}`;
      }
      return `expected ${unionKinds(issue.errors)}, got ${got(issue.input)}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern !== undefined ? `must match ${issue.pattern}, got ${got(issue.input)}` : `must be a valid ${issue.format}, got ${got(issue.input)}`;
    default:
      return undefined;
  }
};

/** One problem per unknown field (so each gets its own path and line), the rest as zod gives them. */
export function issueProblems(issues: readonly z.core.$ZodIssue[]): Array<{ readonly path: readonly PropertyKey[]; readonly message: string }> {
  return issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ path: [...i.path, k], message: `unknown field '${k}'` })) : [{ path: i.path, message: i.message }]));
}

const KINDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
};

function kind(expected: string): string {
  return KINDS[expected] ?? `a ${expected}`;
}

/** What a branch of a union expected, so `a string or a number` instead of "Invalid input". */
function unionKinds(branches: readonly (readonly z.core.$ZodIssue[])[]): string {
  const kinds = branches.flatMap((b) => b.flatMap((i) => (i.code === 'invalid_type' && i.path.length === 0 ? [kind(i.expected)] : [])));
  return kinds.length === branches.length && kinds.length > 0 ? [...new Set(kinds)].join(' or ') : 'another value';
}

function bound(origin: string, limit: number | bigint, inclusive: boolean, exact: boolean, atWord: 'least' | 'most', pastWord: 'above' | 'below'): string {
  const n = Number(limit);
  if (origin === 'number' || origin === 'int' || origin === 'bigint' || origin === 'date') return inclusive ? `must be at ${atWord} ${n}` : `must be ${pastWord} ${n}`;
  const unit = origin === 'string' ? 'character' : 'item';
  if (origin === 'string' && atWord === 'least' && n === 1) return 'must not be empty';
  if (origin !== 'string' && atWord === 'least' && n === 1) return 'must list at least one item';
  const count = `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (exact) return `must be exactly ${count} long`;
  return `must have at ${atWord} ${inclusive ? count : `${atWord === 'least' ? n + 1 : n - 1} ${unit}s`}`;
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

function got(input: unknown): string {
  if (input === undefined) return 'nothing';
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return `'${input.length > 40 ? `${input.slice(0, 40)}…` : input}'`;
  return String(input);
}
