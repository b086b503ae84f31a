/**
 * A drain under load, with a real proxy process: eight keep-alive HTTP/1.1 clients keep
 * streaming chat completions through a one-slot replica (so most requests wait in its queue)
 * when SIGTERM arrives. Every client gets either its full response or a 503 with Retry-After:
 * no ECONNRESET on a reused keep-alive connection. The POSTs already sent to the replica are not
 * cut at the start grace (the replica may be running them: cutting would waste or double-run
 * them) and finish before the deadline. (A client that opens a new connection after the
 * listener closed gets ECONNREFUSED: provably never sent, so safe to retry elsewhere.)
 */
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { APP, chatBody, startReplica, testKeys } from './harness.ts';
import { spawnProxy } from './proxy-processes.ts';

type Outcome = 'full' | '503-retry-after' | string;

function post(agent: Agent, url: string, token: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      new URL(`/v4/${APP}/v1/chat/completions`, url),
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-switchyard-token': token } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', (e: NodeJS.ErrnoException) => resolve(`cut: ${e.code ?? e.message}`));
        res.on('close', () => {
          if (!res.complete) resolve(`incomplete ${res.statusCode}`);
          else if (res.statusCode === 200 && body.includes('data: [DONE]')) resolve('full');
          else if (res.statusCode === 503 && Number(res.headers['retry-after']) > 0) resolve('503-retry-after');
          else resolve(`status ${res.statusCode}`);
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`error: ${e.code ?? e.message}`));
    req.end(chatBody({ stream: true, max_tokens: 16 }));
  });
}

describe('a drain under load answers every client', () => {
  let sim: SimCluster;
  beforeAll(async () => {
    // One slot, 16 tokens at 40/s: each stream takes ~0.4 s and the others queue at the replica
    // (eight in flight at the signal: ~3.2 s of work, inside the 6 s deadline).
    sim = await startReplica('c1', 'r0', { slots: 1, queue: 64, tokensPerSecond: 40 });
  });
  afterAll(() => sim.close());

  it('every response is complete or a 503 with Retry-After', async () => {
    const keys = await testKeys();
    // A real process with edge tokens required (spawnProxy defaults to auth off).
    const { child, url } = await spawnProxy([{ cluster: 'c1', url: sim.url }], { PROXY_AUTH_DISABLED: 'false', PROXY_JWKS: keys.jwks, PROXY_DRAIN_DEADLINE_MS: '6000', PROXY_DRAIN_START_GRACE_MS: '300', PROXY_KEEP_ALIVE_TIMEOUT_MS: '2000' });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const token = await keys.mint({ ttlSeconds: 120 });
    const outcomes: Outcome[] = [];
    let stop = false;
    let signalled = false;
    const afterSignal: Outcome[] = [];
    const client = async (): Promise<void> => {
      while (!stop) {
        const o = await post(agent, url, token);
        outcomes.push(o);
        if (signalled) afterSignal.push(o);
        // A client told to go away goes away (it would retry elsewhere).
        if (o !== 'full') return;
      }
    };
    const clients = Array.from({ length: 8 }, () => client());
    // Load for a while: one stream at a time is generating, the rest queue at the replica.
    await new Promise((r) => setTimeout(r, 1500));
    const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
    signalled = true;
    child.kill('SIGTERM');
    const [code] = await exited;
    stop = true;
    await Promise.all(clients);
    agent.destroy();
    const bad = outcomes.filter((o) => o !== 'full' && o !== '503-retry-after' && o !== 'error: ECONNREFUSED');
    expect(bad).toEqual([]);
    expect(outcomes.filter((o) => o === 'full').length).toBeGreaterThan(0);
    expect(afterSignal.filter((o) => o === '503-retry-after').length).toBeGreaterThan(0);
    expect(code).toBe(0);
  }, 30_000);
});
