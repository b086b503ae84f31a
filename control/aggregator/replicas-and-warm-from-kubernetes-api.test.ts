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
import { kubernetesReader, readClusterView, type KubernetesReader } from './kubernetes-view.ts';
import { startAggregator, type Aggregator } from './start-aggregator.ts';
import { aggregatorConfig, startReplicas, tempDb, type TempDb } from './test-fixtures.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/kubernetes');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

let replica: SimCluster;
let db: TempDb;
let api: http.Server;
let agg: Aggregator;
let apiDown = false;
let autoscalerMissing = false;
let reader: KubernetesReader;
const requests: Array<{ path: string; auth: string | undefined }> = [];

/** The app's pods: one Ready (the local replica), one starting, one being deleted. */
function appPods(port: number): string {
  // Created 21:50:00, scheduled 0.3 s later, Ready 42 s later: a 42 s warm start-up.
  const pod = (name: string, ip: string, ready: boolean, deleting = false): unknown => ({
    metadata: { name, uid: `uid-${name}`, namespace: 'inference', labels: { app: 'vllm-chat' }, creationTimestamp: '2026-11-30T21:50:00Z', ...(deleting ? { deletionTimestamp: '2026-11-30T21:59:00Z' } : {}) },
    spec: { nodeName: 'gpu-h100-a', containers: [{ name: 'vllm', ports: [{ containerPort: port }] }] },
    status: {
      phase: 'Running',
      podIP: ip,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-30T21:50:00.300Z' },
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-11-30T21:50:42Z' },
      ],
    },
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
            : path === '/api/v1/namespaces/inference/events'
              ? JSON.stringify({ kind: 'EventList', apiVersion: 'v1', metadata: {}, items: [{ metadata: { name: 'vllm-chat-1.1' }, reason: 'TriggeredScaleUp', involvedObject: { kind: 'Pod', name: 'vllm-chat-1' } }] })
              : path === '/api/v1/namespaces/kube-system/configmaps/cluster-autoscaler-status' && !autoscalerMissing
                ? JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cluster-autoscaler-status' }, data: { status: fixture('autoscaler-status-yaml.txt') } })
                : null;
    if (body === null && !apiDown && path?.endsWith('/configmaps/cluster-autoscaler-status') === true) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
    }
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
    kubernetes: { namespace: 'inference', selector: 'app=vllm-chat', port, scheme: 'http', nodeSelector: 'nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3', gpuResource: 'nvidia.com/gpu', gpusPerReplica: 2, coldNodeGroups: { match: '^gpu-h100-', gpusPerNode: 8 } },
  };
  db = await tempDb('agg-k8s-');
  reader = kubernetesReader(kc);
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

  it('reports the node groups the autoscaler may still grow as cold, and start-ups timed by Kubernetes', async () => {
    const r = await agg.tickNow();
    const state = r.snapshot.states[0];
    // gpu-h100-pool-a may add 8 − 3 = 5 nodes, pool-b 2 − 1 = 1 (cpu-general does not match):
    // 6 nodes × (8 GPUs / 2 per replica) × 2 slots.
    expect(state?.cold).toBe(48);
    // vllm-chat-0: created → Ready in 42 s, scheduled at once: warm. vllm-chat-1 (scaled up) is
    // not Ready yet and the deleting pod does not count.
    expect(state?.warmStartMs).toBe(42_000);
    expect(state?.coldStartMs).toBeNull();
  });

  it('without a cluster-autoscaler, cold stays what the config says', async () => {
    autoscalerMissing = true;
    try {
      const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 2, replicas: [], warm: null, cold: 7, kubernetes: { namespace: 'inference', selector: 'app=vllm-chat', port: 1, scheme: 'http' as const, nodeSelector: null, gpuResource: 'nvidia.com/gpu', gpusPerReplica: 2, coldNodeGroups: { match: '^gpu-', gpusPerNode: 8 } } };
      const view = await readClusterView(reader, [app]);
      expect(view.coldSlots.has('acme/chat')).toBe(false);
    } finally {
      autoscalerMissing = false;
    }
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
