/**
 * Test harness for proxy scenarios: real sim-cluster replicas, real Ed25519
 * keys and tokens, a real proxy on 127.0.0.1:0 reading a real endpoints file,
 * and a raw HTTP/1.1 client that records chunks as they arrive.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateKeyPair,
  importSigningKey,
  signRoutingToken,
  type SigningKey,
} from '../../shared/tokens/index.ts';
import pino from 'pino';
import { startSimCluster, type SimCluster } from '../../control/sim-cluster/server.ts';
import type { SimClusterOptions } from '../../control/sim-cluster/options.ts';
import { parseProxyConfig, type ProxyConfig } from '../src/config.ts';
import { startProxy, type ProxyDeps, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { openStoreClient } from '../src/store-client.ts';
import { startProxyInWorkers, workersFromEnv } from './proxy-in-workers.ts';

export const APP = 'acme/chat';
export const PROXY_ID = 'proxy-test';

export async function startReplica(
  clusterId: string,
  replicaId: string,
  overrides: Partial<SimClusterOptions> = {},
): Promise<SimCluster> {
  return startSimCluster({
    clusterId,
    replicaId,
    port: 0,
    model: 'demo-llm',
    slots: 8,
    queue: 64,
    tokensPerSecond: 200,
    coldStartMs: 0,
    gpuType: 'H100',
    ...overrides,
  });
}

export interface TestKeys {
  readonly jwks: string;
  mint(
    claims?: Partial<{
      aud: string;
      app: string;
      fn: string;
      cluster: string;
      fallbacks: string[];
      did: string;
      now: number;
      ttlSeconds: number;
      issuer: string;
      /** Trace context claim (the edge's traceparent). */
      tp: string;
      /** The matched app route (its limits apply). */
      rt: string;
    }>,
  ): Promise<string>;
  /** Same kid, different private key: a forgery. */
  forge(claims?: Parameters<TestKeys['mint']>[0]): Promise<string>;
}

/** Real keys from shared/tokens; the proxy trusts only the first pair. */
export async function testKeys(kid = 'k1'): Promise<TestKeys> {
  const good = await generateKeyPair(kid);
  const evil = await generateKeyPair(kid);
  const goodKey = await importSigningKey(good.privateJwk);
  const evilKey = await importSigningKey(evil.privateJwk);
  const sign =
    (key: SigningKey) =>
    (c: Parameters<TestKeys['mint']>[0] = {}) =>
      signRoutingToken(
        {
          aud: c.aud ?? PROXY_ID,
          app: c.app ?? APP,
          fn: c.fn ?? '*',
          cluster: c.cluster ?? 'c1',
          fallbacks: c.fallbacks ?? [],
          did: c.did ?? randomUUID(),
          ...(c.tp === undefined ? {} : { tp: c.tp }),
          ...(c.rt === undefined ? {} : { rt: c.rt }),
        },
        key,
        { now: c.now ?? Date.now(), ttlSeconds: c.ttlSeconds ?? 60, ...(c.issuer === undefined ? {} : { issuer: c.issuer }) },
      );
  return {
    jwks: JSON.stringify({ keys: [good.publicJwk] }),
    mint: sign(goodKey),
    forge: sign(evilKey),
  };
}

export interface ProxyFixture {
  readonly endpoints: ReadonlyArray<{ cluster: string; app?: string; url: string }>;
  readonly apps?: ReadonlyArray<Record<string, unknown>>;
  /** `projects: [{ id, tokenBudget }]` of the endpoints file. */
  readonly projects?: ReadonlyArray<Record<string, unknown>>;
  readonly config?: Record<string, unknown>;
  readonly jwks?: string;
  readonly deps?: ProxyDeps;
}

/** The fixture's config as ProxyConfig keys (what flags or a `--config` file would hold). */
async function testFlags(dir: string, f: ProxyFixture): Promise<Record<string, unknown>> {
  const endpointsFile = join(dir, 'endpoints.json');
  await writeFile(
    endpointsFile,
    JSON.stringify({ endpoints: f.endpoints.map((e) => ({ app: APP, ...e })), apps: f.apps ?? [], projects: f.projects ?? [] }),
  );
  return {
    id: PROXY_ID,
    port: 0,
    endpointsFile,
    logLevel: 'silent',
    healthCheckIntervalMs: 60_000,
    ...(f.jwks !== undefined ? { jwks: f.jwks } : { authDisabled: true }),
    ...f.config,
  };
}

export async function testConfig(dir: string, f: ProxyFixture): Promise<ProxyConfig> {
  const parsed = parseProxyConfig({ flags: await testFlags(dir, f) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config;
}

/**
 * The proxy under test: in this process, or with `SY_TEST_PROXY_WORKERS=N` as N worker
 * processes behind one port, the way `switchyard proxy` runs by default (proxy-in-workers.ts).
 */
export async function startTestProxy(f: ProxyFixture): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-'));
  const workers = workersFromEnv();
  if (workers !== null) {
    if (f.deps !== undefined) throw new Error('injected deps exist only for an in-process proxy: leave this test out of the proxy-workers list');
    return startProxyInWorkers(dir, await testFlags(dir, f), workers);
  }
  const config = await testConfig(dir, f);
  const client = f.deps?.store === undefined ? await openStoreClient(config) : null;
  if (client === null) return startProxy(config, { logger: pino({ level: 'silent' }), ...f.deps });
  // A `storeUrl` in the fixture's config: libSQL wired as `switchyard proxy` wires it (server.ts).
  const proxy = await startProxy(config, { logger: pino({ level: 'silent' }), store: libsqlProxyStore(client), db: client, ...f.deps });
  return { ...proxy, close: () => proxy.close().finally(() => client.close()) };
}

/** The admin listener's Prometheus scrape: what an operator sees (one sum over every worker). */
export async function scrapeMetrics(proxy: RunningProxy): Promise<string> {
  return (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text();
}

/**
 * The pids serving the proxy: its workers' (the primary's health answer) in worker mode, else this
 * process's. A change means a process died under the test (in-process, vitest reports the crash).
 */
export async function servingPids(proxy: RunningProxy): Promise<number[]> {
  if (workersFromEnv() === null) return [process.pid];
  const health = (await (await fetch(`${proxy.adminUrl}/_switchyard/health`)).json()) as { pids?: number[] };
  return [...(health.pids ?? [])].sort((a, b) => a - b);
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly chunks: readonly { readonly at: number; readonly text: string }[];
  readonly body: string;
  /** False when the response ended without a clean end (aborted / cut mid-body). */
  readonly complete: boolean;
}

export function rawRequest(
  baseUrl: string,
  init: {
    method?: string;
    path: string;
    body?: string;
    headers?: Record<string, string>;
    onChunk?: (text: string) => void;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      new URL(init.path, baseUrl),
      {
        method: init.method ?? 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
      },
      (res) => {
        const chunks: { at: number; text: string }[] = [];
        let ended = false;
        res.setEncoding('utf8');
        res.on('data', (text: string) => {
          chunks.push({ at: performance.now() - started, text });
          init.onChunk?.(text);
        });
        res.on('end', () => (ended = true));
        res.on('error', () => undefined);
        res.on('close', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            chunks,
            body: chunks.map((c) => c.text).join(''),
            complete: ended && res.complete,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export const chatBody = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({
    model: 'demo-llm',
    messages: [{ role: 'user', content: 'say something nice' }],
    ...extra,
  });

export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}

export async function waitFor(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
