import { describe, expect, it } from 'vitest';
import { parseScenario } from './scenario.ts';
import { buildWorld } from './sim-app.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';
import { appSnapshotOf, autoscalerView, capture } from './visible-state.ts';

// The simulator's state rows must carry only what a real aggregator observes of the autoscaler:
// loaded replicas (not those still starting), those above the cluster's minimum, and those that
// serve nothing when requests are packed onto the fewest replicas (per-replica in-flight = 0).
const scenario = parseScenario(
  SMALL_SCENARIO.replace('{ id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, maxReplicas: 12 }',
    '{ id: us-east-a, region: us-east, provider: aws, pricePerHour: 4, minReplicas: 2, maxReplicas: 12, concurrencyPerReplica: 8, scaleDownIdleSeconds: 300 }'),
  'idle.yaml',
);

describe('autoscaler view of one deployment', () => {
  it.each([
    // replicas, starting, busy, queued → replicas, above min, idle
    { name: 'at the minimum, idle', replicas: 2, starting: 0, busy: 0, queued: 0, want: [2, 0, 2] },
    { name: 'above the minimum, half loaded', replicas: 6, starting: 0, busy: 20, queued: 0, want: [6, 4, 3] },
    { name: 'a partly busy replica is not idle', replicas: 6, starting: 0, busy: 17, queued: 0, want: [6, 4, 3] },
    { name: 'queued requests load replicas too', replicas: 6, starting: 0, busy: 40, queued: 5, want: [6, 4, 0] },
    { name: 'replicas still starting are not counted', replicas: 4, starting: 3, busy: 32, queued: 10, want: [4, 2, 0] },
    { name: 'every replica full', replicas: 5, starting: 0, busy: 40, queued: 0, want: [5, 3, 0] },
  ])('$name', ({ replicas, starting, busy, queued, want }) => {
    const world = buildWorld(scenario);
    const d = world.deployments.find((x) => x.cluster.spec.id === 'us-east-a');
    if (d === undefined) throw new Error('fixture has no us-east-a deployment');
    d.replicas = replicas;
    d.starting = starting;
    d.busy = busy;
    d.queued = queued;
    const v = autoscalerView(d);
    expect([v.replicas, v.replicasAboveMin, v.idleReplicas]).toEqual(want);
  });

  it('a down cluster reports no replicas; a partitioned one keeps its last row', () => {
    const world = buildWorld(scenario);
    const d = world.deployments.find((x) => x.cluster.spec.id === 'us-east-a');
    if (d === undefined) throw new Error('fixture has no us-east-a deployment');
    d.replicas = 6;
    const first = capture(1, 1_000, world.deployments, null);
    expect(first.rows[d.idx]).toMatchObject({ replicas: 6, replicasAboveMin: 4, idleReplicas: 6 });
    d.cluster.partitioned = true;
    d.replicas = 9;
    expect(capture(2, 2_000, world.deployments, first).rows[d.idx]).toBe(first.rows[d.idx]);
    d.cluster.partitioned = false;
    d.cluster.down = true;
    expect(capture(3, 3_000, world.deployments, first).rows[d.idx]).toMatchObject({ replicas: 0, replicasAboveMin: 0, idleReplicas: 0 });
  });

  it('the snapshot carries the view and the cluster idle window', () => {
    const world = buildWorld(scenario);
    const app = world.apps[0];
    if (app === undefined) throw new Error('fixture has no app');
    const d = app.deployments.find((x) => x.cluster.spec.id === 'us-east-a');
    if (d === undefined) throw new Error('fixture has no us-east-a deployment');
    d.replicas = 5;
    d.busy = 9;
    const pub = capture(1, 1_000, world.deployments, null);
    const snap = appSnapshotOf(app, world.clusters, app.staticClusters, pub, 1_000);
    expect(snap.state.get('us-east-a')).toMatchObject({ replicas: 5, replicasAboveMin: 3, idleReplicas: 3, idleWindowMs: 300_000 });
  });
});
