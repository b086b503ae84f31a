/**
 * The failure budget for forged routing tokens was kept per address only, and the edge's forwards
 * share their address with whoever else sends from it (one host in a dev or self-hosted setup; on
 * Cloudflare, the egress addresses every Worker fetches from). A forger there sending ~20 bad tokens
 * a second kept that bucket empty, and every tenant's request the edge forwarded was refused 429
 * `token-failures-throttled` unchecked (dev stack, before: 56 of 61 of tenant B's requests).
 * Now a connection that has verified a token has its own budget: the edge's kept-alive
 * connection is served through the forger's flood, while the forger's own connections, and any
 * new connection from the address, are still bound by the address's budget.
 */
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, startReplica, startTestProxy, testKeys } from './harness.ts';

const BUDGET = 5;
/** Refused before any upstream contact: the edge may send it, even a POST, to its next fallback. */
const THROTTLED = { status: 429, code: 'token-failures-throttled', refused: 'not-started' };

interface Answer {
  readonly status: number;
  readonly code: string | null;
  /** `x-switchyard-refused` on a refusal (the edge's fallback contract), omitted on a 200. */
  readonly refused?: string | null;
}

describe("a forger at the edge's address never throttles the edge's connections", () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let keys: Awaited<ReturnType<typeof testKeys>>;
  // The edge: one kept-alive connection, as workerd pools its connections to a proxy.
  const edge = new Agent({ keepAlive: true, maxSockets: 1 });
  beforeAll(async () => {
    keys = await testKeys();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      // No trusted balancer: every client here is 127.0.0.1. A minute's window: nothing refills.
      config: { tokenFailureBudget: `${BUDGET}/60s` },
    });
  });
  afterAll(async () => {
    edge.destroy();
    await proxy.close();
    await sim.close();
  });

  /** One request with `token`; `agent` false: a new connection that closes after it. */
  const send = (token: string, agent: Agent | false): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const body = chatBody({ max_tokens: 2 });
      const req = request(
        new URL(`/v4/${APP}/v1/chat/completions`, proxy.url),
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-switchyard-token': token } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            if (res.statusCode === 200) return resolve({ status: 200, code: null });
            const code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
            const refused = res.headers['x-switchyard-refused'];
            resolve({ status: res.statusCode ?? 0, code, refused: typeof refused === 'string' ? refused : null });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it("serves the edge's proven connection through the flood; new connections from the address stay bound", async () => {
    expect(await send(await keys.mint(), edge)).toEqual({ status: 200, code: null });

    // The forger, on connections of its own from the same address: its budget, then 429 unchecked.
    for (let i = 0; i < BUDGET; i++) expect(await send(await keys.forge(), false)).toEqual({ status: 401, code: 'token-bad-signature', refused: null });
    for (let i = 0; i < 5; i++) expect(await send(await keys.forge(), false)).toEqual(THROTTLED);

    // The edge's fresh tokens on its connection are still checked and served (was: 429 every one).
    for (let i = 0; i < 5; i++) expect(await send(await keys.mint(), edge)).toEqual({ status: 200, code: null });

    // A new connection from the throttled address has proven nothing: the address's bound holds,
    // and the refusal says nothing started, so the edge tries its next fallback's proxy.
    expect(await send(await keys.mint(), false)).toEqual(THROTTLED);
  });

  it('a proven connection that forges is bound by its own budget like any client', async () => {
    expect(await send(await keys.mint(), edge)).toEqual({ status: 200, code: null });
    for (let i = 0; i < BUDGET; i++) expect(await send(await keys.forge(), edge)).toEqual({ status: 401, code: 'token-bad-signature', refused: null });
    expect(await send(await keys.forge(), edge)).toEqual(THROTTLED);
    expect(await send(await keys.mint(), edge)).toEqual(THROTTLED);
  });
});
