/**
 * A proxy fed by an endpoints file alone (no LIBSQL_URL) holds no jobs. A request asking to run as
 * one (`?async=1`, `x-switchyard-async: 1`) was sent to the replica at once, holding the client's
 * connection for the hours-long job it meant to detach, and answered 200 where the client expects
 * 202 and a job id. Now it is refused 501 `async-unavailable` with nothing sent (`not-started`: the
 * edge may try another cluster's proxy), and a request without the flag is still served. An
 * `x-switchyard-async` value that says neither yes nor no was run at once as if it said no: now a 400.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startTestProxy } from './harness.ts';
import { holdingReplica } from './stream-holding-replica.ts';

let replica: Awaited<ReturnType<typeof holdingReplica>>;
let proxy: RunningProxy;
beforeAll(async () => {
  replica = await holdingReplica();
  proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: replica.url }] });
});
afterAll(async () => {
  await proxy.close();
  await replica.close();
});

it.each([
  ['?async=1', `/v4/${APP}/v1/chat/completions?async=1`, {}],
  ['x-switchyard-async: 1', `/v4/${APP}/v1/chat/completions`, { 'x-switchyard-async': '1' }],
])('%s is refused, naming the missing database, and never reaches the replica', async (_how, path, headers) => {
  const before = replica.seen();
  const r = await rawRequest(proxy.url, { path, body: chatBody(), headers });
  expect(r.status).toBe(501);
  expect(r.headers['x-switchyard-refused']).toBe('not-started');
  expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'async-unavailable', message: expect.stringContaining('LIBSQL_URL') } });
  expect(replica.seen()).toBe(before);
});

it('still serves the request sent without the flag', async () => {
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody() });
  expect(r.status).toBe(200);
});

it.each(['maybe', 'yes', '2'])('x-switchyard-async: %s is a 400 naming the header, never sent', async (value) => {
  const before = replica.seen();
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody(), headers: { 'x-switchyard-async': value } });
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'client-invalid', message: expect.stringContaining('x-switchyard-async must be 1 or true') } });
  expect(replica.seen()).toBe(before);
});

it.each(['0', 'false', 'FALSE'])('x-switchyard-async: %s runs the request now', async (value) => {
  const r = await rawRequest(proxy.url, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody(), headers: { 'x-switchyard-async': value } });
  expect(r.status).toBe(200);
});
