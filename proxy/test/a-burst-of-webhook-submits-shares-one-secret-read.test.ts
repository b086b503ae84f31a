/**
 * A job submitted with `x-switchyard-webhook` is refused unless its app has a webhook secret, and
 * that check read libSQL on every submit. An app with `auth: false` takes submissions without a
 * token, so a burst of them (or one tenant's own burst) queued one read apiece on the store client
 * whose 20 slots every tenant's leases, outcome writes and submissions share. Now concurrent
 * checks of an app share one read and a "yes" is kept; a "no" is not, so a secret created after a
 * refusal counts at the next submit.
 *
 * Real parts: libSQL through a relay that holds the secret reads, the proxy's real store client,
 * submissions on real sockets (slow-libsql-proxy-fixture.ts).
 */
import { expect, it } from 'vitest';
import { setWebhookSecret } from '../../control/cli/commands/service-keys.ts';
import { useServer } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';
import { useSlowLibsqlProxy, within } from './slow-libsql-proxy-fixture.ts';

const f = useSlowLibsqlProxy((body) => body.includes('job_webhook_secrets'), { webhookAllowPrivate: true });
const receiver = useServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});

const submit = (from: string): ReturnType<typeof f.send> =>
  f.send(from, '/v4/acme/open/v1/chat/completions?async=1', {
    method: 'POST',
    body: '{"model":"demo-llm"}',
    headers: { 'content-type': 'application/json', 'x-switchyard-webhook': `${receiver.url()}/hook` },
  });

it('a burst of submits with a webhook holds one store read for the secret, and all are refused when there is none', async () => {
  f.relay.holdAgain();
  const burst = Array.from({ length: 20 }, () => submit('127.0.0.2'));
  await waitFor(() => f.relay.held >= 1, 'the secret read to reach libSQL', 5_000);
  // Time for the rest of the burst to reach the check (each used to add a read of its own).
  await new Promise((r) => setTimeout(r, 300));
  expect(f.relay.held).toBe(1);
  f.relay.release();
  const answers = await Promise.all(burst);
  expect(answers.map((a) => a.code)).toEqual(Array(20).fill('webhook-secret-missing'));
}, 10_000);

it('a secret created after a refusal counts at the next submit', async () => {
  await setWebhookSecret(f.db, 'acme/open', Date.now());
  expect((await submit('127.0.0.2')).status).toBe(202);
});

it('with the secret known, submits read it no more: they are accepted while its reads are slow', async () => {
  f.relay.holdAgain();
  const burst = await within(Promise.all(Array.from({ length: 10 }, () => submit('127.0.0.3'))), 3_000, 'submissions with a known secret');
  expect(burst.map((a) => a.status)).toEqual(Array(10).fill(202));
  f.relay.release();
}, 10_000);
