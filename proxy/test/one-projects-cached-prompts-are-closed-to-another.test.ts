/**
 * Two projects share an engine replica (a sim replica with vLLM's prefix cache: a prompt's
 * leading blocks are reused when an earlier prompt had them, keyed with its `cache_salt`). Before
 * the proxy salted bodies per project, a request from one project that repeated another's prompt
 * came back with hundreds of cached tokens and a fraction of the time: an oracle telling it what
 * the other project had sent (session 49's review). Now nothing another project sends — plain,
 * chunked, through the inference-aware or the budgeted path, with a salt of its own, or with the
 * salt it could compute without the operator's secret — reaches a cached token of the victim's;
 * the victim's own apps still share their prefixes, and an app the operator marks `shared` keeps
 * the old behaviour.
 */
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { projectCacheSalt } from '../src/prompt-cache-salt.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startReplica, startTestProxy } from './harness.ts';
import { chatBody, sendChat } from './prefix-chat.ts';

const APPS = ['victim/chat', 'victim/agent', 'attacker/chat', 'attacker/aware', 'attacker/budgeted', 'open-a/chat', 'open-b/chat'];
const SECRET = 'operator-secret-for-this-test';

describe("one project's cached prompts are closed to another on a shared replica", () => {
  let replica: SimCluster;
  let proxy: RunningProxy;
  const client = new Agent({ connections: 4 });

  beforeAll(async () => {
    replica = await startReplica('c1', 'r0', { slots: 4, queue: 64, tokensPerSecond: 5_000, prefillTokensPerSecond: 20_000 });
    proxy = await startTestProxy({
      endpoints: APPS.map((app) => ({ cluster: 'c1', app, url: replica.url })),
      apps: [
        { id: 'attacker/aware', strategy: 'inference-aware' },
        { id: 'attacker/budgeted', requests: { tokenBudget: { tokensPerMinute: 10_000_000 } } },
        { id: 'open-a/chat', requests: { promptCache: 'shared' } },
        { id: 'open-b/chat', requests: { promptCache: 'shared' } },
      ],
      config: { promptCacheSecret: SECRET, replicaScrapeIntervalMs: 0 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await client.close();
    await replica.close();
  });

  it("another project never hits the victim's prompt, however it sends it", async () => {
    const victimSalt = projectCacheSalt({ secret: '', project: 'victim' }, null);
    const probes: Array<[string, string, Record<string, unknown>]> = [
      ['plain', 'attacker/chat', {}],
      ['inference-aware', 'attacker/aware', {}],
      ['budgeted', 'attacker/budgeted', {}],
      ['its own salt', 'attacker/chat', { cache_salt: 'guess' }],
      ['no salt (null)', 'attacker/chat', { cache_salt: null }],
      // What the victim's salt would be with no secret: the proxy keeps it inside the attacker's own.
      ['the salt computable without the secret', 'attacker/chat', { cache_salt: victimSalt }],
    ];
    for (const [i, [how, app, extra]] of probes.entries()) {
      // A prompt of the victim's each time: the attacker's own probes share their project's cache.
      const secret = `secret-contract-${i}`;
      expect((await sendChat(proxy.url, 'victim/chat', chatBody(secret, 'summarise'), client)).status).toBe(200);
      expect((await sendChat(proxy.url, 'victim/chat', chatBody(secret, 'and again'), client)).cached).toBeGreaterThan(500);
      const r = await sendChat(proxy.url, app, chatBody(secret, 'x', extra), client);
      expect({ how, status: r.status, cached: r.cached }).toEqual({ how, status: 200, cached: 0 });
    }
  });

  it('a chunked body is salted too', async () => {
    await sendChat(proxy.url, 'victim/chat', chatBody('chunked-secret', 'q'), client);
    const r = await request(`${proxy.url}/v4/attacker/chat/v1/chat/completions`, {
      method: 'POST',
      dispatcher: client,
      body: Readable.from([Buffer.from(chatBody('chunked-secret', 'x'))]), // no length: sent chunked
      headers: { 'content-type': 'application/json' },
    });
    await r.body.text();
    expect(r.statusCode).toBe(200);
    expect(Number(r.headers['x-sim-cached-tokens'])).toBe(0);
  });

  it("the victim's own apps still share their cached prefixes", async () => {
    await sendChat(proxy.url, 'victim/chat', chatBody('shared-in-project', 'q1'), client);
    const other = await sendChat(proxy.url, 'victim/agent', chatBody('shared-in-project', 'q2'), client);
    expect(other.cached).toBeGreaterThan(500);
  });

  it('apps the operator marks shared keep sharing across projects', async () => {
    await sendChat(proxy.url, 'open-a/chat', chatBody('public-doc', 'q1'), client);
    const b = await sendChat(proxy.url, 'open-b/chat', chatBody('public-doc', 'q2'), client);
    expect(b.cached).toBeGreaterThan(500);
  });

  /** Inference requests the replica has received, every outcome (the sim's own counter). */
  const received = async (): Promise<number> => {
    const lines = [...(await (await fetch(`${replica.url}/metrics`)).text()).matchAll(/^sim_requests_total\{[^}]*\} (\d+)$/gm)];
    if (lines.length === 0) throw new Error('the sim publishes no sim_requests_total');
    return lines.reduce((n, m) => n + Number(m[1]), 0);
  };

  it.each([
    ['a body that is not JSON', '{"messages": [ not json', 'not valid JSON'],
    ['a numeric cache_salt', JSON.stringify({ prompt: 'x', cache_salt: 7 }), 'cache_salt must be a string'],
  ])('%s is a 400 that names it, and reaches no replica', async (_name, body, reason) => {
    const before = await received();
    const r = await request(`${proxy.url}/v4/attacker/chat/v1/completions`, { method: 'POST', dispatcher: client, body, headers: { 'content-type': 'application/json' } });
    const answer = (await r.body.json()) as { error?: { code?: string; message?: string } };
    expect(r.statusCode).toBe(400);
    expect(answer.error?.code).toBe('prompt-body-invalid');
    expect(answer.error?.message).toContain(reason);
    expect(await received()).toBe(before);
  });
});
