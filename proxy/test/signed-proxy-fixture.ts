/**
 * The commonest proxy scenario: one simulated replica (`c1`/`r0`) behind a proxy that checks
 * routing tokens (`testKeys`), started in beforeAll and closed in afterAll. `config` is the
 * proxy's (circuit thresholds, timeouts, …), `apps` the endpoints file's app settings.
 */
import { afterAll, beforeAll } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { startReplica, startTestProxy, testKeys, type TestKeys } from './harness.ts';

export interface SignedProxy {
  readonly sim: SimCluster;
  readonly proxy: RunningProxy;
  readonly keys: TestKeys;
}

/** Registers the hooks; the fields are there once beforeAll has run. */
export function useSignedProxy(config: Record<string, unknown> = {}, apps?: ReadonlyArray<Record<string, unknown>>): SignedProxy {
  const f = {} as { sim: SimCluster; proxy: RunningProxy; keys: TestKeys };
  beforeAll(async () => {
    f.keys = await testKeys();
    f.sim = await startReplica('c1', 'r0');
    f.proxy = await startTestProxy({ endpoints: [{ cluster: 'c1', url: f.sim.url }], jwks: f.keys.jwks, config, ...(apps === undefined ? {} : { apps }) });
  });
  afterAll(async () => {
    await f.proxy.close();
    await f.sim.close();
  });
  return f;
}
