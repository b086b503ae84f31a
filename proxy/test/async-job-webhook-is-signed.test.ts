/**
 * An async job's completion notice is a webhook signed with the app's secret (HMAC-SHA256 over
 * "<t>.<body>", Stripe/GitHub style) that the receiver can verify; asking for a webhook on an
 * app without a secret is refused at submit (400), not silently dropped later. The receiver here
 * listens on loopback, which only an operator's `webhookAllowPrivate` permits
 * (webhooks-never-reach-internal-addresses.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setWebhookSecret } from '../../control/cli/commands/service-keys.ts';
import { SIGNATURE_HEADER, verifyWebhook } from '../src/job-webhook.ts';
import { waitFor } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

let upstream: Server;
let receiver: Server;
const received: Array<{ body: string; signature: string }> = [];
let f: InRegionFixture;
let hookUrl = '';

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"answer":42}'));
  });
  receiver = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ body, signature: String(req.headers[SIGNATURE_HEADER] ?? '') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  f = await startInRegionFixture(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, { proxyConfig: { webhookAllowPrivate: true } });
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => upstream.close(r));
  await new Promise((r) => receiver.close(r));
});

const submit = async (app: string, key: string): Promise<Response> =>
  fetch(`${f.proxy.url}/v4/acme/${app}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'x-switchyard-async': '1', 'x-switchyard-webhook': hookUrl },
    body: '{}',
  });

it('refuses a webhook for an app without a secret', async () => {
  const res = await submit('chat', await f.serviceKey('acme/chat'));
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe('webhook-secret-missing');
});

it('posts a signed notice when the job completes', async () => {
  const secret = await setWebhookSecret(f.client, 'acme/chat', Date.now());
  const res = await submit('chat', await f.serviceKey('acme/chat'));
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await waitFor(() => received.length === 1, 'the webhook arrives', 10_000);
  const hook = received[0] ?? { body: '', signature: '' };
  expect(verifyWebhook(secret, hook.body, hook.signature, Math.floor(Date.now() / 1000))).toBe(true);
  expect(verifyWebhook('whsec_wrong', hook.body, hook.signature, Math.floor(Date.now() / 1000))).toBe(false);
  const payload = JSON.parse(hook.body) as { id: string; status: string; resultStatus: number };
  expect(payload).toMatchObject({ id, status: 'completed', resultStatus: 200 });
  const result = await fetch(`${f.proxy.url}/_switchyard/jobs/${id}/result`);
  expect(await result.json()).toEqual({ answer: 42 });
});
