/**
 * The engines key their prefix caches with whatever `cache_salt` a body carries (SGLang also
 * with `extra_key`, alone the whole key of its native `/generate`), whether or not the body has
 * a `messages`/`prompt`/`input`: vLLM's token-in generate and `prompt_embeds`, SGLang's
 * `/generate` (`text`, `input_ids`). A body without those keys used to pass unchanged, so an
 * attacker project could name the victim's salt (computable without the operator's secret, the
 * default) and reach its cached prompts. Now every cache key a client names reaches the replica
 * only inside the client's own project's salt.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectCacheSalt } from '../src/prompt-cache-salt.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startTestProxy } from './harness.ts';

describe('a cache key the client names never reaches the engine as sent', () => {
  let upstream: Server;
  let proxy: RunningProxy;
  const bodies: string[] = [];
  const types: Array<string | undefined> = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        types.push(req.headers['content-type']);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', app: 'attacker/gen', url }],
      apps: [{ id: 'attacker/gen', requests: { functions: ['v1/*', 'generate', 'inference/v1/generate'] } }],
    });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const victimSalt = projectCacheSalt({ secret: '', project: 'victim' }, null);
  it.each([
    ["vLLM's token-in generate", '/inference/v1/generate', { token_ids: [1, 2, 3], cache_salt: victimSalt }, 'cache_salt'],
    ["SGLang's native /generate", '/generate', { text: 'the victim prompt', extra_key: victimSalt }, 'extra_key'],
    // FastAPI (vLLM's and SGLang's servers) reads a body with no or an empty Content-Type as JSON.
    ['chat, with an empty Content-Type', '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], cache_salt: victimSalt }, 'cache_salt', ''],
  ])('%s: the victim\'s salt, named, arrives inside the attacker\'s', async (_name, path, body, field, type = 'application/json') => {
    const r = await request(`${proxy.url}/v4/attacker/gen${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': type } });
    const answer = await r.body.text();
    expect({ status: r.statusCode, answer }).toEqual({ status: 200, answer: '{}' });
    const sent = JSON.parse(bodies.at(-1) ?? '{}') as Record<string, unknown>;
    expect(sent[field]).toBe(projectCacheSalt({ secret: '', project: 'attacker' }, victimSalt));
    expect(types.at(-1)).toBe(type);
  });
});
