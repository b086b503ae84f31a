/**
 * A client that left a job result's download halfway used to leave the result file open: the
 * read stream was piped to the answer, and `pipe` does not destroy its source when the answer
 * closes. Each abandoned download kept one file descriptor (and a read buffer) for the life of the
 * process, and a result deleted by retention kept its disk blocks: one client looping "GET the
 * result, read a chunk, reset" ran the proxy out of file descriptors for every tenant (audit s24).
 */
import { connect } from 'node:net';
import { readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { waitFor } from './harness.ts';
import { RESULT, useJobResultProxy } from './job-result-fixture.ts';

const proxy = useJobResultProxy('sy-job-downloads-');

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
  const id = await proxy.finishedJob();
  const file = (await readdir(proxy.jobsDir())).find((n) => n.startsWith(id));
  expect(file).toBeDefined();
  const path = join(proxy.jobsDir(), file as string);

  const port = proxy.port();
  for (let i = 0; i < 20; i++) await abandon(port, id);
  // Was 20 (one per abandoned download, for good).
  await waitFor(async () => (await openOn(path)) === 0, 'every abandoned download closed the file', 5_000);

  // A whole download still works.
  const whole = await fetch(`${proxy.url()}/_switchyard/jobs/${id}/result`);
  expect(whole.status).toBe(200);
  expect((await whole.arrayBuffer()).byteLength).toBe(RESULT.length);
  await waitFor(async () => (await openOn(path)) === 0, 'a finished download closed the file', 5_000);
});
