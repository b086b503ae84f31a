/**
 * What the edge Worker reads from its environment, derived from the Worker's own code (never a
 * hand copy), plus wrangler.toml as the deploy configuration. Used by the self-hosted workerd
 * config, the CI dry-run and the Terraform/Kubernetes drift checks.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { POLICY_VARIABLES } from '../../shared/decision/index.ts';
import { loadConfig } from '../../shared/edge-config/index.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const WRANGLER_TOML = join(ROOT, 'wrangler.toml');

/** Variables that hold credentials: Worker secrets, never `[vars]`, never in a config file. */
export const SECRET_VARIABLES = ['TOKEN_SIGNING_KEY', 'LIBSQL_AUTH_TOKEN', 'EDGE_OPERATOR_KEY'] as const;

/**
 * Every variable the Worker's config parser reads: `loadConfig` runs against an environment that
 * records each name asked for, and the ROUTE_* policy variables come from their own table.
 */
export async function workerVariableNames(): Promise<string[]> {
  const seen = new Set<string>();
  const probe = new Proxy(
    {},
    {
      get(_target, key) {
        if (typeof key === 'string') seen.add(key);
        return undefined;
      },
    },
  );
  await loadConfig(probe);
  for (const v of POLICY_VARIABLES) seen.add(v.name);
  return [...seen].sort();
}

export interface WranglerConfig {
  readonly name: string;
  readonly main: string;
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
}

/** The parts of wrangler.toml the self-hosted edge and Terraform must agree with. */
export async function readWranglerConfig(file = WRANGLER_TOML): Promise<WranglerConfig> {
  const t = parseToml(await readFile(file, 'utf8')) as Record<string, unknown>;
  const str = (k: string): string => {
    const v = t[k];
    if (typeof v !== 'string') throw new Error(`${file}: "${k}" must be a string`);
    return v;
  };
  const flags = t['compatibility_flags'] ?? [];
  if (!Array.isArray(flags) || !flags.every((f): f is string => typeof f === 'string')) {
    throw new Error(`${file}: "compatibility_flags" must be a list of strings`);
  }
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries((t['vars'] ?? {}) as Record<string, unknown>)) {
    if (typeof v !== 'string') throw new Error(`${file}: [vars] ${k} must be a string`);
    vars[k] = v;
  }
  return { name: str('name'), main: str('main'), compatibilityDate: str('compatibility_date'), compatibilityFlags: flags, vars };
}

/** What the self-hosted Worker is bound to: wrangler.toml, and every variable it reads or `[vars]` sets. */
export async function workerBindings(): Promise<{ wrangler: WranglerConfig; variables: string[] }> {
  const wrangler = await readWranglerConfig();
  const variables = [...new Set([...(await workerVariableNames()), ...Object.keys(wrangler.vars)])].sort();
  return { wrangler, variables };
}
