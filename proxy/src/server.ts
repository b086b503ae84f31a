/**
 * The proxy process entrypoint: config from env/flags/file, open the store,
 * listen, and turn SIGTERM/SIGINT into a graceful drain followed by exit 0.
 * Run directly (`tsx proxy/src/server.ts`) or via `switchyard proxy`.
 * With `PROXY_WORKERS` > 1 this process becomes the cluster primary
 * (cluster-primary.ts) and each forked worker runs this same entrypoint.
 */
import { drainThenExit } from './drain-exit.ts';
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import pino from 'pino';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { formatConfigIssues, parseProxyConfig, replicaSource, type ConfigSources } from './config.ts';
import type { RunningProxy } from './proxy.ts';
import { runPrimary } from './cluster-primary.ts';
import { workerSlotFromEnv } from './cluster-peers.ts';
import { openStoreClient } from './store-client.ts';
import { usableCores } from './usable-cores.ts';
import { parseJwks, readJwks } from './load-jwks.ts';
import { checkTlsFiles } from './tls-files.ts';
import { parseProblem, unreadableReason } from './file-reasons.ts';
import { checkEndpointsFile } from './registry-sources.ts';

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
 * The `--config` file as a mapping of ProxyConfig keys. Every failure names the file: a missing
 * file, YAML that does not parse and a document that is not a mapping (a list, a scalar).
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`config file ${path}: cannot read it (${unreadableReason(err)})`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`config file ${path}: not valid YAML: ${parseProblem(err)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new Error(
      `config file ${path}: must be a mapping of camelCase ProxyConfig keys (e.g. "port: 8798"), got ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  return doc as Record<string, unknown>;
}

/**
 * Parse config, start the proxy and install signal handlers. Throws with every config issue listed.
 * Resolves to null in the primary of several workers (it serves no traffic itself), and in a
 * worker whose start failed (reported to the primary, which throws it).
 */
export function serveProxy(opts: ServeOptions): Promise<RunningProxy | null> {
  return cluster.isWorker ? serve(opts).catch(reportFailedStart) : serve(opts);
}

async function serve(opts: ServeOptions): Promise<RunningProxy | null> {
  const file = opts.configFile === undefined ? {} : await readConfigFile(opts.configFile);
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
  const workers = config.workers === 'auto' ? usableCores() : config.workers;
  const slot = cluster.isWorker ? workerSlotFromEnv(opts.env) : null;
  // A bad JWKS refuses the start before anything is opened: once, not in every worker while the
  // primary (which loads no keys) stays up serving nothing, and before the libSQL client (below).
  if (slot === null && !config.authDisabled) await parseJwks(await readJwks(config));
  // So is an unusable TLS certificate or key, named (tls-files.ts).
  if (slot === null) await checkTlsFiles(config);
  // And an endpoints file that cannot be read or parsed (registry-sources.ts).
  if (slot === null && config.endpointsFile !== null) await checkEndpointsFile(config.endpointsFile);
  if (slot === null && workers > 1) {
    const primary = await runPrimary(config, workers, pino({ level: config.logLevel }));
    process.stdout.write(
      `${JSON.stringify({ msg: 'proxy ready', url: primary.url, adminUrl: primary.adminUrl, id: config.id, workers, replicas: replicaSource(config) })}\n`,
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
  ).catch((err: unknown) => {
    // A start that failed (port in use, a store that refused a read) closes the client it was
    // given: open (a libsql:// or ws:// URL holds a WebSocket) it kept `switchyard proxy`, which
    // lets the event loop end after printing the error, running forever. A worker reports its
    // failure to the primary, which stops every worker and exits 1 (reportFailedStart below).
    client?.close();
    throw err;
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    const logger = proxy.runtime.logger;
    logger.info({ signal, deadlineMs: config.drainDeadlineMs }, 'draining');
    drainThenExit({
      drain: () => proxy.drain(),
      deadlineMs: config.drainDeadlineMs,
      after: () => client?.close(),
      exit: (code) => process.exit(code),
      onFailed: (err) => logger.error({ err }, 'drain failed'),
      onOverrun: (waitedMs) => logger.error({ waitedMs, deadlineMs: config.drainDeadlineMs }, 'drain did not finish past its deadline: exiting without it'),
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
    `${JSON.stringify({ msg: 'proxy ready', url: proxy.url, adminUrl: proxy.adminUrl, id: config.id, replicas: replicaSource(config) })}\n`,
  );
  return proxy;
}

/**
 * A worker's failed start goes to the primary, which prints it once for all workers, stops them
 * and exits 1 (cluster-primary.ts). The worker prints nothing (every worker would print the same
 * line) and exits 1 when the primary stops it or goes away (the IPC channel then ends).
 */
async function reportFailedStart(err: unknown): Promise<null> {
  // In the words one process prints: a libSQL error as the store's typed error, with its hint.
  const [{ isLibsqlError, toStoreError }, { DatabaseUnreachableError }] = await Promise.all([
    import('../../control/store/errors.ts'),
    import('../../shared/errors/database-unreachable.ts'),
  ]);
  const shown = isLibsqlError(err) || err instanceof DatabaseUnreachableError ? toStoreError('proxy', err) : err;
  process.send?.({ sy: 'start-failed', message: shown instanceof Error ? shown.message : String(shown) });
  process.exitCode = 1;
  return null;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  serveProxy({ env: process.env }).catch((err: unknown) => {
    process.stderr.write(`switchyard proxy: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
