/**
 * The proxy process entrypoint: config from env/flags/file, open the store,
 * listen, and turn SIGTERM/SIGINT into a graceful drain followed by exit 0.
 * Run directly (`tsx proxy/src/server.ts`) or via `switchyard proxy`.
 * With `PROXY_WORKERS` > 1 this process becomes the cluster primary
 * (cluster-primary.ts) and each forked worker runs this same entrypoint.
 */
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import pino from 'pino';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { formatConfigIssues, parseProxyConfig, type ConfigSources } from './config.ts';
import type { RunningProxy } from './proxy.ts';
import { runPrimary } from './cluster-primary.ts';
import { workerSlotFromEnv } from './cluster-peers.ts';
import { openStoreClient } from './store-client.ts';

export interface ServeOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly configFile?: string;
  /**
   * Defaults under every source (file, env, flags): `switchyard proxy` passes `workers: 'auto'`
   * (one worker per core in production); run directly (tests, benches) the config defaults hold.
   */
  readonly defaults?: Readonly<Record<string, unknown>>;
}

/**
 * Parse config, start the proxy and install signal handlers. Throws with every config issue listed.
 * Resolves to null in the primary of several workers (it serves no traffic itself).
 */
export async function serveProxy(opts: ServeOptions): Promise<RunningProxy | null> {
  const file = opts.configFile === undefined ? {} : (parseYaml(await readFile(opts.configFile, 'utf8')) as Record<string, unknown>);
  const sources: ConfigSources = {
    env: opts.env,
    flags: opts.flags ?? {},
    // Defaults sit below the file: a file, env var or flag that names the field wins.
    file: { ...opts.defaults, ...file },
  };
  const parsed = parseProxyConfig(sources);
  if (!parsed.ok)
    throw new Error(`invalid proxy configuration:\n${formatConfigIssues(parsed.issues)}`);
  const config = parsed.config;
  const workers = config.workers === 'auto' ? availableParallelism() : config.workers;
  const slot = cluster.isWorker ? workerSlotFromEnv(opts.env) : null;
  if (slot === null && workers > 1) {
    const primary = await runPrimary(config, workers, pino({ level: config.logLevel }));
    process.stdout.write(
      `${JSON.stringify({ msg: 'proxy ready', url: primary.url, adminUrl: primary.adminUrl, id: config.id, workers })}\n`,
    );
    return null;
  }
  // Loaded here, not at the top: a cluster primary never serves traffic and starts faster without them.
  const [client, { startProxy }, { libsqlProxyStore }] = await Promise.all([
    openStoreClient(config),
    import('./proxy.ts'),
    import('./store.ts'),
  ]);
  const proxy = await startProxy(
    config,
    {
      ...(client === null ? {} : { store: libsqlProxyStore(client), db: client, defaultMetrics: true }),
      ...(slot === null ? {} : { worker: slot }),
    },
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    proxy.runtime.logger.info({ signal, deadlineMs: config.drainDeadlineMs }, 'draining');
    proxy
      .drain()
      .then(() => {
        client?.close();
        process.exit(0);
      })
      .catch((err: unknown) => {
        proxy.runtime.logger.error({ err }, 'drain failed');
        process.exit(1);
      });
  };
  // `on`, not `once`: a repeated signal (tsx's CLI re-sends one when its child is slow to
  // acknowledge; a supervisor signals the whole process group) must not meet Node's default
  // action and kill the drain mid-way. `stop` ignores every signal after the first.
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (slot !== null) {
    // A worker whose primary is gone (killed) has no one to restart or drain it: drain now.
    process.on('disconnect', () => stop('primary gone'));
    process.send?.({ sy: 'ready', url: proxy.url });
    return proxy;
  }
  // Parent processes (tests, supervisors) read this line to learn the port.
  process.stdout.write(
    `${JSON.stringify({ msg: 'proxy ready', url: proxy.url, adminUrl: proxy.adminUrl, id: config.id })}\n`,
  );
  return proxy;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serveProxy({ env: process.env }).catch((err: unknown) => {
    process.stderr.write(`switchyard proxy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
