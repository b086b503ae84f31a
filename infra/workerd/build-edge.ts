/**
 * Builds the edge Worker exactly as `wrangler deploy` would upload it (`--dry-run --outdir`:
 * offline, no Cloudflare account) and writes the workerd config beside the bundle. The same
 * build is the CI check that the Worker would deploy. `worker.json` carries wrangler.toml's
 * deploy settings to Terraform, so neither repeats them.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { ROOT, WRANGLER_TOML, workerBindings, type WranglerConfig } from './worker-env.ts';
import { renderWorkerdConfig } from './workerd-config.ts';

const require = createRequire(import.meta.url);

export const BUNDLE_FILE = 'index.js';
export const CONFIG_FILE = 'edge.capnp';
/** What Terraform (infra/terraform/modules/edge-worker) reads beside the bundle: wrangler.toml's deploy settings. */
export const MANIFEST_FILE = 'worker.json';

export interface BuiltEdge {
  readonly dir: string;
  readonly bundle: string;
  readonly config: string;
  readonly manifest: string;
  /** wrangler.toml `[vars]`: the defaults the self-hosted edge starts from, as Cloudflare does. */
  readonly vars: Readonly<Record<string, string>>;
  readonly variables: readonly string[];
}

/** Runs `wrangler deploy --dry-run`; rejects with wrangler's output when the bundle would not deploy. */
export function wranglerDryRun(outDir: string, configFile = WRANGLER_TOML): Promise<string> {
  const args = [require.resolve('wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outDir, '--config', configFile];
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      // No account, no telemetry, no prompts: this must work offline in CI.
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', rej);
    child.on('close', (code) => {
      if (code === 0 && existsSync(join(outDir, BUNDLE_FILE))) res(out);
      else rej(new Error(`wrangler deploy --dry-run failed (exit ${String(code)}):\n${out}`));
    });
  });
}

/** worker.json: the deploy settings Terraform needs, in Cloudflare's own field names. */
export function workerManifest(w: WranglerConfig): Record<string, unknown> {
  return { name: w.name, main_module: BUNDLE_FILE, compatibility_date: w.compatibilityDate, compatibility_flags: w.compatibilityFlags, vars: w.vars };
}

/** The edge's bundle and workerd config in `outDir`, ready for `workerd serve`. */
export async function buildEdge(outDir: string): Promise<BuiltEdge> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  await wranglerDryRun(dir);
  const { wrangler, variables } = await workerBindings();
  const config = join(dir, CONFIG_FILE);
  await writeFile(config, renderWorkerdConfig({ ...wrangler, variables, bundle: BUNDLE_FILE, address: '*:8787' }));
  const manifest = join(dir, MANIFEST_FILE);
  await writeFile(
    manifest,
JSON.stringify(workerManifest(wrangler), null, 2) + '\n',
  );
  return { dir, bundle: join(dir, BUNDLE_FILE), config, manifest, vars: wrangler.vars, variables };
}

/** The `workerd` binary that ships with wrangler (the npm package `workerd`). */
export function workerdBinary(): string {
  return require.resolve('workerd/bin/workerd');
}
