/**
 * Test fixture: `switchyard proxy` run as an operator runs it (the built CLI), for tests of
 * how it ends: its exit status, its stderr, how long after its first error line it exited, and
 * every worker process it forked meanwhile (read from /proc, to check none outlives it).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { testCliCommand } from '../../control/build/test-cli-command.ts';

export interface ProxyCliRun {
  /** Null when it had not exited within the wait and was killed. */
  readonly code: number | null;
  readonly stderr: string;
  /** From the error's first byte on stderr to the exit. */
  readonly exitAfterErrorMs: number;
  /** Every worker the primary forked while it ran. */
  readonly children: ReadonlySet<number>;
}

/** Every worker any run here forked: a test's teardown kills those still alive (a hung run's). */
export const everyProxyCliChild = new Set<number>();

/** The child processes of `parent` with their command lines (from /proc). */
export async function childProcesses(parent: number): Promise<Array<{ pid: number; cmdline: string[] }>> {
  const found: Array<{ pid: number; cmdline: string[] }> = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid !== parent) continue;
    const cmdline = (await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0').filter((a) => a !== '');
    found.push({ pid: Number(name), cmdline });
  }
  return found;
}

/**
 * Runs `switchyard proxy --workers <workers>` with `env` over the test's environment; killed (code
 * null) if it has not exited within `waitMs`. Workers are the children running the same script
 * (through tsx, not tsx's esbuild service, a child that exits on its own once its parent has gone).
 */
export async function runProxyCli(env: Record<string, string>, waitMs: number, workers = 1): Promise<ProxyCliRun> {
  const cli = testCliCommand(['proxy', '--workers', String(workers)]);
  const child = spawn(cli.command, cli.args, {
    env: { ...process.env, PROXY_ID: 'proxy-test', PROXY_LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let errorAt = Infinity;
  child.stderr.on('data', (d: Buffer) => {
    errorAt = Math.min(errorAt, Date.now());
    stderr += d.toString();
  });
  const children = new Set<number>();
  let running = true;
  const watching = (async () => {
    while (running) {
      for (const c of await childProcesses(child.pid ?? -1)) {
        if (!c.cmdline.includes(cli.entry)) continue;
        children.add(c.pid);
        everyProxyCliChild.add(c.pid);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const hung = setTimeout(() => child.kill('SIGKILL'), waitMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  running = false;
  await watching;
  clearTimeout(hung);
  return { code, stderr, exitAfterErrorMs: Date.now() - errorAt, children };
}
