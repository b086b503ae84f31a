/**
 * A proxy in this process whose libSQL is slow for chosen statements: the project's libSQL server
 * over the in-region fixture's database (`acme/open` takes keyless in-region calls, and async jobs
 * of it), reached by the proxy's real store client through a relay that holds the requests
 * `hold` matches (holding-libsql-relay.ts). Clients come from distinct loopback addresses
 * (`send(from, …)`), so the proxy sees each as another client. Registers beforeAll/afterAll.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@libsql/client';
import pino from 'pino';
import { Agent, request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { startHranaServer, type HranaServer } from '../../control/hrana/server.ts';
import type { TempStore } from '../../control/store/test-fixtures.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { openStoreClient } from '../src/store-client.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { useServer } from './async-jobs-fixture.ts';
import { testConfig, testKeys } from './harness.ts';
import { startHoldingRelay, type HoldingRelay } from './holding-libsql-relay.ts';
import { seedInRegionDb } from './in-region-fixture.ts';

export interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  /** The refusal's `error.code`, when the body is one. */
  readonly code: string | undefined;
  readonly body: string;
}

export interface SlowLibsqlProxy {
  readonly proxy: RunningProxy;
  readonly relay: HoldingRelay;
  /** The database directly (seeding, checks), not through the relay. */
  readonly db: Client;
  /** A request from loopback address `from` (127.0.0.x). */
  send(from: string, path: string, init?: { method?: string; body?: string; headers?: Record<string, string> }): Promise<Answer>;
  /** `switchyard_proxy_refusals_total{code}` on the admin listener. */
  refusals(code: string): Promise<number>;
}

/** `slowMs`: the relay is slow for `hold`'s requests from the start (each forwarded that much later) instead of holding them until `release`. */
export function useSlowLibsqlProxy(hold: (body: string) => boolean, proxyConfig: Record<string, unknown> = {}, slowMs = 0): SlowLibsqlProxy {
  const upstream = useServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end('done'));
  });
  let store: TempStore | undefined;
  let hrana: HranaServer | undefined;
  let relay: HoldingRelay | undefined;
  let client: Client | null = null;
  let proxy: RunningProxy | undefined;
  let dir = '';
  const agents = new Map<string, Agent>();
  beforeAll(async () => {
    store = await seedInRegionDb(upstream.url());
    hrana = await startHranaServer({ dbPath: store.path, port: 0 });
    relay = await startHoldingRelay(hrana.url, hold, slowMs);
    if (slowMs > 0) relay.release();
    client = await openStoreClient({ storeUrl: relay.url, storeAuthToken: null });
    if (client === null) throw new Error('no store client');
    dir = await mkdtemp(join(tmpdir(), 'sy-slow-libsql-'));
    const keys = await testKeys();
    const config = await testConfig(dir, { endpoints: [], jwks: keys.jwks, config: { region: 'r1', endpointsFile: null, storeUrl: relay.url, jobsDir: join(dir, 'jobs'), ...proxyConfig } });
    proxy = await startProxy(config, { logger: pino({ level: 'silent' }), store: libsqlProxyStore(client), db: client });
  });
  afterAll(async () => {
    relay?.release();
    await proxy?.close();
    client?.close();
    for (const a of agents.values()) await a.close();
    await relay?.close();
    await hrana?.close();
    store?.dispose();
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is made in beforeAll`);
    return v;
  };
  const from = (addr: string): Agent => {
    let a = agents.get(addr);
    if (a === undefined) {
      a = new Agent({ localAddress: addr });
      agents.set(addr, a);
    }
    return a;
  };
  return {
    get proxy() {
      return ready(proxy, 'the proxy');
    },
    get relay() {
      return ready(relay, 'the relay');
    },
    get db() {
      return ready(store, 'the database').client;
    },
    async send(addr, path, init = {}) {
      const res = await request(`${ready(proxy, 'the proxy').url}${path}`, {
        method: (init.method ?? 'GET') as 'GET',
        dispatcher: from(addr),
        ...(init.body === undefined ? {} : { body: init.body }),
        headers: init.headers ?? {},
      });
      const body = await res.body.text();
      let code: string | undefined;
      try {
        code = (JSON.parse(body) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      const ra = res.headers['retry-after'];
      return { status: res.statusCode, retryAfter: Array.isArray(ra) ? ra[0] : ra, code, body };
    },
    async refusals(code) {
      const text = await (await request(`${ready(proxy, 'the proxy').adminUrl}/_switchyard/metrics`)).body.text();
      const m = new RegExp(`switchyard_proxy_refusals_total\\{code="${code}"\\} (\\d+)`).exec(text);
      return Number(m?.[1] ?? 0);
    },
  };
}

/** Within `ms`, or the error says what did not happen (a bound far above a healthy answer's time). */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
