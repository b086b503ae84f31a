/**
 * The webhook client pools connections per receiving host, shared by every app. App A pointing
 * its job webhooks at a slow path of a host other tenants use too (a shared receiver: Zapier,
 * Pipedream, a company ingest) used to hold all of them, and app B's notices to the same host
 * queued behind A's (audit s16: B waited 6 s behind A's 24 slow webhooks). Each app now has at
 * most 2 notices in flight, the rest in its own line. Real AsyncJobs over a real libSQL file,
 * a real HTTP target and receiver.
 */
import { beforeAll, expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import { useJobTarget, useServer, webhookJobs, webhookSecrets } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const SLOW_MS = 1_000;
const A_JOBS = 12;
const arrived = new Map<string, number>();

const target = useJobTarget((req, res) => {
  req.resume();
  res.end('ok');
});
const receiver = useServer((req, res) => {
  req.resume();
  const slow = req.url?.startsWith('/a-slow') === true;
  setTimeout(() => {
    arrived.set(req.url ?? '', performance.now());
    res.writeHead(200).end('ok');
  }, slow ? SLOW_MS : 0);
});
beforeAll(() => webhookSecrets(target.db, ['a', 'b']));

it("app B's job webhook is not held behind app A's slow webhooks to the same host", async () => {
  const store = libsqlJobStore(target.db.client);
  const { jobs, submit } = webhookJobs(target, store);
  const hooks = receiver.url();
  try {
    await jobs.start(target.url());
    const aJobs = await Promise.all(Array.from({ length: A_JOBS }, (_, i) => submit('a', `${hooks}/a-slow/${i}`)));
    await waitFor(async () => (await Promise.all(aJobs.map((j) => store.get(j.id)))).every((j) => j?.status === 'completed'), "A's jobs complete", 10_000);
    await new Promise((r) => setTimeout(r, 50));

    const t0 = performance.now();
    await submit('b', `${hooks}/b/1`);
    await waitFor(() => arrived.has('/b/1'), "B's webhook arrives", 10_000);
    const bMs = (arrived.get('/b/1') ?? 0) - t0;
    console.log(`B's job and webhook took ${bMs.toFixed(0)} ms behind A's ${A_JOBS} slow webhooks (${SLOW_MS} ms each)`);
    expect(bMs).toBeLessThan(500);

    // A's own notices are still all delivered, only paced.
    await waitFor(() => [...arrived.keys()].filter((u) => u.startsWith('/a-slow/')).length === A_JOBS, "A's webhooks all arrive", 20_000);
  } finally {
    jobs.stop();
  }
}, 40_000);
