/**
 * The per-app job cap counts unfinished jobs only; finished results used to stay on the proxy's
 * disk for the whole retention (1 h) with no bound, and each finished row kept its request body
 * (up to 8 MiB) in the shared libSQL. A batch tenant whose jobs end fast filled the disk every
 * tenant's results share (audit s16: 300 MiB of results, 75 MiB of bodies from an app capped at
 * 64 unfinished). Now an app keeps at most PROXY_JOB_RESULT_BYTES_PER_APP (default 4 × the
 * largest result) of finished results, losing its own oldest first, and finished rows drop bodies.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const MIB = 1024 * 1024;
const ANSWER = Buffer.alloc(MIB, 'x');
const BIG_BODY = JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'y'.repeat(256 * 1024) }] });
/** With PROXY_JOB_MAX_RESULT_BYTES = 1 MiB and no per-app setting, an app keeps 4 MiB. */
const BUDGET = 4 * MIB;
const CHAT_JOBS = 16;
let upstream: Server;
let f: InRegionFixture;
let jobsDir: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.method === 'POST' ? ANSWER : 'ok'));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  jobsDir = await mkdtemp(join(tmpdir(), 'sy-job-results-'));
  f = await startInRegionFixture(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, {
    chatLimits: { maxConcurrency: 1, maxRps: null, scope: 'proxy' },
    proxyConfig: { jobsDir, jobMaxResultBytes: MIB },
  });
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => upstream.close(r));
  await rm(jobsDir, { recursive: true, force: true });
});

async function submit(app: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${f.proxy.url}/v4/${app}/v1/chat/completions?async=1`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: BIG_BODY });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

const statusOf = async (id: string): Promise<{ status: string; error: string | null }> => (await (await fetch(`${f.proxy.url}/_switchyard/jobs/${id}`)).json()) as { status: string; error: string | null };
const ended = async (id: string): Promise<boolean> => ['completed', 'expired'].includes((await statusOf(id)).status);

async function diskBytes(ids: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const id of ids) bytes += (await stat(join(jobsDir, `${id}.body`)).catch(() => ({ size: 0 }))).size;
  return bytes;
}

it("an app past its retained-results budget loses its own oldest results, never another app's", async () => {
  const other = await submit('acme/open', {});
  await waitFor(() => ended(other), "the other app's job completes", 20_000);

  const key = await f.serviceKey('acme/chat');
  const chat: string[] = [];
  // One at a time (maxConcurrency 1), so they end in submit order.
  for (let i = 0; i < CHAT_JOBS; i++) chat.push(await submit('acme/chat', { authorization: `Bearer ${key}` }));
  await waitFor(async () => (await Promise.all(chat.map(ended))).every(Boolean), 'every chat job ends', 60_000);

  const chatBytes = await diskBytes(chat);
  console.log(`acme/chat ran ${CHAT_JOBS} jobs of 1 MiB: ${(chatBytes / MIB).toFixed(0)} MiB of results on disk (budget ${BUDGET / MIB} MiB)`);
  expect(chatBytes).toBeLessThanOrEqual(BUDGET);
  // Nothing else of chat's lingers in the directory either (no orphaned files).
  expect((await readdir(jobsDir)).length).toBeLessThanOrEqual(BUDGET / MIB + 1);

  // The other app's result is untouched.
  const mine = await fetch(`${f.proxy.url}/_switchyard/jobs/${other}/result`);
  expect(mine.status).toBe(200);
  expect((await mine.arrayBuffer()).byteLength).toBe(MIB);

  // Chat's oldest says clearly what happened; its newest is still there.
  const oldest = await statusOf(chat[0] as string);
  expect(oldest.status).toBe('expired');
  expect(oldest.error).toContain('PROXY_JOB_RESULT_BYTES_PER_APP');
  const gone = await fetch(`${f.proxy.url}/_switchyard/jobs/${chat[0] as string}/result`);
  expect(gone.status).toBe(410);
  expect(((await gone.json()) as { error: { code: string } }).error.code).toBe('job-result-expired');
  const newest = await fetch(`${f.proxy.url}/_switchyard/jobs/${chat.at(-1) as string}/result`);
  expect(newest.status).toBe(200);
  expect((await newest.arrayBuffer()).byteLength).toBe(MIB);

  // Finished rows keep no request body in the shared database.
  const rs = await f.client.execute(`SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(body)), 0) AS b FROM async_jobs`);
  console.log(`libSQL keeps ${String(rs.rows[0]?.['n'])} finished jobs holding ${(Number(rs.rows[0]?.['b']) / MIB).toFixed(1)} MiB of request bodies`);
  expect(Number(rs.rows[0]?.['b'])).toBe(0);
}, 120_000);
