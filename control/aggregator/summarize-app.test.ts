import { describe, expect, it } from 'vitest';
import type { ClusterAppState } from '../../shared/domain/types.ts';
import { clusterHealth, summarizeApp, type ReplicaObservation } from './summarize-app.ts';

const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: [], warm: null, cold: null };
const ok = (running: number, waiting = 0): ReplicaObservation => ({ url: 'u', healthy: true, metrics: { running, waiting, cacheUsage: null, modelLoaded: null }, problem: null });
const failing = (running: number): ReplicaObservation => ({ url: 'u', healthy: false, metrics: { running, waiting: 0, cacheUsage: null, modelLoaded: null }, problem: 'HTTP 503' });
const dead: ReplicaObservation = { url: 'u', healthy: false, metrics: null, problem: 'timeout' };

function run(observations: ReplicaObservation[], previousLastServedAt: number | null = 5): ClusterAppState {
  return summarizeApp({ clusterId: 'c1', app, observations, headroom: { warm: 8, cold: 32 }, pricePerHour: 2.5, previousLastServedAt, now: 1000 });
}

describe('summarizeApp', () => {
  it.each([
    ['idle replicas', [ok(0), ok(0)], { hotFree: 8, hotBusy: 0, queued: 0, health: 'healthy', lastServedAt: 5 }],
    ['filling up', [ok(3), ok(1, 2)], { hotFree: 4, hotBusy: 4, queued: 2, health: 'healthy', lastServedAt: 1000 }],
    ['over-full never negative', [ok(6), ok(4)], { hotFree: 0, hotBusy: 10, health: 'healthy' }],
    ['one failing replica', [ok(1), failing(2)], { hotFree: 3, hotBusy: 3, health: 'degraded' }],
    ['one dead replica', [ok(0), dead], { hotFree: 4, hotBusy: 0, health: 'degraded' }],
    ['all failing', [failing(0), dead], { hotFree: 0, health: 'unhealthy' }],
    ['no replicas', [], { hotFree: 0, hotBusy: 0, health: 'unhealthy', lastServedAt: 5 }],
  ])('%s', (_name, observations, expected) => {
    expect(run(observations)).toMatchObject({ ...expected, warm: 8, cold: 32, gpuType: 'H100', pricePerHour: 2.5, observedAt: 1000, clusterId: 'c1', appId: 'acme/chat' });
  });

  it('per-app headroom overrides the cluster headroom', () => {
    const s = summarizeApp({ clusterId: 'c1', app: { ...app, warm: 1, cold: 0 }, observations: [], headroom: { warm: 8, cold: 32 }, pricePerHour: 1, previousLastServedAt: null, now: 1 });
    expect(s).toMatchObject({ warm: 1, cold: 0, lastServedAt: null });
  });
});

describe('clusterHealth', () => {
  const s = (health: ClusterAppState['health']): ClusterAppState => ({ ...run([]), health });
  it.each([
    [[], 'unknown'],
    [[s('healthy'), s('healthy')], 'healthy'],
    [[s('healthy'), s('unhealthy')], 'degraded'],
    [[s('degraded')], 'degraded'],
    [[s('unhealthy'), s('unhealthy')], 'unhealthy'],
  ])('%j → %s', (states, expected) => {
    expect(clusterHealth(states)).toBe(expected);
  });
});
