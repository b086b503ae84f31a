/**
 * P1 (tenant isolation): the tenant is the project. Webhook deliveries were bounded per app (2 in
 * flight each), so a project with 17 apps pointing their webhooks at a slow path of a shared
 * receiver held 34 notices in flight, more than the 32 connections the webhook client keeps per
 * host, and another project's notice queued behind them for a whole slow answer. Now a project
 * has 2 in flight, all its apps together: the other project's notice is sent at once. Real
 * AsyncJobs over a real libSQL file, a real HTTP target and receiver.
 */
import { beforeAll, expect, it } from 'vitest';
import { libsqlJobStore } from '../src/async-job-store.ts';
import { WEBHOOK_CONNECTIONS_PER_HOST } from '../src/job-webhook.ts';
import { useJobTarget, useServer, webhookJobs, webhookSecrets } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const SLOW_MS = 2_000;
/** Two notices per app: more than the host's connections at the old two per app. */
const FLOOD_APPS = Array.from({ length: WEBHOOK_CONNECTIONS_PER_HOST / 2 + 1 }, (_, i) => `flood/a${i}`);
const OTHER = 'quiet/b';
const arrived = new Map<string, number>();
let floodInFlight = 0;
let floodPeak = 0;

const target = useJobTarget((req, res) => {
  req.resume();
  res.end('ok');
});
const receiver = useServer((req, res) => {
  req.resume();
  const flood = req.url?.startsWith('/flood/') === true;
  if (flood) floodPeak = Math.max(floodPeak, ++floodInFlight);
  setTimeout(() => {
    arrived.set(req.url ?? '', performance.now());
    if (flood) floodInFlight -= 1;
    res.writeHead(200).end('ok');
  }, flood ? SLOW_MS : 0);
});
beforeAll(() => webhookSecrets(target.db, [...FLOOD_APPS, OTHER]));

it("a project's many apps with slow webhooks never delay another project's notice", async () => {
  const store = libsqlJobStore(target.db.client);
  const { jobs, submit } = webhookJobs(target, store);
  const hooks = receiver.url();
  try {
    await jobs.start(target.url());
    const flood = await Promise.all(FLOOD_APPS.flatMap((app) => [0, 1].map((i) => submit(app, `${hooks}/${app}/${i}`))));
    await waitFor(async () => (await Promise.all(flood.map((j) => store.get(j.id)))).every((j) => j?.status === 'completed'), "the flood's jobs complete", 10_000);
    await waitFor(() => floodInFlight > 0, "the flood's first notices reach the receiver");
    await new Promise((r) => setTimeout(r, 100));

    const t0 = performance.now();
    await submit(OTHER, `${hooks}/${OTHER}/1`);
    await waitFor(() => arrived.has(`/${OTHER}/1`), "the other project's webhook arrives", 10_000);
    const ms = (arrived.get(`/${OTHER}/1`) ?? 0) - t0;
    console.log(`the other project's job and webhook took ${ms.toFixed(0)} ms beside ${FLOOD_APPS.length} apps' slow webhooks (${SLOW_MS} ms each)`);
    expect(ms).toBeLessThan(500);
    // The project held 2 of the host's connections, not 2 per app.
    expect(floodPeak).toBe(2);
  } finally {
    jobs.stop();
  }
}, 40_000);
