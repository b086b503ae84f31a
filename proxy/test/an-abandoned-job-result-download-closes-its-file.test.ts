/**
 * A client that left a job result's download halfway used to leave the result file open: the
 * read stream was piped to the answer, and `pipe` does not destroy its source when the answer
 * closes. Each abandoned download kept one file descriptor (and a read buffer) for the life of the
 * process, and a result deleted by retention kept its disk blocks: one client looping "GET the
 * result, read a chunk, reset" ran the proxy out of file descriptors for every tenant (audit s24).
 */
import { connect } from 'node:net';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { useServer } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const MIB = 1024 * 1024;
const ANSWER = Buffer.alloc(8 * MIB, 'x');
const upstream = useServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(req.method === 'POST' ? ANSWER : 'ok'));
});
let f: InRegionFixture;
let jobsDir: string;

beforeAll(async () => {
  jobsDir = await mkdtemp(join(tmpdir(), 'sy-job-downloads-'));
  f = await startInRegionFixture(upstream.url(), { proxyConfig: { jobsDir, jobMaxResultBytes: 16 * MIB } });
});
afterAll(async () => {
  await f.close();
  await rm(jobsDir, { recursive: true, force: true });
});

/** This process's file descriptors open on `path` (the proxy runs in the test's process). */
async function openOn(path: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) n++;
  return n;
}

/** GET the result over a raw socket and reset it once the first bytes of the body arrive. */
function abandon(port: number, id: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET /_switchyard/jobs/${id}/result HTTP/1.1\r\nhost: proxy\r\n\r\n`));
    let seen = 0;
    s.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > 64 * 1024) {
        s.resetAndDestroy();
        resolve();
      }
    });
    s.on('error', reject);
  });
}

it("abandoned downloads of a job's result close the result file", async () => {
  const res = await fetch(`${f.proxy.url}/v4/acme/open/v1/chat/completions?async=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"demo-llm"}' });
  expect(res.status).toBe(202);
  const id = ((await res.json()) as { id: string }).id;
  await waitFor(async () => ((await (await fetch(`${f.proxy.url}/_switchyard/jobs/${id}`)).json()) as { status: string }).status === 'completed', 'the job completes', 20_000);
  const file = (await readdir(jobsDir)).find((n) => n.startsWith(id));
  expect(file).toBeDefined();
  const path = join(jobsDir, file as string);

  const port = Number(new URL(f.proxy.url).port);
  for (let i = 0; i < 20; i++) await abandon(port, id);
  // Was 20 (one per abandoned download, for good).
  await waitFor(async () => (await openOn(path)) === 0, 'every abandoned download closed the file', 5_000);

  // A whole download still works.
  const whole = await fetch(`${f.proxy.url}/_switchyard/jobs/${id}/result`);
  expect(whole.status).toBe(200);
  expect((await whole.arrayBuffer()).byteLength).toBe(ANSWER.length);
  await waitFor(async () => (await openOn(path)) === 0, 'a finished download closed the file', 5_000);
});
