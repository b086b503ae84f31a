/**
 * Issue 13 item 4: an inference-aware app's bodies reach the replica byte for byte — a JSON
 * prompt the proxy read, a non-JSON body, a body over the read cap and a chunked one (the last
 * three never read) — and a client that stops sending its body halfway reaches no replica.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, startTestProxy } from './harness.ts';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

describe('inference-aware bodies pass unchanged', () => {
  let upstream: Server;
  let proxy: RunningProxy;
  const seen: Array<{ sha: string; length: string | undefined }> = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url === '/health') return void res.end('ok');
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ sha: sha(Buffer.concat(chunks)), length: req.headers['content-length'] });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url }],
      // Byte for byte: an app that salts its project's prompt cache changes its bodies on purpose
      // (test/one-projects-cached-prompts-are-closed-to-another.test.ts).
      apps: [{ id: APP, strategy: 'inference-aware', requests: { promptCache: 'shared' } }],
      config: { promptBodyMaxBytes: 4096, replicaScrapeIntervalMs: 0 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const long = 'Ünïcødé system prompt, spaced   oddly\t'.repeat(40);
  it.each<[string, string, { chunked?: boolean }]>([
    ['a JSON prompt the proxy reads', `{ "model":"m" ,"messages":[{"role":"system","content":${JSON.stringify(long)}},{"role":"user","content":"hi"}] }`, {}],
    ['a body that is not JSON', '{"messages": [ not json', {}],
    ['a body over the read cap', JSON.stringify({ model: 'm', prompt: 'x'.repeat(10_000) }), {}],
    ['a chunked body', JSON.stringify({ model: 'm', prompt: long }), { chunked: true }],
  ])('%s', async (_name, body, how) => {
    const before = seen.length;
    const r = await request(`${proxy.url}/v4/${APP}/v1/chat/completions`, {
      method: 'POST',
      // A stream has no length: undici sends it chunked.
      body: how.chunked === true ? Readable.from([Buffer.from(body)]) : body,
      headers: { 'content-type': 'application/json' },
    });
    expect(await r.body.text()).toBe('ok');
    expect(seen.length).toBe(before + 1);
    expect(seen[before]?.sha).toBe(sha(body));
    expect(seen[before]?.length).toBe(how.chunked === true ? undefined : String(Buffer.byteLength(body)));
  });

  it('a body cut halfway never reaches a replica, and the proxy keeps serving', async () => {
    const before = seen.length;
    const { port } = new URL(proxy.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":"m","messages":[`);
    await sleep(100);
    socket.destroy();
    await sleep(100);
    expect(seen.length).toBe(before);
    const r = await request(`${proxy.url}/v4/${APP}/v1/chat/completions`, { method: 'POST', body: '{"prompt":"again"}', headers: { 'content-type': 'application/json' } });
    expect(await r.body.text()).toBe('ok');
    expect(seen.length).toBe(before + 1);
  });
});
