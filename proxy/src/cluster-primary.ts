/**
 * The primary of a multi-process proxy (`PROXY_WORKERS` > 1, node:cluster): it serves no
 * traffic itself. It forks one worker per slot (all accept on the one listen port), restarts a
 * worker that dies (exponential backoff, logged), relays circuit/outlier transitions between
 * workers (cluster-peers.ts), is the proxy's one limiter and lease holder for per-app limits
 * (cluster-limits.ts: workers ask it per admission; a dead worker's slots are freed), holds the
 * one count of kept async-job results that every worker reports to (job-result-ledger.ts: each
 * result counted once, the per-app and total bounds proxy-wide), serves the admin listener with every worker's metrics summed
 * (prom-client AggregatorRegistry), and turns SIGTERM/SIGINT into one drain of all workers,
 * exiting when the last one has finished (0 when all drained cleanly).
 */
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import type http from 'node:http';
import type { Logger } from 'pino';
import { AggregatorRegistry, type RegistryContentType } from 'prom-client';
import type { Client } from '@libsql/client';
import { jobResultBudgetPerApp, jobResultBudgetTotal, type ProxyConfig } from './config.ts';
import { libsqlJobStore } from './async-job-store.ts';
import { isJobResultMessage, JobResultLedger } from './job-result-ledger.ts';
import { adminServer, adminUrl } from './admin-listener.ts';
import { ADMIN_LISTENER, listenOrExplain } from '../../shared/http/listen-error.ts';
import { isPeerMessage, WORKER_ENV } from './cluster-peers.ts';
import { PrimaryLimits } from './cluster-limits.ts';
import { libsqlLeaseStore } from './limit-lease-store.ts';
import { openStoreClient } from './store-client.ts';

const BASE_RESTART_MS = 250;
const MAX_RESTART_MS = 30_000;
/** A worker that lived this long before dying starts the backoff afresh. */
const STABLE_MS = 60_000;
/** How long the workers of a failed start get to exit on SIGTERM before they are killed. */
const STOP_WORKERS_MS = 5_000;

export interface PrimaryReady {
  readonly url: string;
  readonly adminUrl: string;
}

interface Slot {
  worker: Worker | null;
  startedAt: number;
  crashes: number;
}

export async function runPrimary(config: ProxyConfig, count: number, logger: Logger): Promise<PrimaryReady> {
  // Before any worker listens: jobs created since belong to live workers, not to a restart's recovery.
  const bootedAt = Date.now();
  const slots: Slot[] = Array.from({ length: count }, () => ({ worker: null, startedAt: 0, crashes: 0 }));
  let stopping = false;
  let started = false;
  let abandoned = false;
  let failedExits = 0;
  // The first failure of the start wins (a worker's own message, else its death).
  let failStart: (err: Error) => void = () => undefined;
  const startFailed = new Promise<never>((_resolve, reject) => (failStart = reject));
  startFailed.catch(() => undefined);
  let url = '';
  const readyOnce: Array<() => void> = [];
  const ready = new Set<number>();
  const aggregator = new AggregatorRegistry();
  const live = (): Worker[] => slots.flatMap((s) => (s.worker === null ? [] : [s.worker]));
  const admin = primaryAdmin(config, aggregator, logger, () => {
    const pids = live().map((w) => w.process.pid);
    // `workers`: alive (a replacement counts from its fork); `serving`: alive and listening.
    const body = { id: config.id, draining: stopping, workers: pids.length, serving: ready.size, of: count, pids };
    return { status: stopping || !started ? 503 : 200, body };
  });
  // First: a port in use fails the start before a worker is forked or libSQL opened.
  await listenOrExplain(admin, { port: config.adminPort, host: config.adminHost }, ADMIN_LISTENER);
  admin.unref();
  const client = await openStoreClient(config).catch((err: unknown) => {
    admin.close();
    throw err;
  });
  const limits = primaryLimits(config, client, logger);
  // Before any worker runs a job: the results already on disk, counted once for all workers.
  const results = await primaryResultLedger(config, client, bootedAt, logger).catch((err: unknown) => {
    admin.close();
    client?.close();
    throw err;
  });

  const fork = (index: number): void => {
    const slot = slots[index];
    if (slot === undefined) return;
    const worker = cluster.fork({ [WORKER_ENV]: `${index}/${count}@${bootedAt}` });
    slot.worker = worker;
    slot.startedAt = Date.now();
    worker.on('message', (m: unknown) => {
      if (limits.handle(worker, m)) return;
      if (isJobResultMessage(m)) return void results?.add(m.appId, { id: m.id, path: m.path, bytes: m.bytes, expiresAt: m.expiresAt });
      if (!isPeerMessage(m)) return;
      if (m.sy === 'start-failed') {
        if (!started) return failStart(new Error(m.message));
        // A replacement that cannot start waits to be stopped (server.ts): stopped, it is forked again later.
        logger.error({ worker: index, workerPid: worker.process.pid, err: m.message }, 'proxy worker could not start');
        worker.process.kill('SIGTERM');
        return;
      }
      if (m.sy === 'ready') {
        url = m.url;
        ready.add(index);
        if (ready.size === count) for (const r of readyOnce.splice(0)) r();
        return;
      }
      if (m.sy !== 'circuit' && m.sy !== 'eject') return;
      // A circuit or an ejection one worker saw holds for all of them.
      for (const other of live()) if (other !== worker && other.isConnected()) other.send(m);
    });
    worker.on('exit', (code, signal) => {
      slot.worker = null;
      ready.delete(index);
      // Its requests died with it: their slots are free for the others at once.
      limits.forget(worker);
      // A failed start waits for its workers itself (stopWorkers).
      if (abandoned) return;
      if (stopping) {
        if (code !== 0) failedExits += 1;
        if (live().length === 0) process.exit(failedExits === 0 ? 0 : 1);
        return;
      }
      // Before the proxy has started a death fails the start: restarting would repeat it forever.
      if (!started) return failStart(new Error(`proxy worker ${index} exited (${signal ?? `code ${code}`}) before it was ready`));
      slot.crashes = Date.now() - slot.startedAt >= STABLE_MS ? 1 : slot.crashes + 1;
      const delayMs = Math.min(MAX_RESTART_MS, BASE_RESTART_MS * 2 ** (slot.crashes - 1));
      // `workerPid`, not `pid`: pino's base already writes the primary's `pid`, and a second one
      // made the key appear twice on the line (JSON.parse keeps the last, some pipelines the first).
      logger.error({ worker: index, workerPid: worker.process.pid, code, signal, restartInMs: delayMs }, 'proxy worker died; restarting it');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delayMs).unref();
    });
  };

  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, workers: live().length, deadlineMs: config.drainDeadlineMs }, 'draining all workers');
    // Every worker drains at once; the primary exits when the last has finished.
    for (const w of live()) w.process.kill('SIGTERM');
    if (live().length === 0) process.exit(0);
  };
  const onSigterm = (): void => stop('SIGTERM');
  const onSigint = (): void => stop('SIGINT');
  process.on('SIGTERM', onSigterm);
  process.on('SIGINT', onSigint);

  const allReady = new Promise<void>((resolve) => readyOnce.push(resolve));
  try {
    for (let i = 0; i < count; i += 1) fork(i);
    await Promise.race([allReady, startFailed]);
    // As a single process does: shared limits are leased before the proxy says it is ready.
    await Promise.race([limits.start(), startFailed]);
    started = true;
    const adminAt = adminUrl(admin, config.adminHost);
    logger.info({ id: config.id, url, adminUrl: adminAt, workers: count }, 'proxy workers listening');
    return { url, adminUrl: adminAt };
  } catch (err) {
    // Nothing of a failed start stays: no worker serving without a primary that answers for it,
    // no libSQL connection, no lease timer; `switchyard proxy` prints the error and exits 1.
    stopping = true;
    abandoned = true;
    process.off('SIGTERM', onSigterm);
    process.off('SIGINT', onSigint);
    await stopWorkers(live());
    limits.stop();
    client?.close();
    admin.close();
    throw err;
  }
}

/** The primary's admin listener: every worker's metrics summed, and the primary's health answer. */
function primaryAdmin(config: ProxyConfig, aggregator: AggregatorRegistry<RegistryContentType>, logger: Logger, health: () => { status: number; body: object }): http.Server {
  return adminServer({
    metricsPath: config.metricsPath,
    metrics: async () => ({ body: await aggregator.clusterMetrics(), contentType: aggregator.contentType }),
    metricsFailed: (err) => logger.error({ err }, 'metrics collection from the workers failed'),
    health,
  });
}

/**
 * Stops the workers of a failed start and resolves once every one has exited: SIGTERM (a worker
 * that started drains its nothing; one still starting has no handler yet and dies), then SIGKILL
 * for any still alive after STOP_WORKERS_MS.
 */
async function stopWorkers(workers: Worker[]): Promise<void> {
  const exited = workers.map((w) => (w.isDead() ? Promise.resolve() : once(w, 'exit').then(() => undefined)));
  for (const w of workers) if (!w.isDead()) w.process.kill('SIGTERM');
  const killLate = setTimeout(() => {
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
  }, STOP_WORKERS_MS);
  await Promise.all(exited);
  clearTimeout(killLate);
}

/**
 * The proxy's one count of kept job results (every worker reports to it), with the results that
 * ended before the boot loaded; null without libSQL (no async jobs then).
 */
async function primaryResultLedger(config: ProxyConfig, client: Client | null, bootedAt: number, logger: Logger): Promise<JobResultLedger | null> {
  if (client === null) return null;
  const ledger = new JobResultLedger({ proxyId: config.id, store: libsqlJobStore(client), perAppBytes: jobResultBudgetPerApp(config), totalBytes: jobResultBudgetTotal(config), now: Date.now, logger });
  await ledger.loadUntilDone(bootedAt);
  // Results past their retention are deleted by the workers' sweeps: stop counting them.
  setInterval(() => ledger.expire(Date.now()), Math.min(60_000, Math.max(1_000, config.jobRetentionMs / 4))).unref();
  return ledger;
}

/** The proxy's one limiter; with libSQL it leases shared limits as the proxy itself (holder = id). */
function primaryLimits(config: ProxyConfig, client: Client | null, logger: Logger): PrimaryLimits {
  const store = client === null ? null : libsqlLeaseStore(client);
  // Logged at most once a minute: a libSQL outage would otherwise log every interval.
  let lastLog = -Infinity;
  return new PrimaryLimits({
    proxyId: config.id,
    region: config.region,
    leaseIntervalMs: config.limitLeaseIntervalMs,
    store,
    now: Date.now,
    onLeaseError: (err) => {
      if (Date.now() - lastLog < 60_000) return;
      lastLog = Date.now();
      logger.warn({ err }, 'could not renew limit leases (shared app limits fall back to a local share when the lease lapses)');
    },
  });
}
