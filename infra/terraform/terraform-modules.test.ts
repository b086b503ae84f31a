/**
 * Offline checks of the Terraform under infra/terraform (no terraform binary, no provider, no
 * network): every file parses as HCL, every variable and output is declared with a description,
 * every `var.x` used is declared (and every declared one used), module calls pass only what the
 * module declares, and the Worker's bindings agree with wrangler.toml and with the Worker's own
 * env validation (shared/edge-config/edge-config.ts), which runs here on the example's values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../shared/tokens/index.ts';
import { loadConfig } from '../../shared/edge-config/index.ts';
import { workerManifest } from '../workerd/build-edge.ts';
import { SECRET_VARIABLES, readWranglerConfig, workerVariableNames } from '../workerd/worker-env.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
// Loaded by name, not a static import: its typings pull the DOM lib into every file tsc checks.
const HCL_PARSER: string = '@cdktf/hcl2json';
const { parse } = (await import(HCL_PARSER)) as { parse: (file: string, text: string) => Promise<Record<string, unknown>> };
type Hcl = Record<string, unknown>;
type Block = Record<string, unknown>;

/** Every directory holding .tf files is one Terraform module (root or child). */
function moduleDirs(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name.endsWith('.tf')) ? [dir] : [];
  return [...here, ...entries.filter((e) => e.isDirectory()).flatMap((e) => moduleDirs(join(dir, e.name)))];
}

async function parseModule(dir: string): Promise<Hcl[]> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.tf'));
  return Promise.all(files.map(async (f) => (await parse(f, readFileSync(join(dir, f), 'utf8'))) as Hcl));
}

/** `{ name: [ {…} ] }` blocks of one kind across a module's files. */
function blocks(files: Hcl[], kind: string): Map<string, Block> {
  const out = new Map<string, Block>();
  for (const f of files) {
    for (const [name, list] of Object.entries((f[kind] ?? {}) as Record<string, Block[]>)) {
      const b = list[0];
      if (b !== undefined) out.set(name, b);
    }
  }
  return out;
}

function references(value: unknown, prefix: string): Set<string> {
  const re = new RegExp(`\\b${prefix}\\.([a-z_][a-z0-9_]*)`, 'g');
  return new Set([...JSON.stringify(value).matchAll(re)].map((m) => m[1] ?? ''));
}

const DIRS = moduleDirs(HERE);
const name = (d: string): string => relative(HERE, d);

describe('terraform: every module', () => {
  it('finds the two modules and the example', () => {
    expect(DIRS.map(name).sort()).toEqual(['examples/production', 'modules/edge-worker', 'modules/turso-database']);
  });

  it.each(DIRS.map((d) => [name(d), d]))('%s: variables declared with type and description, each used, no undeclared var.*', async (_n, dir) => {
    const files = await parseModule(dir);
    const declared = blocks(files, 'variable');
    for (const [v, b] of declared) {
      expect(typeof b['description'] === 'string' && b['description'].length > 10, `variable ${v} needs a description`).toBe(true);
      expect(b['type'], `variable ${v} needs a type`).toBeDefined();
    }
    const used = references(files.map((f) => ({ ...f, variable: undefined })), 'var');
    // Validation conditions may only name their own variable, so count them as uses of it.
    const usedInValidation = new Set([...declared].filter(([, b]) => b['validation'] !== undefined).map(([v]) => v));
    expect([...used].filter((v) => !declared.has(v)), 'referenced but not declared').toEqual([]);
    expect([...declared.keys()].filter((v) => !used.has(v) && !usedInValidation.has(v)), 'declared but never used').toEqual([]);
    for (const [o, b] of blocks(files, 'output')) expect(typeof b['description'], `output ${o} needs a description`).toBe('string');
  });

  it.each(DIRS.map((d) => [name(d), d]))('%s: module calls pass only declared variables and every required one', async (_n, dir) => {
    for (const [callName, call] of blocks(await parseModule(dir), 'module')) {
      const target = resolve(dir, String(call['source']));
      const vars = blocks(await parseModule(target), 'variable');
      const passed = Object.keys(call).filter((k) => !['source', 'version', 'providers', 'count', 'for_each', 'depends_on'].includes(k));
      expect(passed.filter((k) => !vars.has(k)), `module.${callName}: unknown arguments`).toEqual([]);
      const required = [...vars].filter(([, b]) => !('default' in b)).map(([v]) => v);
      expect(required.filter((v) => !passed.includes(v)), `module.${callName}: missing required arguments`).toEqual([]);
      const outputs = blocks(await parseModule(target), 'output');
      const usedOutputs = [...JSON.stringify(await parseModule(dir)).matchAll(new RegExp(`module\\.${callName}\\.([a-z_]+)`, 'g'))].map((m) => m[1] ?? '');
      expect(usedOutputs.filter((o) => !outputs.has(o)), `module.${callName}: unknown outputs`).toEqual([]);
    }
  });
});

describe('terraform: the edge Worker agrees with wrangler.toml and the Worker', () => {
  it('reads from worker.json only fields the build writes (compatibility date and flags, [vars])', async () => {
    const files = await parseModule(join(HERE, 'modules/edge-worker'));
    const fields = [...JSON.stringify(files).matchAll(/local\.worker\.([a-z_]+)/g)].map((m) => m[1] ?? '');
    const manifest = workerManifest(await readWranglerConfig());
    expect(fields.length).toBeGreaterThanOrEqual(3);
    expect(fields.filter((f) => !(f in manifest))).toEqual([]);
  });

  it('binds exactly the Worker secrets as secret_text and LIBSQL_URL as plain text', async () => {
    const files = await parseModule(join(HERE, 'modules/edge-worker'));
    const locals = Object.assign({}, ...files.flatMap((f) => (f['locals'] ?? []) as Block[])) as Record<string, string>;
    const secretNames = [...String(locals['secrets']).matchAll(/\b([A-Z][A-Z0-9_]+)\s*=/g)].map((m) => m[1]);
    expect(secretNames.sort()).toEqual([...SECRET_VARIABLES].sort());
    expect(String(locals['plain_vars'])).toMatch(/LIBSQL_URL\s*=\s*var\.libsql_url/);
    const read = await workerVariableNames();
    for (const s of [...SECRET_VARIABLES, 'LIBSQL_URL']) expect(read).toContain(s);
    // Every other variable the Worker reads can be set through var.vars (EDGE_* / ROUTE_*).
    const tunable = read.filter((v) => !(SECRET_VARIABLES as readonly string[]).includes(v) && v !== 'LIBSQL_URL');
    expect(tunable.filter((v) => !/^(EDGE|ROUTE)_[A-Z0-9_]+$/.test(v))).toEqual([]);
  });

  it("the example's vars are variables the Worker reads, and the Worker's own validation accepts the result", async () => {
    const files = await parseModule(join(HERE, 'examples/production'));
    const edge = blocks(files, 'module').get('edge');
    const vars = (edge?.['vars'] ?? {}) as Record<string, string>;
    const read = await workerVariableNames();
    expect(Object.keys(vars).filter((k) => !read.includes(k))).toEqual([]);
    const wrangler = await readWranglerConfig();
    const pair = await generateKeyPair('tf-test');
    const env = {
      ...wrangler.vars,
      ...vars,
      LIBSQL_URL: 'libsql://switchyard-example.turso.io',
      LIBSQL_AUTH_TOKEN: 'token',
      TOKEN_SIGNING_KEY: JSON.stringify(pair.privateJwk),
      EDGE_OPERATOR_KEY: 'x'.repeat(32),
    };
    const result = await loadConfig(env);
    expect(result.ok ? undefined : result.errors).toBeUndefined();
    expect(result.ok).toBe(true);
  });
});
