/**
 * Each app's webhook line (webhook-lanes.ts) holds at most PROXY_WEBHOOK_QUEUE_PER_APP waiting
 * notices: an app whose receiver never answers used to grow its line without bound (memory of
 * the process every tenant shares). Past the bound the app's oldest waiting notice is dropped,
 * counted (the metric's callback), and said on its job's status, whose owner can still poll;
 * another app's notices are neither dropped nor delayed. Real AsyncJobs over a real libSQL file,
 * a real HTTP target and receiver.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTempStore, type TempStore } from '../../control/store/test-fixtures.ts';
import { jobView, libsqlJobStore } from '../src/async-job-store.ts';
import { AsyncJobs } from '../src/async-jobs.ts';
import { waitFor } from './harness.ts';

const QUEUE = 3;
/** 2 in flight + QUEUE waiting + 2 more: the 2 oldest waiting are pushed out. */
const A_JOBS = 2 + QUEUE + 2;
let target: Server;
let receiver: Server;
let db: TempStore;
let agent: Agent;
/** App a's receiver never answers until the test lets it. */
const heldA: ServerResponse[] = [];
const arrived = new Map<string, number>();

const portOf = (s: Server): number => (s.address() as AddressInfo).port;

beforeAll(async () => {
  target = createServer((req, res) => {
    req.resume();
    res.end('ok');
  });
  receiver = createServer((req, res) => {
    req.resume();
    arrived.set(req.url ?? '', performance.now());
    if (req.url?.startsWith('/a/') === true) heldA.push(res);
    else res.writeHead(200).end('ok');
  });
  await Promise.all([target, receiver].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
  db = await openTempStore();
  agent = new Agent();
  for (const app of ['a', 'b']) await db.client.execute({ sql: 'INSERT INTO job_webhook_secrets (app_id, secret, created_at) VALUES (?, ?, ?)', args: [app, `secret-${app}`, Date.now()] });
});

afterAll(async () => {
  await agent.close();
  for (const res of heldA) res.destroy();
  await Promise.all([target, receiver].map((s) => new Promise((r) => s.close(r))));
  db.dispose();
});

it("past its line's bound an app's oldest waiting notice is dropped, counted and said on its status; another app's is sent at once", async () => {
  const store = libsqlJobStore(db.client);
  const dropped: string[] = [];
  const jobs = new AsyncJobs({ proxyId: 'p', store, dir: join(db.dir, 'jobs'), retentionMs: 60_000, maxResultBytes: 1e6, maxAttempts: 3, maxWaitMs: 60_000, recoverBefore: Date.now(), maxQueuedOf: () => 1_000, windowOf: () => Number.POSITIVE_INFINITY, now: Date.now, logger: pino({ level: 'silent' }), dispatcher: agent, webhookAllowInternal: true, webhookQueuePerApp: QUEUE, onWebhookDropped: (app) => dropped.push(app) });
  const hooks = `http://127.0.0.1:${portOf(receiver)}`;
  const submit = (appId: string, webhookUrl: string) => jobs.submit({ appId, method: 'POST', publicPath: '/v1/x', headers: {}, body: null, claims: {} as never, webhookUrl });
  try {
    await jobs.start(`http://127.0.0.1:${portOf(target)}`);
    const aJobs = await Promise.all(Array.from({ length: A_JOBS }, (_, i) => submit('a', `${hooks}/a/${i}`)));
    const rows = async () => Promise.all(aJobs.map((j) => store.get(j.id)));
    await waitFor(async () => (await rows()).filter((j) => j?.webhookDroppedAt != null).length === 2, "a's two oldest waiting notices are dropped", 10_000);
    expect(dropped).toEqual(['a', 'a']);
    const views = (await rows()).map((j) => (j === null ? null : jobView(j)));
    // The owner still finds its result and learns its notice will not come.
    expect(views.filter((v) => v?.['status'] === 'completed')).toHaveLength(A_JOBS);
    expect(views.filter((v) => typeof v?.['webhookDroppedAt'] === 'number')).toHaveLength(2);

    const t0 = performance.now();
    const b = await submit('b', `${hooks}/b/1`);
    await waitFor(() => arrived.has('/b/1'), "b's webhook arrives", 10_000);
    expect((arrived.get('/b/1') ?? 0) - t0).toBeLessThan(1_000);
    expect((await store.get(b.id))?.webhookDroppedAt).toBeNull();
    expect(dropped).toEqual(['a', 'a']);

    // a's receiver answers again: the 2 in flight and the QUEUE kept in line all arrive.
    const release = setInterval(() => heldA.splice(0).forEach((res) => res.writeHead(200).end('ok')), 20);
    try {
      await waitFor(() => [...arrived.keys()].filter((u) => u.startsWith('/a/')).length === 2 + QUEUE, "a's kept notices arrive", 10_000);
    } finally {
      clearInterval(release);
    }
  } finally {
    jobs.stop();
  }
}, 30_000);
