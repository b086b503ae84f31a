/**
 * Tenant isolation for memory: bodies the proxy holds whole (an inference-aware prompt here; a
 * token-budgeted app's, a managed stream's, an async job's the same way) stay in memory for the
 * exchange's life. Nothing bounded them but the in-flight budget, so one tenant holding many
 * large bodies on long streams could run the process out of memory for everyone (audit, session
 * 33: 24 held 8 MiB bodies of one project added 656 MiB). Now they come out of one per-process
 * allowance (PROXY_BUFFERED_BODY_BYTES) shared fairly between projects: past its share a project
 * gets 429 `body-buffers-limited` before a byte is read, another project still gets in, and the
 * bytes come back when the exchanges end.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startTestProxy } from './harness.ts';
import { holdingReplica } from './stream-holding-replica.ts';

const MIB = 1024 * 1024;
const A = 'acme/chat';
const B = 'other/bot';
/** A JSON chat body of about 1 MiB: read whole as an inference-aware prompt. */
const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(MIB - 100) }] });

let replica: Awaited<ReturnType<typeof holdingReplica>>;
let proxy: RunningProxy;
const open: ClientRequest[] = [];

beforeAll(async () => {
  replica = await holdingReplica();
  proxy = await startTestProxy({
    endpoints: [A, B].map((app) => ({ cluster: 'c1', app, url: replica.url })),
    apps: [A, B].map((id) => ({ id, strategy: 'inference-aware' })),
    // 4 MiB for held bodies: one project alone holds at most half, two ~1 MiB bodies.
    config: { promptBodyMaxBytes: 2 * MIB, bufferedBodyBytes: 4 * MIB, replicaScrapeIntervalMs: 0 },
  });
});
afterAll(async () => {
  for (const r of open) r.destroy();
  await proxy.close();
  await replica.close();
});

/** POSTs the body to the app's held stream; resolves at the answer's head, the stream left open. */
function post(app: string): Promise<{ status: number; body: Promise<string>; req: ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = request(`${proxy.url}/v4/${app}/v1/hold`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) } }, (res: IncomingMessage) => {
      const body = new Promise<string>((done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done(text));
        res.on('close', () => done(text));
      });
      resolve({ status: res.statusCode ?? 0, body, req });
    });
    req.on('error', reject);
    open.push(req);
    req.end(BODY);
  });
}

it("one project's held bodies stop at its share; another project's still get in; ended exchanges give their bytes back", async () => {
  const first = await post(A);
  const second = await post(A);
  expect([first.status, second.status]).toEqual([200, 200]);

  // Was a 200 and one more MiB held, without end.
  const third = await post(A);
  expect(third.status).toBe(429);
  expect(JSON.parse(await third.body)).toMatchObject({
    error: { code: 'body-buffers-limited', message: expect.stringContaining('project acme holds its fair share') },
  });

  const other = await post(B);
  expect(other.status).toBe(200);

  // A's streams end: its bytes are free again.
  first.req.destroy();
  second.req.destroy();
  await expect.poll(async () => (await post(A)).status, { timeout: 5_000, interval: 100 }).toBe(200);
});
