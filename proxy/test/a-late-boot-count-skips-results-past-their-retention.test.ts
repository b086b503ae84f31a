/**
 * A boot during a libSQL blip counts the results kept before it once libSQL answers (f21dd88).
 * Results whose retention ended while that load was pending are not swept yet (the sweeper needs
 * libSQL too); counting them pushed the total over PROXY_JOB_RESULT_BYTES_TOTAL, and another
 * app's live result was deleted for bytes already past their retention. Found by review.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { expect, it } from 'vitest';
import { libsqlJobStore, type JobStore } from '../src/async-job-store.ts';
import { JobResultLedger } from '../src/job-result-ledger.ts';
import { completedJob, retainedDownUntilUp, useJobTarget } from './async-jobs-fixture.ts';
import { waitFor } from './harness.ts';

const target = useJobTarget((req, res) => {
  req.resume();
  res.end('x');
});

it("a late boot load never counts results already past their retention against another app's live result", async () => {
  const base = libsqlJobStore(target.db.client);
  const { store, up } = retainedDownUntilUp(base);
  const dir = join(target.db.dir, 'late-expired');
  await mkdir(dir, { recursive: true });
  const now = Date.now();
  // Before the boot: app "stale" kept 800 bytes whose retention ended a moment ago (the sweeper has not run).
  await completedJob(base, dir, 'stale_1', 'stale', Buffer.alloc(800, 'x'), now - 3_600_000, now - 1_000);
  const ledger = new JobResultLedger({ proxyId: 'p', store, perAppBytes: 10_000, totalBytes: 1_500, now: Date.now, logger: pino({ level: 'silent' }) });
  const bootedAt = Date.now() + 1;
  await new Promise((r) => setTimeout(r, 5));
  await ledger.loadUntilDone(bootedAt, 60_000); // libSQL blip: nothing counted yet
  // After the boot: app "fresh" keeps one live 1000-byte result, well within the total (1500).
  const freshPath = await completedJob(base, dir, 'fresh_1', 'fresh', Buffer.alloc(1_000, 'x'), Date.now(), Date.now() + 3_600_000);
  await ledger.add('fresh', { id: 'fresh_1', path: freshPath, bytes: 1_000, expiresAt: Date.now() + 3_600_000 });
  expect((await base.get('fresh_1'))?.status).toBe('completed');
  // libSQL answers: the late load (the retry's own call, made here without its timer) brings in stale_1 ...
  ledger.stop();
  up();
  await ledger.load(bootedAt);
  // ... fresh's live result must survive: only expired bytes pushed the total over.
  const fresh = await base.get('fresh_1');
  expect({ status: fresh?.status, error: fresh?.error }).toEqual({ status: 'completed', error: null });
});

it('a stopped ledger tries the boot count no more (a proxy stopped and started again in one process)', async () => {
  let tries = 0;
  const store: JobStore = { ...libsqlJobStore(target.db.client), retained: () => (tries++, Promise.reject(new Error('libSQL unreachable'))) };
  const ledger = new JobResultLedger({ proxyId: 'p', store, perAppBytes: 10_000, totalBytes: 1_500, now: Date.now, logger: pino({ level: 'silent' }) });
  await ledger.loadUntilDone(Date.now(), 20);
  await waitFor(() => Promise.resolve(tries >= 2), 'it retries while running', 2_000);
  ledger.stop();
  const stoppedAt = tries;
  await new Promise((r) => setTimeout(r, 120));
  expect(tries).toBe(stoppedAt);
});
