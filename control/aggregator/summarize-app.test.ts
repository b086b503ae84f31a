import { describe, expect, it } from 'vitest';
import type { ClusterAppState } from '../../shared/domain/types.ts';
import { clusterHealth, summarizeApp, type ReplicaObservation } from './summarize-app.ts';

const app = { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: [], warm: null, cold: null };
const ok = (running: number, waiting = 0): ReplicaObservation => ({ url: 'u', healthy: true, metrics: { running, waiting, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null }, problem: null });
const failing = (running: number): ReplicaObservation => ({ url: 'u', healthy: false, metrics: { running, waiting: 0, cacheUsage: null, modelLoaded: null, queueTime: null, runTime: null }, problem: 'HTTP 503' });
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
    // Two at 1e308 summed to Infinity, which libSQL refuses: they count as bad scrapes instead.
    ['implausible counts are bad scrapes', [ok(1), ok(1e308), ok(0, 1e308)], { hotFree: 3, hotBusy: 1, queued: 0, health: 'degraded' }],
  ])('%s', (_name, observations, expected) => {
    expect(run(observations)).toMatchObject({ ...expected, warm: 8, cold: 32, gpuType: 'H100', pricePerHour: 2.5, observedAt: 1000, clusterId: 'c1', appId: 'acme/chat' });
  });

  it('per-app headroom overrides the cluster headroom', () => {
    const s = summarizeApp({ clusterId: 'c1', app: { ...app, warm: 1, cold: 0 }, observations: [], headroom: { warm: 8, cold: 32 }, pricePerHour: 1, previousLastServedAt: null, now: 1 });
    expect(s).toMatchObject({ warm: 1, cold: 0, lastServedAt: null });
  });
});

// What the autoscaler would release, from what the scrape saw: usable replicas, those serving
// nothing (no request running or waiting), and — when the app's minimum is configured — those above it.
describe('summarizeApp reports the autoscaler view', () => {
  it.each([
    ['no minimum configured', {}, [ok(2), ok(0), ok(0)], { replicas: 3, idleReplicas: 2, replicasAboveMin: null, idleWindowMs: null }],
    ['above the minimum', { minReplicas: 1, idleWindowMs: 300_000 }, [ok(2), ok(0), ok(0)], { replicas: 3, idleReplicas: 2, replicasAboveMin: 2, idleWindowMs: 300_000 }],
    ['a replica with only waiting requests is not idle', { minReplicas: 1 }, [ok(0, 3), ok(0)], { replicas: 2, idleReplicas: 1, replicasAboveMin: 1 }],
    ['below the minimum counts as 0 above', { minReplicas: 4 }, [ok(0), ok(1)], { replicas: 2, idleReplicas: 1, replicasAboveMin: 0 }],
    // A failing or dead replica serves no one and cannot take a request: it is not counted.
    ['unusable replicas are not counted', { minReplicas: 0 }, [ok(0), failing(0), dead], { replicas: 1, idleReplicas: 1, replicasAboveMin: 1 }],
    ['no replicas', { minReplicas: 2 }, [], { replicas: 0, idleReplicas: 0, replicasAboveMin: 0 }],
  ])('%s', (_name, extra, observations, expected) => {
    const s = summarizeApp({ clusterId: 'c1', app: { ...app, ...extra }, observations, headroom: { warm: 8, cold: 32 }, pricePerHour: 2.5, previousLastServedAt: null, now: 1000 });
    expect(s).toMatchObject(expected);
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
