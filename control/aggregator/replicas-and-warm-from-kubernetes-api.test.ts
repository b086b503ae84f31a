/**
 * An app with a `kubernetes` block: the aggregator reads its replicas (Ready pods) and its warm
 * headroom (free GPUs on Ready, schedulable nodes of its GPU type) through the official client,
 * pointed at a local server that answers with API responses; the discovered replica is scraped
 * for real. When the API fails, the last view is kept.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim-cluster/server.ts';
import type { WatchedApp } from './aggregator-config.ts';
import { kubernetesReader, readClusterView } from './kubernetes-view.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, tempDb, type TempDb } from './test-fixtures.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/kubernetes');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

let replica: SimCluster;
let db: TempDb;
let api: http.Server;
let agg: Aggregator;
let apiDown = false;
const requests: Array<{ path: string; auth: string | undefined }> = [];

/** The app's pods: one Ready (the local replica), one starting, one being deleted. */
function appPods(port: number): string {
  const pod = (name: string, ip: string, ready: boolean, deleting = false): unknown => ({
    metadata: { name, namespace: 'inference', labels: { app: 'vllm-chat' }, ...(deleting ? { deletionTimestamp: '2026-11-30T21:59:00Z' } : {}) },
    spec: { nodeName: 'gpu-h100-a', containers: [{ name: 'vllm', ports: [{ containerPort: port }] }] },
    status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  });
  return JSON.stringify({
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: { resourceVersion: '981241' },
    items: [pod('vllm-chat-0', '127.0.0.1', true), pod('vllm-chat-1', '127.0.0.2', false), pod('vllm-chat-old', '127.0.0.3', true, true)],
  });
}

beforeAll(async () => {
  [replica] = (await startReplicas(1, 2)) as [SimCluster];
  const port = Number(new URL(replica.url).port);
  api = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', auth: req.headers.authorization });
    const path = (req.url ?? '').split('?')[0];
    const body = apiDown
      ? null
      : path === '/api/v1/namespaces/inference/pods'
        ? appPods(port)
        : path === '/api/v1/nodes'
          ? fixture('nodes-h100.json')
          : path === '/api/v1/pods'
            ? fixture('pods-all-running.json')
            : null;
    res.writeHead(body === null ? 500 : 200, { 'content-type': 'application/json' });
    res.end(body ?? JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500 }));
  });
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'aggregator', token: 'service-account-token' }],
    contexts: [{ name: 'test', cluster: 'test', user: 'aggregator' }],
    currentContext: 'test',
  });
  const app: WatchedApp = {
    appId: 'acme/chat',
    gpuType: 'H100',
    slotsPerReplica: 2,
    replicas: [],
    warm: null,
    cold: null,
    kubernetes: { namespace: 'inference', selector: 'app=vllm-chat', port, scheme: 'http', nodeSelector: 'nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3', gpuResource: 'nvidia.com/gpu', gpusPerReplica: 2 },
  };
  db = await tempDb('agg-k8s-');
  const reader = kubernetesReader(kc);
  agg = startAggregator(aggregatorConfig([app], { intervalMs: 3_600_000 }), { client: db.store.client, clusterView: () => readClusterView(reader, [app]) });
});

afterAll(async () => {
  await agg.stop();
  await replica.close();
  await new Promise<void>((r) => api.close(() => r()));
  db.cleanup();
});

describe('aggregator reading the Kubernetes API', () => {
  it('scrapes the Ready pods as replicas and reports free GPUs on schedulable nodes as warm', async () => {
    const r = await agg.tickNow();
    expect(r.error).toBeNull();
    expect(r.snapshot.endpoints.map((e) => e.url)).toEqual([replica.url]);
    expect(r.snapshot.endpoints[0]?.healthy).toBe(true);
    const state = r.snapshot.states[0];
    expect(state?.hotFree).toBe(2); // the one Ready pod, scraped: 2 free slots
    // gpu-h100-a: 8 − 2 (vllm-chat-0) − 2 (train) = 4 free → 2 replicas of 2 GPUs; the finished
    // eval pod holds none; gpu-h100-b is cordoned; gpu-h100-c is full. 2 replicas × 2 slots.
    expect(state?.warm).toBe(4);
    expect(requests.some((q) => q.path === '/api/v1/namespaces/inference/pods?labelSelector=app%3Dvllm-chat')).toBe(true);
    expect(requests.some((q) => q.path.startsWith('/api/v1/nodes?labelSelector=nvidia.com%2Fgpu.product%3DNVIDIA-H100-80GB-HBM3'))).toBe(true);
    expect(requests.every((q) => q.auth === 'Bearer service-account-token')).toBe(true);
  });

  it('keeps the last view while the API fails', async () => {
    apiDown = true;
    try {
      const r = await agg.tickNow();
      expect(r.error).toBeNull();
      expect(r.snapshot.endpoints.map((e) => e.url)).toEqual([replica.url]);
      expect(r.snapshot.states[0]?.warm).toBe(4);
    } finally {
      apiDown = false;
    }
  });
});
