/**
 * The harness's other mode: `SY_TEST_PROXY_WORKERS=N` (N ≥ 2) makes `startTestProxy` start the
 * proxy as the product runs it by default (`switchyard proxy`: a node:cluster primary and N
 * worker processes on one port) instead of in the test's process, from the same config written
 * as a `--config` file. A scenario that talks to the proxy only over its sockets then runs
 * unchanged against several workers (`npm run test:proxy-workers`). What lives only inside one
 * process is refused with a clear error: `runtime`, `refresh()`, `drain()` with a result (drain
 * across workers has its own tests), and injected `deps`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testCliCommand } from '../../control/build/test-cli-command.ts';
import type { RunningProxy } from '../src/proxy.ts';

/** Process groups still running: ended if the test process exits first (a crash, a timeout). */
const live = new Set<number | undefined>();
process.once('exit', () => {
  for (const pid of live) killGroup(pid);
});

/** Worker processes asked for by the environment; null = the in-process proxy. */
export function workersFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env['SY_TEST_PROXY_WORKERS'];
  if (raw === undefined || raw === '' || raw === '1') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2 || n > 16) throw new Error(`SY_TEST_PROXY_WORKERS must be a whole number 1–16, got "${raw}"`);
  return n;
}

function inProcessOnly(what: string): never {
  throw new Error(`${what} exists only for an in-process proxy; this test cannot run with SY_TEST_PROXY_WORKERS (leave it out of the proxy-workers list)`);
}

/** Starts `config` (ProxyConfig keys, as a --config file would hold them) in `workers` processes. */
export async function startProxyInWorkers(dir: string, config: Record<string, unknown>, workers: number): Promise<RunningProxy> {
  const file = join(dir, 'proxy-config.json');
  await writeFile(file, JSON.stringify({ ...config, workers }));
  // `switchyard proxy --config <file>`, from the run's build of the CLI (test-cli-command.ts).
  const cli = testCliCommand(['proxy', '--config', file]);
  const child = spawn(cli.command, cli.args, {
    env: { ...process.env, SY_TEST_PROXY_WORKERS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: teardown can end the primary and its workers together.
    detached: true,
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
    if (process.env['SY_DEBUG_STDERR']) process.stderr.write(d);
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as string | null }));
  live.add(child.pid);
  void exited.then(() => live.delete(child.pid));
  const lines = createInterface({ input: child.stdout });
  const ready = await new Promise<{ url: string; adminUrl: string }>((resolve, reject) => {
    lines.on('line', (line) => {
      const m = tryJson(line);
      if (m?.['msg'] === 'proxy ready' && typeof m['url'] === 'string' && typeof m['adminUrl'] === 'string')
        resolve({ url: m['url'], adminUrl: m['adminUrl'] });
    });
    void exited.then(({ code }) => reject(new Error(`proxy exited (${code}) before it was ready:\n${stderr}`)));
  });
  let stopped: Promise<unknown> | null = null;
  const stop = (): Promise<unknown> => {
    // SIGTERM drains every worker, closing the tests' idle keep-alive connections at once
    // (idle-keep-alive.ts); a teardown that has not finished in a second ends the group.
    stopped ??=
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve()
        : (child.kill('SIGTERM'),
          Promise.race([exited, new Promise((r) => setTimeout(r, 1000).unref())]).then(() => {
            if (child.exitCode === null && child.signalCode === null) killGroup(child.pid);
            return exited;
          }));
    return stopped;
  };
  return {
    url: ready.url,
    port: Number(new URL(ready.url).port),
    adminUrl: ready.adminUrl,
    get runtime(): never {
      return inProcessOnly('proxy.runtime');
    },
    refresh: () => inProcessOnly('proxy.refresh()'),
    drain: () => inProcessOnly('proxy.drain() with a DrainResult'),
    close: async () => {
      await stop();
    },
  };
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid !== undefined) process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

function tryJson(line: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(line) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
