/**
 * The whole system on one machine: the embedded libSQL database behind the local
 * Hrana endpoint, migrations and the demo config, simulated GPU clusters with one
 * aggregator each, two regional proxies, and the edge Worker under workerd
 * (`wrangler dev`). Every long-running part is a real child process started with the
 * same `switchyard` subcommand an operator would run, so this is also how they are
 * exercised end to end.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@libsql/client';
import { parseDocument, stringify } from 'yaml';
import { generateKeyPair } from '../../shared/tokens/index.ts';
import { BUNDLE_FILE, wranglerDryRun } from '../../infra/workerd/build-edge.ts';
import { runApply } from '../config/run-apply.ts';
import { buildDist } from '../build/build-dist.ts';
import { switchyardCommand } from '../cli/switchyard-command.ts';
import { claimStack } from './claim-stack.ts';
import { Supervisor, type ChildSpec } from './supervisor.ts';
import { devTopology, replicaUrls, type DevTopology } from './topology.ts';
import { WRANGLER_DEV_ENV, wranglerDevArgs } from './wrangler-dev.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface DevStackOptions {
  /** Edge port; every other port is derived from it (see topology.ts). */
  readonly basePort: number;
  /** Where the database, keys, generated configs and logs live. */
  readonly stateDir: string;
  /** Start from an empty database (otherwise the previous run's data is kept). */
  readonly fresh: boolean;
  /** Extra Worker variables (e.g. a short EDGE_REFRESH_MS in tests). */
  readonly edgeVars?: Readonly<Record<string, string>>;
  /** Aggregator push interval. */
  readonly aggregatorIntervalMs?: number;
  /**
   * Run our OTLP receiver (spans into libSQL's trace_spans) and point the edge and the proxies at
   * it, every request sampled. Default on: a newcomer sees traces without installing a collector.
   */
  readonly traces?: boolean;
  /** Edge runtime: `wrangler dev` (default) or the self-hosted workerd edge (`switchyard edge --workerd`). */
  readonly edge?: 'wrangler' | 'workerd';
  /**
   * `wrangler dev` serves a bundle built once into the state dir (`wrangler deploy --dry-run`),
   * not the checkout's sources. On its sources, wrangler rebuilds and restarts the Worker whenever
   * one of them changes (an edit, a merge, a checkout in that tree), and a restart ends every
   * stream in flight through the edge with a clean end of body and no error: wrangler's
   * ProxyWorker passes the gone Worker's body on as finished, so the OpenAI SDK sees a short
   * answer. Tests must not depend on nobody touching the checkout while they run; `npm start`
   * keeps the live reload. Not `--no-bundle`: wrangler then leaves out its dev middleware, and
   * the noisy-tenant e2e's unread huge bodies got 503s ("worker restarted mid-request").
   */
  readonly frozenEdge?: boolean;
  /**
   * With `frozenEdge`, serve this directory's bundle (built by `wranglerDryRun`) instead of
   * building one: an e2e run builds it once for all of its stacks (~2 s of CPU each).
   */
  readonly edgeBundleDir?: string;
  /** How often the dashboard reads the database for live updates (default 1000 ms). */
  readonly dashboardPollMs?: number;
  /**
   * Proxies listen with TLS (a throwaway self-signed certificate for 127.0.0.1, made with the
   * openssl binary; `DevStack.proxyCa` trusts it) and register https URLs: for clients that
   * only speak wss/https, such as the `openai` SDK's Realtime client.
   */
  readonly proxyTls?: boolean;
  /** Model version each cluster's simulated replicas report on /v1/models (rollouts); default v1 everywhere. */
  readonly modelVersions?: Readonly<Record<string, string>>;
  /** Gate interval of the rollout controller (`switchyard rollout run`); default 5000 ms. */
  readonly rolloutGateMs?: number;
  readonly log?: (line: string) => void;
}

export interface DevStack {
  readonly topology: DevTopology;
  readonly edgeUrl: string;
  readonly libsqlUrl: string;
  /** The operations dashboard; sign in with `operatorKey`. */
  readonly dashboardUrl: string;
  /** Random per start; every part gets it (env, never argv). Clients of `libsqlUrl` need it too. */
  readonly libsqlAuthToken: string;
  readonly apiKey: string;
  /** Unlocks `/explain` and synthetic requests (`x-switchyard-operator-key`); random per start. */
  readonly operatorKey: string;
  readonly stateDir: string;
  /** The OTLP receiver's base URL (spans go to `/v1/traces`), or null when traces are off. */
  readonly otlpUrl: string | null;
  readonly supervisor: Supervisor;
  /** The proxies' certificate (PEM) when started with `proxyTls`, else null. */
  readonly proxyCa: string | null;
  /** SIGKILL every replica of a cluster (its aggregator keeps running and reports it unhealthy). */
  killCluster(clusterId: string): Promise<void>;
  stop(): Promise<void>;
}

/** The demo key from examples/demo.yaml; apply stores only its SHA-256. */
export const DEMO_API_KEY = 'sk-acme-demo-0123456789abcdef';

interface StackCli {
  command(args: readonly string[]): { command: string; args: string[] };
  dispose(): Promise<void>;
}

/**
 * The CLI the stack's children run: built once per start (`npm run build`'s code, ~1 s), so each of
 * its ~14 processes starts without tsx's loader (~1.2 s less CPU and ~30 MB less each; the images
 * run the same build), from the sources as they are now. Source maps on, so logs name .ts lines.
 * Through tsx (`switchyardCommand`) when the build fails, with a line saying why.
 */
async function stackCli(log: (line: string) => void): Promise<StackCli> {
  try {
    await mkdir(join(ROOT, '.switchyard'), { recursive: true });
    const dist = await buildDist(await mkdtemp(join(ROOT, '.switchyard', 'dist-dev-')));
    return {
      command: (args) => ({ command: process.execPath, args: ['--enable-source-maps', dist.entry, ...args] }),
      dispose: () => rm(dist.outDir, { recursive: true, force: true }),
    };
  } catch (err) {
    log(`  could not build the CLI (${err instanceof Error ? err.message : String(err)}); children run the TypeScript through tsx`);
    return { command: switchyardCommand, dispose: async () => undefined };
  }
}

async function ensureKeys(dir: string): Promise<{ privateJwk: string; jwksFile: string }> {
  const privFile = join(dir, 'signing-key.jwk.json');
  const jwksFile = join(dir, 'public-keys.jwks.json');
  if (!existsSync(privFile) || !existsSync(jwksFile)) {
    await mkdir(dir, { recursive: true });
    const pair = await generateKeyPair(`dev-${new Date().toISOString().slice(0, 10)}`);
    await writeFile(privFile, JSON.stringify(pair.privateJwk), { mode: 0o600 });
    await writeFile(jwksFile, JSON.stringify({ keys: [pair.publicJwk] }, null, 2));
  }
  return { privateJwk: (await readFile(privFile, 'utf8')).trim(), jwksFile };
}

/** examples/demo.yaml with proxy URLs pointed at this stack's ports. */
export async function demoConfig(topology: DevTopology): Promise<string> {
  const doc = parseDocument(await readFile(join(ROOT, 'examples/demo.yaml'), 'utf8'));
  const raw = doc.toJS() as { clusters?: Array<{ proxyId?: string; proxyUrl?: string }> };
  for (const c of raw.clusters ?? []) {
    const p = topology.proxies.find((x) => x.id === c.proxyId);
    if (p !== undefined) c.proxyUrl = p.url;
  }
  return stringify(raw);
}

async function rowsFor(libsqlUrl: string, authToken: string, clusterId: string): Promise<boolean> {
  const c = createClient({ url: libsqlUrl, authToken });
  try {
    const rs = await c.execute({ sql: 'SELECT COUNT(*) AS n FROM cluster_app_state WHERE cluster_id = ?', args: [clusterId] });
    return Number(rs.rows[0]?.['n'] ?? 0) > 0;
  } finally {
    c.close();
  }
}

/** A self-signed certificate for 127.0.0.1 from the real openssl binary (dev and tests only). */
async function selfSignedCert(dir: string): Promise<{ cert: string; key: string; pem: string }> {
  const cert = join(dir, 'proxy-cert.pem');
  const key = join(dir, 'proxy-key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key, pem: await readFile(cert, 'utf8') };
}

function httpsProxies(t: DevTopology): DevTopology {
  return { ...t, proxies: t.proxies.map((p) => ({ ...p, url: p.url.replace(/^http:/, 'https:') })) };
}

export async function startDevStack(o: DevStackOptions): Promise<DevStack> {
  const log = o.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const plain = devTopology({ basePort: o.basePort });
  const topology = o.proxyTls === true ? httpsProxies(plain) : plain;
  const stateDir = resolve(o.stateDir);
  const logDir = join(stateDir, 'logs');
  const dbFile = join(stateDir, 'switchyard.db');
  // Before anything destructive: a second start would otherwise wipe the live stack's database
  // below, and the live stack's libSQL would answer the new one's /health.
  const lock = await claimStack(stateDir, topology, { traces: o.traces !== false });
  const cli = await stackCli(log);
  const sup = new Supervisor(logDir);
  // The bundle `wrangler deploy` would upload, built while the rest starts: no source under the
  // checkout restarts an edge served from it.
  const frozen = o.edge !== 'workerd' && o.frozenEdge === true ? (o.edgeBundleDir ?? join(stateDir, 'edge-bundle')) : null;
  const bundled = frozen === null || o.edgeBundleDir !== undefined ? Promise.resolve('') : wranglerDryRun(frozen);
  bundled.catch(() => undefined); // awaited before the edge starts
  const libsqlUrl = `http://127.0.0.1:${topology.libsqlPort}`;
  const edgeUrl = `http://127.0.0.1:${topology.edgePort}`;
  const dashboardUrl = `http://127.0.0.1:${topology.dashboardPort}`;
  const operatorKey = o.edgeVars?.['EDGE_OPERATOR_KEY'] ?? randomBytes(24).toString('hex');
  // The local libSQL endpoint runs arbitrary SQL for whoever can reach it: only the stack's own
  // parts get this token (issue 11 #6).
  const libsqlAuthToken = randomBytes(24).toString('hex');
  const otlpUrl = o.traces === false ? null : `http://127.0.0.1:${topology.otlpPort}`;
  const otlpEnv: Record<string, string> = otlpUrl === null ? {} : { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${otlpUrl}/v1/traces`, OTEL_TRACES_SAMPLER_ARG: '1' };

  const start = async (spec: ChildSpec): Promise<void> => {
    log(`  starting ${spec.role} [${spec.name}]`);
    await sup.start(spec);
  };

  let tls: { cert: string; key: string; pem: string } | null = null;
  try {
    if (o.fresh) {
      for (const f of [dbFile, `${dbFile}-wal`, `${dbFile}-shm`]) await rm(f, { force: true });
    }
    await mkdir(logDir, { recursive: true });
    await mkdir(join(stateDir, 'aggregators'), { recursive: true });
    const keys = await ensureKeys(join(stateDir, 'keys'));
    if (o.proxyTls === true) tls = await selfSignedCert(join(stateDir, 'keys'));

    await start({
      name: 'libsql',
      role: 'local libSQL endpoint',
      ...cli.command(['libsql-server', '--db', dbFile, '--host', '127.0.0.1', '--port', String(topology.libsqlPort)]),
      env: { LIBSQL_SERVER_AUTH_TOKEN: libsqlAuthToken },
      ready: `${libsqlUrl}/health`,
    });

    const configFile = join(stateDir, 'demo.yaml');
    await writeFile(configFile, await demoConfig(topology));
    const errors: string[] = [];
    const code = await runApply({
      file: configFile,
      dbUrl: libsqlUrl,
      authToken: libsqlAuthToken,
      dryRun: false,
      now: Date.now(),
      out: (l) => log(`    apply: ${l}`),
      err: (l) => errors.push(l),
    });
    if (code !== 0) throw new Error(`applying the demo config failed:\n${errors.join('\n')}`);

    if (otlpUrl !== null) {
      await start({
        name: 'otlp-receiver',
        role: 'OTLP trace receiver (spans into libSQL)',
        ...cli.command(['otlp-receiver', '--db', libsqlUrl, '--host', '127.0.0.1', '--port', String(topology.otlpPort)]),
        env: { LIBSQL_AUTH_TOKEN: libsqlAuthToken },
        ready: `${otlpUrl}/health`,
      });
    }

    await Promise.all(
      topology.clusters.map((c) =>
        start({
          name: `sim-${c.id}`,
          role: `simulated GPU cluster (${c.id})`,
          ...cli.command([
            'sim-cluster',
            '--cluster-id', c.id,
            '--replica-id', 'r0',
            '--replicas', String(c.replicas),
            '--port', String(c.firstPort),
            '--host', '127.0.0.1',
            '--model', 'demo-llm',
            '--model-version', o.modelVersions?.[c.id] ?? 'v1',
            '--gpu-type', c.gpuType,
            '--slots', String(c.slotsPerReplica),
            '--tokens-per-second', String(c.tokensPerSecond),
            '--cold-start-ms', String(c.coldStartMs),
          ]),
          ready: `${replicaUrls(c).at(-1) ?? ''}/health`,
        }),
      ),
    );

    await Promise.all(
      topology.clusters.map(async (c) => {
        const file = join(stateDir, 'aggregators', `${c.id}.yaml`);
        const proxy = topology.proxies.find((p) => p.id === c.proxyId);
        await writeFile(
          file,
          stringify({
            cluster: { id: c.id, region: c.region, provider: c.provider, proxyUrl: proxy?.url, proxyId: c.proxyId },
            gpus: { [c.gpuType]: c.pricePerHour },
            headroom: { warm: c.warm, cold: c.cold },
            apps: Object.fromEntries(
              c.apps.map((a) => [a, { replicas: replicaUrls(c), slotsPerReplica: c.slotsPerReplica, gpuType: c.gpuType }]),
            ),
            intervalMs: o.aggregatorIntervalMs ?? 1000,
            db: { url: libsqlUrl },
          }),
        );
        await start({
          name: `aggregator-${c.id}`,
          role: `cluster aggregator (${c.id})`,
          ...cli.command(['aggregator', '--config', file]),
          env: { LIBSQL_AUTH_TOKEN: libsqlAuthToken },
          ready: () => rowsFor(libsqlUrl, libsqlAuthToken, c.id),
        });
      }),
    );

    await Promise.all(
      topology.proxies.map((p) =>
        start({
          name: p.id,
          role: `regional proxy (${p.region})`,
          ...cli.command([
            'proxy',
            '--id', p.id,
            '--region', p.region,
            '--host', '127.0.0.1',
            '--port', String(p.port),
            '--public-url', p.url,
            '--db', libsqlUrl,
            '--jwks-file', keys.jwksFile,
            '--admin-port', String(p.adminPort),
            // One process per proxy in the dev stack: `switchyard proxy` defaults to one per core.
            '--workers', '1',
          ]),
          env: {
            // The canonical name, so a LIBSQL_AUTH_TOKEN inherited from the shell is replaced, not contradicted.
            LIBSQL_AUTH_TOKEN: libsqlAuthToken,
            // Where a draining proxy sends its clients back to (drain hand-off).
            PROXY_EDGE_URL: edgeUrl,
            ...(tls !== null ? { PROXY_TLS_CERT_FILE: tls.cert, PROXY_TLS_KEY_FILE: tls.key } : {}),
            ...otlpEnv,
          },
          ready: `${p.adminUrl}/_switchyard/health`,
        }),
      ),
    );

    // The rollout controller: gates and steps of `switchyard rollout start` (control/rollout/).
    await start({
      name: 'rollout-controller',
      role: 'rollout controller (gates, steps)',
      ...cli.command(['rollout', 'run', '--db', libsqlUrl, '--interval-ms', String(o.rolloutGateMs ?? 5000)]),
      env: { LIBSQL_AUTH_TOKEN: libsqlAuthToken },
      ready: async () => true,
    });

    // Started alongside the edge (both only read the database), so it adds no time to a start.
    const dashboardStarted = start({
      name: 'dashboard',
      role: 'operations dashboard',
      ...cli.command([
        'dashboard',
        '--db', libsqlUrl,
        '--host', '127.0.0.1',
        '--port', String(topology.dashboardPort),
        '--poll-ms', String(o.dashboardPollMs ?? 1000),
        '--reports-dir', join(ROOT, 'reports'),
      ]),
      // Secrets by env, never argv: the operator key gates the dashboard like the edge's /explain.
      env: { LIBSQL_AUTH_TOKEN: libsqlAuthToken, SWITCHYARD_OPERATOR_KEY: operatorKey },
      ready: `${dashboardUrl}/health`,
    });
    dashboardStarted.catch(() => undefined); // awaited below with the edge

    const envFile = join(stateDir, 'edge.env');
    const edgeVars: Record<string, string> = {
      LIBSQL_URL: libsqlUrl,
      LIBSQL_AUTH_TOKEN: libsqlAuthToken,
      TOKEN_SIGNING_KEY: keys.privateJwk,
      // Lets the demo and the e2e tests say where a client is (there is no request.cf locally).
      EDGE_TRUST_DEV_LOCATION: 'on',
      EDGE_OPERATOR_KEY: operatorKey,
      ...(otlpUrl === null ? {} : { EDGE_OTLP_TRACES_URL: `${otlpUrl}/v1/traces` }),
      ...o.edgeVars,
    };
    // Single quotes: dotenv keeps the value literally (the JWK's JSON has double quotes, never single).
    if (Object.values(edgeVars).some((v) => v.includes("'") || v.includes('\n'))) throw new Error('edge variables may not contain quotes or newlines');
    await writeFile(envFile, Object.entries(edgeVars).map(([k, v]) => `${k}='${v}'`).join('\n') + '\n', { mode: 0o600 });
    const workerdEdge: ChildSpec = {
      name: 'edge',
      role: 'edge Worker (self-hosted workerd)',
      ...cli.command(['edge', '--workerd', '--host', '127.0.0.1', '--port', String(topology.edgePort), '--env-file', envFile, '--out-dir', join(stateDir, 'workerd')]),
      ready: `${edgeUrl}/health`,
      readyTimeoutMs: 90_000,
    };
    if (frozen !== null) await bundled;
    await start(o.edge === 'workerd' ? workerdEdge : {
      name: 'edge',
      role: 'edge Worker (wrangler dev / workerd)',
      command: process.execPath,
      args: wranglerDevArgs({
        configFile: join(ROOT, 'wrangler.toml'),
        bundle: frozen === null ? null : join(frozen, BUNDLE_FILE),
        port: topology.edgePort,
        envFile,
        persistTo: join(stateDir, 'wrangler'),
      }),
      env: { ...WRANGLER_DEV_ENV },
      ready: `${edgeUrl}/health`,
      readyTimeoutMs: 90_000,
    });
    await dashboardStarted;
  } catch (err) {
    await sup.stopAll(2_000);
    await cli.dispose();
    await lock.release();
    throw err;
  }

  return {
    topology,
    edgeUrl,
    libsqlUrl,
    dashboardUrl,
    libsqlAuthToken,
    apiKey: DEMO_API_KEY,
    operatorKey,
    stateDir,
    otlpUrl,
    supervisor: sup,
    proxyCa: tls?.pem ?? null,
    killCluster: (id) => sup.kill(`sim-${id}`),
    stop: async () => {
      await sup.stopAll();
      await cli.dispose();
      await lock.release();
    },
  };
}
