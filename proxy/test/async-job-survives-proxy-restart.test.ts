/**
 * Async jobs survive a proxy crash (issue 18 #2), with real processes: the proxy is
 * `switchyard proxy --workers 1` in a child process over a real libSQL file database; two jobs are
 * submitted (`?async=1`, 202) and both are mid-request at the replica when the proxy is
 * SIGKILLed. The restarted proxy (same id, same database) runs the job that may run twice
 * (Idempotency-Key) again to completion and marks the other failed with the reason — neither is
 * lost. A finished job's result is served; a running job can be cancelled.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testCliCommand } from '../../control/build/test-cli-command.ts';
import type { TempStore } from '../../control/store/test-fixtures.ts';
import { createServiceKey } from '../../control/cli/commands/service-keys.ts';
import { PROXY_ID, testKeys, waitFor } from './harness.ts';
import { seedInRegionDb } from './in-region-fixture.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Answers held until the test lets them go: the first run of each job hangs at the replica. */
const held: ServerResponse[] = [];
let calls = 0;
let hold = true;
let upstream: Server;
let store: TempStore;
let env: Record<string, string>;
let proxy: { child: ChildProcess; url: string } | null = null;
let key = '';

async function startProxyProcess(): Promise<{ child: ChildProcess; url: string }> {
  // One process: the SIGKILL below is then the whole proxy's crash.
  const cli = testCliCommand(['proxy', '--workers', '1']);
  const child = spawn(cli.command, cli.args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout ?? process.stdin }).on('line', (line) => {
      if (line.includes('"proxy ready"')) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`proxy exited with ${code}`)));
  });
  return { child, url };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    // The proxy's health checks and metric scrapes are answered at once; only job runs are held.
    if (req.method !== 'POST') return void res.writeHead(200).end('ok');
    calls++;
    const n = calls;
    req.resume();
    req.on('end', () => {
      if (hold) held.push(res);
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ call: n, path: req.url }));
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  store = await seedInRegionDb(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
  key = (await createServiceKey(store.client, 'acme/chat', undefined, Date.now())).key;
  env = {
    PROXY_ID,
    PROXY_REGION: 'r1',
    PROXY_PORT: '0',
    PROXY_JWKS: (await testKeys()).jwks,
    SWITCHYARD_DB_URL: `file:${store.path}`,
    PROXY_LOG_LEVEL: 'silent',
    PROXY_JOBS_DIR: await mkdtemp(join(tmpdir(), 'sy-jobs-')),
  };
  proxy = await startProxyProcess();
}, 60_000);

afterAll(async () => {
  proxy?.child.kill('SIGKILL');
  for (const r of held) r.destroy();
  await new Promise((r) => upstream.close(r));
  store.dispose();
});

interface JobStatus { id: string; status: string; attempts: number; error: string | null; resultUrl: string | null }

async function submit(headers: Record<string, string>): Promise<JobStatus> {
  const res = await fetch(`${proxy?.url ?? ''}/v4/acme/chat/v1/chat/completions?async=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify({ model: 'demo-llm', messages: [] }),
  });
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as JobStatus;
}

async function status(id: string): Promise<JobStatus> {
  const res = await fetch(`${proxy?.url ?? ''}/_switchyard/jobs/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as JobStatus;
}

it('completes a job that may run twice after its proxy is killed mid-job; fails the other with the reason', async () => {
  const retryable = await submit({ 'idempotency-key': 'order-42' });
  const once = await submit({});
  expect(retryable.status).toBe('queued');
  await waitFor(() => held.length === 2, 'both jobs reach the replica', 10_000);
  expect((await status(retryable.id)).status).toBe('running');

  proxy?.child.kill('SIGKILL');
  await new Promise((r) => proxy?.child.once('exit', r));
  for (const r of held.splice(0)) r.destroy();
  hold = false;
  proxy = await startProxyProcess();

  let done: JobStatus = retryable;
  await waitFor(async () => (done = await status(retryable.id)).status === 'completed', 'the retryable job completes', 15_000);
  expect(done.attempts).toBe(2);
  const result = await fetch(`${proxy.url}${done.resultUrl ?? ''}`);
  expect(result.status).toBe(200);
  expect(((await result.json()) as { path: string }).path).toBe('/v1/chat/completions');

  const failed = await status(once.id);
  expect(failed.status).toBe('failed');
  expect(failed.error).toContain('not idempotent');
}, 60_000);

it('cancels a running job, and refuses its result', async () => {
  hold = true;
  const job = await submit({});
  await waitFor(() => held.length === 1, 'the job reaches the replica', 10_000);
  const res = await fetch(`${proxy?.url ?? ''}/_switchyard/jobs/${job.id}`, { method: 'DELETE' });
  expect(res.status).toBe(200);
  expect(((await res.json()) as JobStatus).status).toBe('cancelled');
  const result = await fetch(`${proxy?.url ?? ''}/_switchyard/jobs/${job.id}/result`);
  expect(result.status).toBe(409);
  await result.text();
  for (const r of held.splice(0)) r.destroy();
}, 30_000);
