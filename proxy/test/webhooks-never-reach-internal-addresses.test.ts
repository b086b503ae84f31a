/**
 * An async job's webhook URL is chosen by the caller, and the proxy sits inside the fleet: by
 * default it must never POST to a loopback, private or link-local address (its own admin port,
 * cloud metadata, other tenants' replicas). Refused at submit when the URL names such an address
 * (400 webhook-invalid, nothing stored); refused at delivery when a host NAME resolves inside
 * (the real webhook client over real sockets: the receiver sees nothing). Before, any URL was
 * accepted and delivered.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { setWebhookSecret } from '../../control/cli/commands/service-keys.ts';
import { deliverWebhook } from '../src/job-webhook.ts';
import { publicOnlyLookup } from '../src/webhook-address.ts';
import { Agent } from 'undici';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

let upstream: Server;
let receiver: Server;
let received = 0;
let receiverPort = 0;
let f: InRegionFixture;

beforeAll(async () => {
  upstream = createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}')));
  receiver = createServer((req, res) => req.resume().on('end', () => ((received += 1), res.writeHead(204).end())));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverPort = (receiver.address() as AddressInfo).port;
  f = await startInRegionFixture(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`); // default config
  await setWebhookSecret(f.client, 'acme/chat', Date.now());
});
afterAll(async () => {
  await f.close();
  await new Promise((r) => upstream.close(r));
  await new Promise((r) => receiver.close(r));
});

it.each([
  `http://127.0.0.1:${'PORT'}/hooks`,
  'http://169.254.169.254/latest/meta-data/iam',
  'http://10.0.0.7:9090/admin/drain',
  'http://[::1]:8080/hooks',
  'http://localhost:8080/hooks',
])('refuses a job whose webhook is %s at submit', async (raw) => {
  const url = raw.replace('PORT', String(receiverPort));
  const res = await fetch(`${f.proxy.url}/v4/acme/chat/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await f.serviceKey('acme/chat')}`, 'x-switchyard-async': '1', 'x-switchyard-webhook': url },
    body: '{}',
  });
  expect(res.status).toBe(400);
  const { error } = (await res.json()) as { error: { code: string; message: string } };
  expect(error.code).toBe('webhook-invalid');
  expect(error.message).toContain('PROXY_WEBHOOK_ALLOW_PRIVATE');
  const jobs = await f.client.execute("SELECT COUNT(*) AS n FROM async_jobs WHERE app_id = 'acme/chat'");
  expect(Number(jobs.rows[0]?.['n'])).toBe(0);
});

it('does not deliver to a host name that resolves to an internal address', async () => {
  // A name whose DNS answer is loopback (stands for a rebinding or split-horizon name).
  const toLoopback = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
  const guarded = new Agent({ connect: { lookup: publicOnlyLookup(toLoopback) } });
  const url = `http://hooks.example.test:${receiverPort}/hooks`;
  expect(await deliverWebhook(url, 'whsec_x', { id: 'j' }, guarded, () => 1, 1)).toBe(false);
  expect(received).toBe(0);
  // The same name through an unguarded lookup reaches the receiver: the refusal above is the guard's.
  const open = new Agent({ connect: { lookup: ((_h: string, o: { all?: boolean }, cb: (e: null, a: unknown, f?: number) => void) => (o.all === true ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as never } });
  expect(await deliverWebhook(url, 'whsec_x', { id: 'j' }, open, () => 1, 1, true)).toBe(true);
  expect(received).toBe(1);
  await Promise.all([guarded.close(), open.close()]);
});
