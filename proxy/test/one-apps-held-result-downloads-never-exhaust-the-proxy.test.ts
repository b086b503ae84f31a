/**
 * Tenant isolation for async job results: a result download held a socket and a file
 * descriptor outside every limit, so one client that finished a job and paused hundreds of
 * downloads of it ran the proxy out of descriptors for every tenant (286 held downloads filled
 * a 600-descriptor proxy; another tenant's request failed), and each download of a result that
 * retention then deleted kept its disk blocks outside the result budgets (audit, session 32).
 * Now an app has at most JOB_DOWNLOADS_PER_APP downloads open at a proxy, each holding a unit
 * of the in-flight budget like any request; past that it gets a 429 that says so.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { JOB_DOWNLOADS_PER_APP } from '../src/job-route-reads.ts';
import { waitFor } from './harness.ts';
import { RESULT, useJobResultProxy } from './job-result-fixture.ts';

const proxy = useJobResultProxy('sy-held-downloads-');
const held: Socket[] = [];
afterAll(() => {
  for (const s of held) s.destroy();
});

/** GET the result over a raw socket and stop reading after its first bytes, keeping it open. */
function hold(port: number, id: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(`GET /_switchyard/jobs/${id}/result HTTP/1.1\r\nhost: proxy\r\n\r\n`));
    s.once('data', (chunk: Buffer) => {
      expect(chunk.toString('latin1', 0, 12)).toBe('HTTP/1.1 200');
      s.pause();
      resolve(s);
    });
    s.on('error', reject);
  });
}

it("an app's paused downloads stop at its cap with a 429 that says why, and a finished one frees its place", async () => {
  const id = await proxy.finishedJob();
  const port = proxy.port();
  for (let i = 0; i < JOB_DOWNLOADS_PER_APP; i++) held.push(await hold(port, id));

  // Was a 200 and one more held socket and descriptor, without end.
  const over = await fetch(`${proxy.url()}/_switchyard/jobs/${id}/result`);
  expect(over.status).toBe(429);
  expect(over.headers.get('retry-after')).toBe('1');
  expect(((await over.json()) as { error: { code: string; message: string } }).error).toMatchObject({
    code: 'job-downloads-limited',
    message: expect.stringContaining(`acme/open already has ${JOB_DOWNLOADS_PER_APP} job result downloads open`),
  });
  // The job's status is still answered, and requests are unaffected.
  expect((await fetch(`${proxy.url()}/_switchyard/jobs/${id}`)).status).toBe(200);

  // One download ends: its place is free again.
  held.pop()?.destroy();
  await waitFor(async () => {
    const again = await fetch(`${proxy.url()}/_switchyard/jobs/${id}/result`);
    if (again.status !== 200) {
      await again.body?.cancel();
      return false;
    }
    expect((await again.arrayBuffer()).byteLength).toBe(RESULT.length);
    return true;
  }, 'a download is admitted once one has ended', 5_000);
});
