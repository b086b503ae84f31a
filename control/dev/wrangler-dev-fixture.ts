/**
 * A Worker served the way `switchyard dev` serves the edge (wranglerDevArgs), for tests of what
 * the dev stack's edge does under wrangler: its combined output, its process group, its port.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { WRANGLER_DEV_ENV, wranglerDevArgs } from './wrangler-dev.ts';

export interface WranglerDevWorker {
  readonly url: string;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Open file descriptors of every process in the child's group (wrangler's Node and its workerds). */
  openFiles(): Promise<number>;
  stop(): Promise<void>;
}

/** Serves `workerSource` (an ES module) with `vars` in its .env; resolves once `/` answers. */
export async function startWranglerDev(workerSource: string, vars: Readonly<Record<string, string>> = {}): Promise<WranglerDevWorker> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-wrangler-dev-'));
  await writeFile(join(dir, 'worker.js'), workerSource);
  await writeFile(join(dir, 'wrangler.toml'), 'name = "dev-check"\nmain = "worker.js"\ncompatibility_date = "2024-09-23"\n');
  await writeFile(join(dir, '.env'), Object.entries(vars).map(([k, v]) => `${k}=${v}\n`).join(''));
  const port = await freePort();
  const args = wranglerDevArgs({ configFile: join(dir, 'wrangler.toml'), bundle: null, port, envFile: join(dir, '.env'), persistTo: join(dir, 'state') });
  const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, ...WRANGLER_DEV_ENV }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await fetch(`${url}/`).then((r) => (void r.body?.cancel(), true), () => false)) {
      return { url, output: () => output, openFiles: () => groupOpenFiles(child.pid ?? 0), stop };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`wrangler dev did not answer within 60 s:\n${output}`);
}

/** Open descriptors of the processes whose process group is `pgid` (Linux /proc). */
async function groupOpenFiles(pgid: number): Promise<number> {
  let total = 0;
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the parenthesised command: state, ppid, pgrp.
    const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (pgrp === pgid) total += (await readdir(`/proc/${pid}/fd`).catch(() => [])).length;
  }
  return total;
}
