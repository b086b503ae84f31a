/**
 * Switchyard edge Worker entrypoint: parse the environment once per isolate, then hand every
 * request to the edge (router → decision → answer). An invalid environment answers every request
 * with 500 naming the variables (never their values), never with silent defaults.
 */
import { loadConfig } from './shared-deps.ts';
import { Edge } from './edge.ts';
import type { EnvVars } from './shared-deps.ts';
import { errorResponse, EdgeError } from './errors.ts';
import { openLibsql } from './libsql.ts';

type Built = { readonly ok: true; readonly edge: Edge } | { readonly ok: false; readonly response: () => Response };

async function build(env: EnvVars): Promise<Built> {
  const parsed = await loadConfig(env);
  if (!parsed.ok) {
    const names = [...new Set(parsed.errors.map((e) => e.variable))];
    // Names only: a value may be a secret (e.g. LIBSQL_URL?authToken=...), and this answer goes to
    // anonymous clients. The values and reasons go to the operator's log.
    const err = new EdgeError(
      'bad-config',
      500,
      `The Worker's configuration is invalid (${names.join(', ')}); the reasons are in the Worker's log. Fix them in wrangler.toml [vars] or secrets and redeploy.`,
      { invalid: names },
    );
    console.error(JSON.stringify({ level: 'error', msg: 'invalid configuration', errors: parsed.errors }));
    return { ok: false, response: () => errorResponse(err) };
  }
  const config = parsed.config;
  const edge = new Edge({
    config,
    db: openLibsql(config.libsqlUrl, config.libsqlAuthToken),
    fetcher: (input, init) => fetch(input, init),
    now: () => Date.now(),
    hrNow: () => performance.now(),
    log: (line) => console.log(line),
  });
  return { ok: true, edge };
}

// One edge per environment. workerd hands the same `env` object to every request of an isolate,
// so the WeakMap hit is the hot path; the fingerprint catches runtimes that rebuild `env`.
const byEnv = new WeakMap<object, Promise<Built>>();
const byFingerprint = new Map<string, Promise<Built>>();

function fingerprint(env: EnvVars): string {
  return JSON.stringify(Object.keys(env).sort().map((k) => [k, typeof env[k] === 'string' ? env[k] : typeof env[k]]));
}

/** The edge for this environment, built (and validated) once. */
export function edgeFor(env: EnvVars): Promise<Built> {
  let built = byEnv.get(env);
  if (built === undefined) {
    const fp = fingerprint(env);
    built = byFingerprint.get(fp);
    if (built === undefined) {
      built = build(env);
      byFingerprint.set(fp, built);
    }
    byEnv.set(env, built);
  }
  return built;
}

export default {
  async fetch(request: Request, env: EnvVars, ctx: ExecutionContext): Promise<Response> {
    const built = await edgeFor(env);
    if (!built.ok) return built.response();
    return built.edge.handle(request, ctx);
  },
} satisfies ExportedHandler<EnvVars>;
