import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scrapeReplica } from './scrape-replica.ts';

// One real server whose behaviour per path prefix is chosen by the test case.
let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    const [, mode, what] = (req.url ?? '').split('/');
    if (mode === 'ok') res.end(what === 'health' ? 'ok' : 'vllm:num_requests_running 2\nvllm:num_requests_waiting 1\n');
    else if (mode === 'down') res.writeHead(503).end('down');
    else if (mode === 'garbage') res.end(what === 'health' ? 'ok' : '{"not":"metrics"}');
    else if (mode === 'slow') setTimeout(() => res.end('ok'), 5_000).unref();
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const f = (input: string, init: { signal: AbortSignal }): Promise<Response> => fetch(input, init);

describe('scrapeReplica', () => {
  it.each([
    ['ok', true, { running: 2, waiting: 1, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null, e2eTime: null }, null],
    ['down', false, null, /\/health answered 503; \/metrics answered 503/],
    ['garbage', true, null, /\/metrics unreadable/],
    ['slow', false, null, /\/health timed out after 1000 ms/],
  ])('%s replica', async (mode, healthy, metrics, problem) => {
    const o = await scrapeReplica(`${base}/${mode}`, 1_000, f);
    expect(o.healthy).toBe(healthy);
    expect(o.metrics).toEqual(metrics);
    if (problem === null) expect(o.problem).toBeNull();
    else expect(o.problem).toMatch(problem);
  });
});
