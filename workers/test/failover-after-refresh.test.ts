import { afterAll, describe, expect, it } from 'vitest';
import { CF, eventually, explain, pushState } from './helpers.ts';
import type { ExplainBody } from './helpers.ts';

const APP = 'acme/failover';

const chosen = (): Promise<ExplainBody['decision']> => explain(`/v4/${APP}/generate`, { cf: CF.sanJose });

describe('failover when a cluster turns unhealthy', () => {
  afterAll(async () => {
    await pushState({ db: 'main', clusterId: 'fo-us', appIds: [APP], health: 'healthy', hotFree: 8 });
  });

  it('stops choosing the cluster after the next background refresh', async () => {
    // Warm: both clusters are candidates. Push fresh state first: on a loaded machine the
    // seeded rows can age past the hard stale limit before this file runs.
    for (const clusterId of ['fo-us', 'fo-eu']) {
      await pushState({ db: 'main', clusterId, appIds: [APP], health: 'healthy', hotFree: 8 });
    }
    const before = await eventually(async () => {
      const d = await chosen();
      return d.candidates.every((c) => c.disqualifications.length === 0) ? d : undefined;
    });
    expect(before.candidates).toHaveLength(2);

    await pushState({ db: 'main', clusterId: 'fo-us', appIds: [APP], health: 'unhealthy', hotFree: 8 });

    // The edge keeps answering from memory; a refresh happens off the hot path within EDGE_REFRESH_MS.
    const after = await eventually(async () => {
      const d = await chosen();
      const foUs = d.candidates.find((c) => c.clusterId === 'fo-us');
      return foUs?.disqualifications.some((q) => q.code === 'unhealthy') === true ? d : undefined;
    });
    expect(after.chosen).toBe('fo-eu');
    for (let i = 0; i < 10; i++) expect((await chosen()).chosen).toBe('fo-eu');
  });
});
