/**
 * `switchyard proxy` (workers `auto`) inside a cgroup whose CPU quota is one core forks no workers
 * (one process), where Node alone would see every CPU of the machine and fork one worker each:
 * a container limited to 2 CPUs on a 64-core host ran 64 workers. Needs a writable cgroup v1 cpu
 * controller (root, as on this project's machines); skipped with the reason otherwise.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { testCliCommand } from '../../control/build/test-cli-command.ts';
import { APP, PROXY_ID } from './harness.ts';

const CPU = '/sys/fs/cgroup/cpu';

/** A cgroup v1 cpu group limited to one core, or the reason there cannot be one here. */
function oneCoreGroup(): { dir: string } | { why: string } {
  if (availableParallelism() < 2) return { why: 'one CPU: nothing to cap' };
  const dir = join(CPU, `switchyard-test-${process.pid}`);
  try {
    mkdirSync(dir);
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), '100000');
    writeFileSync(join(dir, 'cpu.cfs_period_us'), '100000');
    return { dir };
  } catch (err) {
    return { why: `no writable cgroup v1 cpu controller (${(err as Error).message})` };
  }
}

const group = oneCoreGroup();

describe.skipIf('why' in group)(`--workers auto under a one-core CPU quota${'why' in group ? ` (skipped: ${group.why})` : ''}`, () => {
  it('runs one process, not one per CPU the machine has', async () => {
    if (!('dir' in group)) return;
    const dir = await mkdtemp(join(tmpdir(), 'sy-cgroup-proxy-'));
    const endpointsFile = join(dir, 'endpoints.json');
    await writeFile(endpointsFile, JSON.stringify({ endpoints: [{ app: APP, cluster: 'c1', url: 'http://127.0.0.1:9' }] }));
    // Into the group first, then the real CLI with its default `auto`.
    const env: NodeJS.ProcessEnv = { ...process.env, PROXY_ID, PROXY_PORT: '0', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: endpointsFile, PROXY_LOG_LEVEL: 'silent' };
    delete env['PROXY_WORKERS'];
    const cli = testCliCommand(['proxy']);
    const child = spawn('sh', ['-c', `echo $$ > ${join(group.dir, 'tasks')} && exec "$0" "$@"`, cli.command, ...cli.args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = once(child, 'exit');
    try {
      const ready = await new Promise<{ workers?: number }>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const m = JSON.parse(line) as { msg?: string; workers?: number };
          if (m.msg === 'proxy ready') resolve(m);
        });
        void exited.then(() => reject(new Error('proxy exited before it was ready')));
      });
      // A single process's ready line names no worker count; a primary's names how many it forked.
      expect(ready.workers ?? 1).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmdirSync(group.dir);
    }
  }, 60_000);
});
