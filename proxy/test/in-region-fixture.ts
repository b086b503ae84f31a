/**
 * An in-region proxy over a real migrated libSQL file database: project `acme` with an API
 * key, cluster `c1` in region `r1` (this proxy's) whose replica is `upstreamUrl`, cluster `c2`
 * in `r2`, and apps `acme/chat` (auth required, on c1 and c2) and `acme/open` (auth disabled,
 * on c1). For the in-region tests and bench/in-region.ts.
 */
import type { Client } from '@libsql/client';
import type { SnapshotReader } from '../../shared/snapshot/index.ts';
import pino from 'pino';
import { createServiceKey } from '../../control/cli/commands/service-keys.ts';
import { hashApiKey } from '../../control/config/api-key-hash.ts';
import { pushClusterState } from '../../control/store/push-cluster-state.ts';
import { openTempStore, sampleApp, sampleCluster, sampleState, type TempStore } from '../../control/store/test-fixtures.ts';
import { upsertApiKey } from '../../control/store/upsert-api-key.ts';
import { upsertApp } from '../../control/store/upsert-app.ts';
import { upsertCluster } from '../../control/store/upsert-cluster.ts';
import { upsertProject } from '../../control/store/upsert-project.ts';
import { DEFAULT_REQUEST_RULES, type AppLimits } from '../../shared/domain/types.ts';
import { startProxy, type RunningProxy } from '../src/proxy.ts';
import { libsqlProxyStore } from '../src/store.ts';
import { PROXY_ID, testConfig, testKeys } from './harness.ts';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const API_KEY = 'sk-acme-in-region-test-0123456789';

export interface InRegionFixture {
  readonly proxy: RunningProxy;
  readonly client: Client;
  /** The database's URL (a `file:` one), for readers that open their own client (replay). */
  readonly url: string;
  /** A new service key opening `appId`. */
  serviceKey(appId: string): Promise<string>;
  close(): Promise<void>;
}

/** The database the fixture's proxy reads: project, key, clusters, apps, c1's replica. */
export async function seedInRegionDb(upstreamUrl: string, o: { forwardAuthorization?: boolean; chatLimits?: AppLimits } = {}): Promise<TempStore> {
  const store: TempStore = await openTempStore();
  const db = store.client;
  const now = Date.now();
  await upsertProject(db, { id: 'acme', name: 'Acme' }, now);
  await upsertApiKey(db, { id: 'k1', projectId: 'acme', hash: hashApiKey(API_KEY), revoked: false }, now);
  await upsertCluster(db, sampleCluster('c1', { region: 'r1', proxyId: PROXY_ID }), now);
  await upsertCluster(db, sampleCluster('c2', { region: 'r2', proxyId: 'proxy-r2' }), now);
  const requests = { ...DEFAULT_REQUEST_RULES, forwardAuthorization: o.forwardAuthorization ?? false };
  await upsertApp(db, sampleApp('acme', 'chat', { clusters: ['c1', 'c2'], authRequired: true, requests, ...(o.chatLimits === undefined ? {} : { limits: o.chatLimits }) }), now);
  await upsertApp(db, sampleApp('acme', 'open', { clusters: ['c1'], authRequired: false, requests }), now);
  await pushClusterState(db, 'c1', {
    states: ['acme/chat', 'acme/open'].map((appId) => sampleState('c1', appId, { observedAt: now })),
    status: { clusterId: 'c1', health: 'healthy', circuitOpen: false, draining: false, observedAt: now },
    endpoints: ['acme/chat', 'acme/open'].map((appId) => ({ appId, url: upstreamUrl, healthy: true, weight: 1 })),
  }, now);
  return store;
}

export async function startInRegionFixture(
  upstreamUrl: string,
  o: {
    forwardAuthorization?: boolean;
    chatLimits?: AppLimits;
    proxyConfig?: Record<string, unknown>;
    /** The client the proxy is given, around the real one (a failing database). */
    wrapDb?: (client: Client) => Client;
    logger?: pino.Logger;
  } = {},
): Promise<InRegionFixture> {
  const store = await seedInRegionDb(upstreamUrl, o);
  const db = store.client;
  const keys = await testKeys();
  const dir = await mkdtemp(join(tmpdir(), 'sy-in-region-'));
  const config = await testConfig(dir, { endpoints: [], jwks: keys.jwks, config: { region: 'r1', endpointsFile: null, storeUrl: store.url, ...o.proxyConfig } });
  const proxy = await startProxy(config, { logger: o.logger ?? pino({ level: 'silent' }), store: libsqlProxyStore(db), db: o.wrapDb?.(db) ?? db });
  return {
    proxy,
    client: db,
    url: store.url,
    serviceKey: async (appId) => (await createServiceKey(db, appId, undefined, Date.now())).key,
    async close() {
      await proxy.close();
      store.dispose();
    },
  };
}

/** A snapshot reader over `client` whose reads wait until `release()`; `reading()` counts those waiting. */
export function heldSnapshotReader(client: Client): { reader: SnapshotReader; reading: () => number; release: () => void } {
  let release = (): void => undefined;
  const held = new Promise<void>((r) => (release = r));
  let reading = 0;
  const reader: SnapshotReader = {
    batch: async (statements, mode) => {
      reading += 1;
      await held;
      reading -= 1;
      return client.batch(statements, mode);
    },
  };
  return { reader, reading: () => reading, release: () => release() };
}
