import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testCliCommand } from '../../build/test-cli-command.ts';
import { runCliInProcess } from '../../cli/run-cli-in-process.ts';
import { rawRequest } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}): ChildProcess {
  const cli = testCliCommand(['sim-cluster', ...args]);
  return spawn(cli.command, cli.args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Reads JSON log lines until `count` replicas report listening; returns their URLs. */
async function listening(child: ChildProcess, count: number): Promise<string[]> {
  const urls: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  for await (const chunk of child.stdout ?? []) {
    buffered += String(chunk);
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === 'sim-cluster listening' && entry.url !== undefined) urls.push(entry.url);
    }
    if (urls.length === count) return urls;
  }
  throw new Error('CLI exited before listening');
}

describe('switchyard sim-cluster CLI', () => {
  it('starts N replicas from flags + env + YAML, logs JSON lines, and exits 0 on SIGTERM', async () => {
    const config = join(dir, 'sim.yaml');
    writeFileSync(config, 'model: yaml-llm\nslots: 3\n');
    const child = run(['--cluster-id', 'us-east-1', '--replica-id', 'r0', '--port', '0', '--replicas', '2', '--config', config], { SWITCHYARD_SIM_GPU_TYPE: 'A100' });
    const urls = await listening(child, 2);
    const seen = await Promise.all(urls.map((url) => rawRequest(url, { method: 'GET', path: '/_control' })));
    expect(seen.map((r) => JSON.parse(r.body) as unknown)).toMatchObject([
      { clusterId: 'us-east-1', replicaId: 'r0', model: 'yaml-llm', slots: 3, gpuType: 'A100' },
      { clusterId: 'us-east-1', replicaId: 'r1' },
    ]);
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  // Starts nothing: in-process (run-cli-in-process.ts), not a child.
  it('exits non-zero naming every bad flag', async () => {
    const { code, stderr } = await runCliInProcess(['sim-cluster', '--cluster-id', 'x', '--slots', 'many', '--tokens-per-second', '-3']);
    expect(code).toBe(1);
    expect(stderr).toContain("--slots: expected a whole number, got 'many'");
    expect(stderr).toContain('--tokens-per-second: must be a finite number > 0');
  });
});
