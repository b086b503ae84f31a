/**
 * `switchyard dev` runs the edge under wrangler's local dev server. With wrangler's devtools
 * inspector on (the `wrangler dev` command cannot turn it off), every inspector event of the
 * Worker — a Network event per chunk of a streamed subrequest among them — went to wrangler's Node
 * process as a request on a new connection: 40 token streams through the dev stack's edge held
 * ~10,000 sockets within 10 s, then ran out of open files; requests hung or got a 503 and the log
 * grew by hundreds of MB. Here a Worker that forwards a streamed upstream, as the edge does, runs
 * with the dev stack's launcher: streaming thousands of chunks must not open a socket each.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDevWorker } from './wrangler-dev-fixture.ts';

const WORKER = `export default { async fetch(req, env) {
  return new URL(req.url).pathname === '/' ? new Response('ok') : fetch(env.UPSTREAM + '/stream');
} };`;
const STREAMS = 10;
const CHUNKS = 300;

let worker: WranglerDevWorker | null = null;
let upstream: Server | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await new Promise((r) => upstream?.close(r) ?? r(undefined));
  upstream = null;
});

/** An SSE upstream: CHUNKS events, one every 2 ms, each its own write. */
async function streamingUpstream(): Promise<string> {
  upstream = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const t = setInterval(() => {
      res.write(`data: ${n}\n\n`);
      if (++n === CHUNKS) {
        clearInterval(t);
        res.end();
      }
    }, 2);
  });
  await new Promise<void>((r) => upstream?.listen(0, '127.0.0.1', r));
  const a = upstream.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return `http://127.0.0.1:${a.port}`;
}

it('streams thousands of chunks through the dev edge without a socket per chunk', async () => {
  worker = await startWranglerDev(WORKER, { UPSTREAM: await streamingUpstream() });
  const w = worker;
  const before = await w.openFiles();
  let most = before;
  let streaming = true;
  const sampler = (async () => {
    while (streaming) {
      most = Math.max(most, await w.openFiles());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const bodies = await Promise.all(Array.from({ length: STREAMS }, async () => (await fetch(`${w.url}/stream`)).text()));
  streaming = false;
  await sampler;
  for (const body of bodies) expect(body.split('\n\n').filter((e) => e !== '')).toHaveLength(CHUNKS);
  // Before: about one socket per chunk (3,000 here) between workerd and wrangler's Node process.
  expect(most - before, w.output()).toBeLessThan(300);
}, 120_000);
