/**
 * P1 (tenant isolation): a token-budgeted app's SSE answer is read event by event to count its
 * tokens (shared/limits/sse-usage.ts). An event with no blank line after it was joined with each
 * new chunk and split again whole, so its cost grew with its length squared and it was held
 * without bound: one app's replica streaming a 24 MiB event held the event loop every tenant of
 * the process shares for seconds (another project's request on its own replica waited 4.7 s). Now each chunk is
 * scanned once, and an event past 1 MiB (no OpenAI chunk) is passed on as it comes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { chatBody, startReplica, startTestProxy } from './harness.ts';

const BUDGETED = 'loud/chat';
const OTHER = 'quiet/chat';
const EVENT_BYTES = 24 * 1024 * 1024;
const PIECE = 'x'.repeat(64 * 1024);

let endless: http.Server;
let sim: SimCluster;
let proxy: RunningProxy;

/** A replica whose answer is one SSE event that does not end until EVENT_BYTES went out. */
function startEndlessEventReplica(): Promise<string> {
  endless = http.createServer((req, res) => {
    req.resume();
    if (req.method !== 'POST') return void res.end('ok');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[{"delta":{"content":"');
    let sent = 0;
    const more = (): void => {
      while (sent < EVENT_BYTES) {
        sent += PIECE.length;
        if (!res.write(PIECE)) return void res.once('drain', more);
      }
      res.end('"}}]}\n\ndata: [DONE]\n\n');
    };
    more();
  });
  return new Promise((resolve) => endless.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(endless.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  const loud = await startEndlessEventReplica();
  sim = await startReplica('c1', 'r0', { tokensPerSecond: 2000 });
  proxy = await startTestProxy({
    endpoints: [
      { cluster: 'c1', app: BUDGETED, url: loud },
      { cluster: 'c1', app: OTHER, url: sim.url },
    ],
    apps: [{ id: BUDGETED, requests: { tokenBudget: { tokensPerMinute: 1_000_000 } } }, { id: OTHER }],
  });
});
afterAll(async () => {
  await proxy.close();
  await sim.close();
  await new Promise((r) => endless.close(r));
});

const quietStatuses: number[] = [];

async function quietRequestMs(): Promise<number> {
  const t0 = performance.now();
  const r = await request(`${proxy.url}/v4/${OTHER}/v1/chat/completions`, { method: 'POST', body: chatBody({ max_tokens: 1 }), headers: { 'content-type': 'application/json' } });
  await r.body.text();
  quietStatuses.push(r.statusCode);
  return performance.now() - t0;
}

it("another project's requests are served while one app's replica streams an endless SSE event", async () => {
  const baseline = Math.min(await quietRequestMs(), await quietRequestMs());
  const loud = request(`${proxy.url}/v4/${BUDGETED}/v1/chat/completions`, {
    method: 'POST',
    body: chatBody({ stream: true }),
    headers: { 'content-type': 'application/json' },
  }).then(async (r) => ({ status: r.statusCode, bytes: (await r.body.arrayBuffer()).byteLength }));
  let worst = 0;
  let done = false;
  void loud.finally(() => (done = true));
  while (!done) worst = Math.max(worst, await quietRequestMs());
  const answer = await loud;
  expect({ worst: Math.round(worst), statuses: [...new Set(quietStatuses)] }).toMatchObject({ statuses: [200] });
  // The event went through whole (nothing of it read or counted past the limit), then [DONE].
  expect(answer.status).toBe(200);
  expect(answer.bytes).toBeGreaterThan(EVENT_BYTES);
  // Before: 4.7 s (the loop rescanned the event per chunk); now about the baseline.
  expect(worst).toBeLessThan(3 * baseline + 750);
}, 60_000);
