import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { gpusInUse, podStartups, readyReplicaUrls, replicasThatFit } from './kubernetes-capacity.ts';

const pod = (ip: string | undefined, ready: boolean, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: `p-${ip ?? 'none'}` },
  status: { ...(ip === undefined ? {} : { podIP: ip }), phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  ...extra,
});
const gpuPod = (node: string, gpus: string, phase = 'Running'): V1Pod => ({
  spec: { nodeName: node, containers: [{ name: 'c', resources: { requests: { 'nvidia.com/gpu': gpus } } }] },
  status: { phase },
});
const node = (name: string, gpus: string, ready = true, unschedulable = false): V1Node => ({
  metadata: { name },
  spec: { unschedulable },
  status: { allocatable: { 'nvidia.com/gpu': gpus }, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('readyReplicaUrls', () => {
  it.each<[string, V1Pod[], string[]]>([
    ['ready pods with IPs, sorted', [pod('10.0.0.9', true), pod('10.0.0.2', true)], ['http://10.0.0.2:8000', 'http://10.0.0.9:8000']],
    ['not ready is left out', [pod('10.0.0.2', false)], []],
    ['no IP yet is left out', [pod(undefined, true)], []],
    ['being deleted is left out', [pod('10.0.0.2', true, { metadata: { deletionTimestamp: new Date(0) } })], []],
    ['IPv6 is bracketed', [pod('fd00::5', true)], ['http://[fd00::5]:8000']],
  ])('%s', (_name, pods, urls) => {
    expect(readyReplicaUrls(pods, { port: 8000, scheme: 'http' })).toEqual(urls);
  });
});

describe('warm capacity from nodes', () => {
  const spec = { gpuResource: 'nvidia.com/gpu', gpusPerReplica: 2 };
  it.each<[string, V1Node[], V1Pod[], number]>([
    ['an empty 8-GPU node fits 4 replicas', [node('n1', '8')], [], 4],
    ['GPUs in use are subtracted', [node('n1', '8')], [gpuPod('n1', '5')], 1],
    ['finished pods hold no GPUs', [node('n1', '8')], [gpuPod('n1', '8', 'Succeeded')], 4],
    ['not-ready and cordoned nodes count for nothing', [node('n1', '8', false), node('n2', '8', true, true)], [], 0],
    ['a remainder below one replica is not a replica', [node('n1', '3'), node('n2', '3')], [], 2],
    ['a node without GPUs fits none', [node('n1', '0')], [], 0],
  ])('%s', (_name, nodes, pods, expected) => {
    expect(replicasThatFit(nodes, gpusInUse(pods, spec.gpuResource), spec)).toBe(expected);
  });
});

describe('start-ups timed by Kubernetes', () => {
  const T = Date.parse('2026-11-30T10:00:00Z');
  const started = (name: string, scheduledAfterS: number | null, readyAfterS: number | null, extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
    metadata: { name, uid: `uid-${name}`, creationTimestamp: new Date(T), ...extra },
    status: {
      conditions: [
        ...(scheduledAfterS === null ? [] : [{ type: 'PodScheduled', status: 'True', lastTransitionTime: new Date(T + scheduledAfterS * 1000) }]),
        ...(readyAfterS === null ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(T + readyAfterS * 1000) }]),
      ],
    },
  });
  it.each<[string, V1Pod[], string[], Array<{ uid: string; ms: number; tier: string }>]>([
    ['scheduled at once: warm, creation to Ready', [started('a', 0.2, 40)], [], [{ uid: 'uid-a', ms: 40_000, tier: 'warm' }]],
    ['the autoscaler added a node for it: cold', [started('a', 0.2, 40)], ['a'], [{ uid: 'uid-a', ms: 40_000, tier: 'cold' }]],
    ['unscheduled for minutes (event expired): cold', [started('a', 300, 420)], [], [{ uid: 'uid-a', ms: 420_000, tier: 'cold' }]],
    ['not Ready yet: nothing', [started('a', 0.2, null)], [], []],
    ['being deleted: nothing', [started('a', 0.2, 40, { deletionTimestamp: new Date(T + 60_000) })], [], []],
    ['Ready before creation (clock skew): nothing', [started('a', 0, -5)], [], []],
    ['no uid: nothing', [started('a', 0.2, 40, { uid: undefined })], [], []],
  ])('%s', (_name, pods, scaledUp, want) => {
    expect(podStartups(pods, new Set(scaledUp))).toEqual(want);
  });
});
