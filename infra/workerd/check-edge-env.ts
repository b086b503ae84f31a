/**
 * `switchyard edge --workerd`'s startup check of the Worker's variables. On Cloudflare there is no
 * startup step, so the Worker answers every request 500 `bad-config`; a self-hosted edge has one,
 * so an invalid setting is refused before workerd starts, every problem at once. Reads with the
 * Worker's own parser (shared/edge-config), on exactly the variables workerd would bind.
 */
import { DB_ENV_NAMES } from '../../shared/env/db-env.ts';
import { loadConfig, type EnvProblem } from '../../shared/edge-config/index.ts';

/** Where each setting may come from, in increasing precedence (edge-env.ts). */
export interface EdgeEnvSources {
  readonly vars: Readonly<Record<string, string>>;
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly fileEnv: Readonly<Record<string, string | undefined>>;
  /** The `--env-file` path as given; undefined without one. */
  readonly envFile: string | undefined;
}

/** The edge's settings are invalid: the Worker would answer every request 500 bad-config. */
export class EdgeEnvError extends Error {
  readonly problems: readonly EnvProblem[];
  readonly envFile: string | undefined;

  constructor(problems: readonly EnvProblem[], sources: EdgeEnvSources) {
    const head = `${sources.envFile === undefined ? '' : `--env-file ${sources.envFile}: `}invalid edge settings, so the edge was not started (it would answer every request 500 bad-config):`;
    super([head, ...problems.map((p) => `  - ${describe(p, sources)}`)].join('\n'));
    this.name = 'EdgeEnvError';
    this.problems = problems;
    this.envFile = sources.envFile;
  }
}

/**
 * Throws an EdgeEnvError naming every invalid variable, the value (never a secret's: the parser
 * redacts those), what was expected and where it was set; resolves when the Worker would start.
 */
export async function checkEdgeEnv(env: Readonly<Record<string, string>>, variables: readonly string[], sources: EdgeEnvSources): Promise<void> {
  // Only the bound names reach the Worker (workerd-config.ts): anything else in `env` it never sees.
  const bound: Record<string, string> = {};
  for (const name of variables) {
    const v = env[name];
    if (v !== undefined) bound[name] = v;
  }
  // A ROUTE_* name the Worker does not read (`ROUTE_WEIGT_LATENCY`) is never bound, so it ran the
  // default unannounced; on Cloudflare every var reaches the Worker, which refuses it. The same
  // here for the names this edge's own config sets (its env file and [vars]; not the shell's).
  for (const source of [sources.vars, sources.fileEnv])
    for (const [name, v] of Object.entries(source)) if (name.startsWith('ROUTE_') && !(name in bound) && v !== undefined) bound[name] = v;
  const parsed = await loadConfig(bound);
  if (!parsed.ok) throw new EdgeEnvError(parsed.errors, sources);
}

function describe(p: EnvProblem, sources: EdgeEnvSources): string {
  // The policy's messages already start `NAME="value": …`; the Worker's own read `must be …`.
  const text = p.message.startsWith(p.variable)
    ? p.message
    : p.value === null || p.value === '<redacted>'
      ? `${p.variable} ${p.message}`
      : `${p.variable}=${JSON.stringify(p.value)}: ${p.message}`;
  const from = sourceOf(p.variable, sources);
  return from === null ? text : `${text} (set in ${from})`;
}

/** The last source that sets `name` (or its database alias), as edge-env.ts resolves it; null: unset. */
function sourceOf(name: string, s: EdgeEnvSources): string | null {
  const alias = Object.values(DB_ENV_NAMES).find((n) => n.name === name)?.alias;
  const names = alias === undefined ? [name] : [name, alias];
  const sets = (env: Readonly<Record<string, string | undefined>>): boolean => names.some((n) => (env[n] ?? '').trim() !== '');
  if (s.envFile !== undefined && sets(s.fileEnv)) return s.envFile;
  if (sets(s.processEnv)) return 'the environment';
  if (sets(s.vars)) return 'wrangler.toml [vars]';
  return null;
}
