/**
 * `switchyard edge --workerd`: the edge Worker self-hosted on workerd, the runtime Cloudflare
 * runs. The bundle is the one `wrangler deploy` would upload; the variables are wrangler.toml's
 * `[vars]`, overridden by the environment, overridden by `--env-file` (secrets go there or in the
 * environment, never in a config file); the database by the one DB env rule (infra/workerd/
 * edge-env.ts). Invalid settings are refused before anything is built or started, every one named
 * (infra/workerd/check-edge-env.ts). See infra/workerd/README.md.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { parseEnv } from 'node:util';
import type { Command } from 'commander';
import { BUNDLE_FILE, buildEdge, workerdBinary } from '../../../infra/workerd/build-edge.ts';
import { checkEdgeEnv } from '../../../infra/workerd/check-edge-env.ts';
import { edgeWorkerEnv } from '../../../infra/workerd/edge-env.ts';
import { workerBindings } from '../../../infra/workerd/worker-env.ts';
import { renderWorkerdConfig } from '../../../infra/workerd/workerd-config.ts';
import { UsageError } from '../exit-codes.ts';
import { describeCommand } from '../command-index.ts';

interface EdgeOptions {
  workerd?: boolean;
  host: string;
  port: string;
  envFile?: string;
  outDir: string;
  buildOnly?: boolean;
  writeConfig?: string;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new UsageError(`--port must be an integer 1..65535, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * The `--env-file` entries (none without one). A file it cannot read is a startup error naming
 * it (exit 1), found before the bundle is built. The option reaches us only because the launcher
 * ends Node's own options with `--` (bin/switchyard.js): Node 20 otherwise takes a script's
 * `--env-file <missing>` for its own and exits 9 before any of our code runs.
 */
function readEnvFile(envFile: string | undefined): Record<string, string | undefined> {
  if (envFile === undefined) return {};
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new Error(`--env-file ${envFile}: cannot read it (${why})`, { cause: err });
  }
  return parseEnv(text) as Record<string, string | undefined>;
}

async function writeReferenceConfig(file: string): Promise<void> {
  const { wrangler, variables } = await workerBindings();
  await writeFile(file, renderWorkerdConfig({ ...wrangler, variables, bundle: BUNDLE_FILE, address: '*:8787' }));
  process.stdout.write(`wrote ${file}\n`);
}

async function run(opts: EdgeOptions): Promise<void> {
  if (opts.writeConfig !== undefined) return writeReferenceConfig(opts.writeConfig);
  const port = parsePort(opts.port);
  if (opts.buildOnly !== true && opts.workerd !== true) {
    throw new UsageError('serving needs --workerd (on Cloudflare use `wrangler deploy` or infra/terraform; locally `switchyard dev`); --build-only only builds');
  }
  if (opts.buildOnly === true) {
    const built = await buildEdge(opts.outDir);
    process.stdout.write(
      `built ${built.bundle}\nworkerd config ${built.config}\nTerraform manifest ${built.manifest}\nrun: workerd serve ${built.config} --socket-addr http=${opts.host}:${port}\n`,
    );
    return;
  }
  const fileVars = readEnvFile(opts.envFile);
  // Checked before the build: workerd would start and answer every request 500 bad-config.
  const { wrangler, variables } = await workerBindings();
  const workerEnv = edgeWorkerEnv(wrangler.vars, variables, process.env, fileVars);
  await checkEdgeEnv(workerEnv, variables, { vars: wrangler.vars, processEnv: process.env, fileEnv: fileVars, envFile: opts.envFile });
  const built = await buildEdge(opts.outDir);
  const env = { ...process.env, ...workerEnv };
  const child = spawn(workerdBinary(), ['serve', built.config, '--socket-addr', `http=${opts.host}:${port}`], { env, stdio: 'inherit' });
  // Exec-like: signals go to workerd, its exit code becomes ours.
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  await new Promise<void>((resolveExit, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? (signal === 'SIGTERM' || signal === 'SIGINT' ? 0 : 1);
      resolveExit();
    });
  });
}

export function register(program: Command): void {
  program
    .command('edge')
    .description(describeCommand('edge'))
    .option('--workerd', 'serve under the workerd binary shipped with wrangler (needed to serve: without it only --build-only or --write-config run)')
    .option('--host <host>', 'listen address, env SWITCHYARD_EDGE_HOST', process.env['SWITCHYARD_EDGE_HOST'] ?? '127.0.0.1')
    .option('--port <port>', 'listen port, env SWITCHYARD_EDGE_PORT', process.env['SWITCHYARD_EDGE_PORT'] ?? '8787')
    .option('--env-file <file>', 'KEY=value lines: Worker vars and secrets (LIBSQL_URL or its alias SWITCHYARD_DB_URL, LIBSQL_AUTH_TOKEN, TOKEN_SIGNING_KEY, ...); invalid settings refuse the start, each named')
    .option('--out-dir <dir>', 'where the bundle and edge.capnp are built', '.switchyard/workerd')
    .option('--build-only', 'build the bundle, edge.capnp and worker.json (for Terraform), print how to run workerd, and exit')
    .option('--write-config <file>', 'write the workerd config only (e.g. infra/workerd/edge.capnp) and exit')
    .action(async (opts: EdgeOptions) => {
      await run(opts);
    });
}
