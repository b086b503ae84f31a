/**
 * P1 (tenant isolation): the tenant is the project. The in-flight budget's fair share past its
 * high-water mark was kept per app, so a project that created 20 apps held 20 shares: flooding
 * through all of them it filled the proxy to its budget (40 of 40 here), and another project's
 * request was refused 429 `full`. Now a project's apps share one share: the 20-app flood holds
 * what a one-app flood holds (the high-water mark, 36), is refused with a 429 that names the
 * project's share, and another project is still served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startTestProxy, waitFor } from './harness.ts';
import { holdingReplica, open, type Opened } from './stream-holding-replica.ts';

const BUDGET = 40;
const HIGH_WATER = 36;
const FLOOD_APPS = Array.from({ length: 20 }, (_, i) => `flood/a${i}`);
const SOLO = 'solo/a';
const OTHER = 'quiet/b';

describe('a project with many apps gets one share of the in-flight budget', () => {
  let replica: Awaited<ReturnType<typeof holdingReplica>>;
  let proxy: RunningProxy;
  const held: Opened[] = [];

  /** Opens held streams round-robin over `apps` until each has been refused once; the refusals. */
  async function flood(apps: readonly string[]): Promise<Opened[]> {
    const refused: Opened[] = [];
    const open_ = new Set(apps);
    for (let i = 0; open_.size > 0 && i < 4 * BUDGET; i += 1) {
      const app = apps[i % apps.length] ?? '';
      if (!open_.has(app)) continue;
      const o = await open(proxy.url, `/v4/${app}/v1/hold`);
      if (o.status === 200) held.push(o);
      else {
        refused.push(o);
        open_.delete(app);
      }
    }
    return refused;
  }

  async function releaseAll(): Promise<void> {
    for (const h of held.splice(0)) h.req.destroy();
    await waitFor(() => proxy.runtime.inFlightBudget.total === 0, 'every unit back');
  }

  beforeAll(async () => {
    replica = await holdingReplica();
    proxy = await startTestProxy({
      endpoints: [...FLOOD_APPS, SOLO, OTHER].map((app) => ({ cluster: 'c1', app, url: replica.url })),
      config: { maxInFlight: BUDGET },
    });
  });
  afterAll(async () => {
    for (const h of held) h.req.destroy();
    await proxy.close();
    await replica.close();
  });

  it('a project flooding through 20 apps holds no more than a project flooding through one', async () => {
    await flood([SOLO]);
    const solo = held.length;
    expect(solo).toBe(HIGH_WATER);
    await releaseAll();

    const refusals = await flood(FLOOD_APPS);
    expect(held.length).toBe(solo);
    // Every app of the project was refused for the project's share, not for a full proxy.
    expect(refusals).toHaveLength(FLOOD_APPS.length);
    for (const r of refusals) expect(r.status).toBe(429);
    const body = JSON.parse((await refusals[0]?.body) ?? '{}') as { error: { code: string; message: string } };
    expect(body.error.code).toBe('proxy-in-flight-limited');
    expect(body.error.message).toContain('project flood (all its apps together) holds its fair share');
    expect(body.error.message).not.toContain(OTHER);
  });

  it("still admits another project's requests while the 20-app flood holds its share", async () => {
    for (let i = 0; i < BUDGET - HIGH_WATER; i += 1) {
      const o = await open(proxy.url, `/v4/${OTHER}/v1/hold`);
      expect(o.status).toBe(200);
      held.push(o);
    }
    const text = await proxy.runtime.metrics.registry.metrics();
    // The operator sees which tenant's share ran out.
    expect(text).toContain(`switchyard_proxy_in_flight_budget_refusals_total{reason="over-share",project="flood"} ${FLOOD_APPS.length}`);
    expect(text).not.toContain('reason="full"');
    await releaseAll();
    expect(proxy.runtime.inFlightBudget.projectsHolding).toBe(0);
  });
});
