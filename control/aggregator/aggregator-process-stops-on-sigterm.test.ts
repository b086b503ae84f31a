import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCliCommand } from '../build/test-cli-command.ts';
import { repeatedJsonKeys } from '../cli/repeated-json-keys.ts';
import type { SimCluster } from '../sim-cluster/server.ts';
import { startReplicas, stateRow, tempDb, waitFor, type TempDb } from './test-fixtures.ts';

let replicas: SimCluster[] = [];
let db: TempDb;
let child: ChildProcess;
let stdout = '';
let stderr = '';

beforeAll(async () => {
  replicas = await startReplicas(1, 2);
  db = await tempDb('agg-cli-');
  const cli = testCliCommand([
    'aggregator',
    '--db',
    `file:${db.path}`,
    '--cluster-id',
    'c1',
    '--region',
    'ap-southeast',
    '--provider',
    'aws',
    '--proxy-url',
    'http://127.0.0.1:1',
    '--proxy-id',
    'proxy-us-east',
    '--gpu',
    'A100=1.25',
    '--app',
    `acme/chat=${replicas[0]?.url ?? ''}`,
    '--slots',
    '2',
    '--interval',
    '100',
    '--scrape-timeout',
    '100',
  ]);
  child = spawn(cli.command, cli.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.close()));
  db.cleanup();
});

describe('switchyard aggregator as a process', () => {
  it('registers the cluster and pushes state', async () => {
    const row = await waitFor(() => stateRow(db.store.client, 'acme/chat'), `a pushed row (stderr: ${stderr})`, 15_000);
    expect(row).toMatchObject({ gpu_type: 'A100', price_per_hour: 1.25 });
    const cluster = (await db.store.client.execute("SELECT continent FROM clusters WHERE id = 'c1'")).rows[0];
    expect(cluster?.['continent']).toBe('AS');
  });

  it('stops cleanly on SIGTERM with JSON-line logs', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; cluster: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['aggregator started', 'database reachable', 'shutting down', 'aggregator stopped']));
    expect(lines.every((l) => l.cluster === 'c1')).toBe(true);
  });

  // `cluster` was bound on the logger and logged again by every aggregator line: written twice,
  // which JSON.parse hides and some log pipelines reject. Read from the raw lines.
  it('writes each JSON key once per line', () => {
    const repeats = stdout
      .trim()
      .split('\n')
      .map((line) => ({ line, keys: repeatedJsonKeys(line) }))
      .filter((l) => l.keys.length > 0);
    expect(repeats).toEqual([]);
  });
});
