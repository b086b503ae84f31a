/**
 * Each app's webhook line (webhook-lanes.ts) holds at most PROXY_WEBHOOK_QUEUE_PER_APP waiting
 * notices: an app whose receiver never answers used to grow its line without bound (memory of
 * the process every tenant shares). Past the bound the app's oldest waiting notice is dropped,
 * counted (the metric's callback), and said on its job's status, whose owner can still poll;
 * another app's notices are neither dropped nor delayed. Real AsyncJobs over a real libSQL file,
 * a real HTTP target and receiver.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { jobView, libsqlJobStore } from '../src/async-job-store.ts';
import { useJobTarget, useServer, webhookJobs, webhookSecrets } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const QUEUE = 3;
/** 2 in flight + QUEUE waiting + 2 more: the 2 oldest waiting are pushed out. */
const A_JOBS = 2 + QUEUE + 2;
/** App a's receiver never answers until the test lets it. */
const heldA: ServerResponse[] = [];
const arrived = new Map<string, number>();

const target = useJobTarget((req, res) => {
  req.resume();
  res.end('ok');
});
const receiver = useServer((req, res) => {
  req.resume();
  arrived.set(req.url ?? '', performance.now());
  if (req.url?.startsWith('/a/') === true) heldA.push(res);
  else res.writeHead(200).end('ok');
});
beforeAll(() => webhookSecrets(target.db, ['a', 'b']));
afterAll(() => heldA.forEach((res) => res.destroy()));

it("past its line's bound an app's oldest waiting notice is dropped, counted and said on its status; another app's is sent at once", async () => {
  const store = libsqlJobStore(target.db.client);
  const dropped: string[] = [];
  const { jobs, submit } = webhookJobs(target, store, { webhookQueuePerApp: QUEUE, onWebhookDropped: (app) => dropped.push(app) });
  const hooks = receiver.url();
  try {
    await jobs.start(target.url());
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
