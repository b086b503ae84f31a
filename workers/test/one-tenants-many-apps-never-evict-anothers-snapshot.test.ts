import { describe, expect, it } from 'vitest';
import { countingEdge } from './counting-edge.ts';
import { fixtures } from './helpers.ts';

// An isolate keeps EDGE_MAX_APPS snapshots. A tenant with more apps in use than that used to evict
// every other tenant's snapshot in turn, so their next request waited on the database again (and,
// past EDGE_MAX_FIRST_LOADS, got 503 edge-busy): one tenant's fleet size set another's latency.
// Now the cache is max-min fair between tenants: the one holding the most loses its own first.
const ACME_APPS = ['chat', 'eu-only', 'failover', 'flaky', 'jobs', 'creds'];
const path = (app: string): string => `/token/v4/${app}/generate`;

describe('snapshots of one tenant with many apps', () => {
  it("never evict another tenant's snapshot", async () => {
    const e = await countingEdge({ EDGE_MAX_APPS: '3', EDGE_REFRESH_MS: '600000', EDGE_STALE_SNAPSHOT_MS: '600000' });
    const first = await e.call(path('other/home'), fixtures.keys.other);
    expect(first.status, await first.clone().text()).toBe(200);
    // acme cycles through twice as many apps as the isolate holds, twice.
    for (let round = 0; round < 2; round++) for (const app of ACME_APPS) expect((await e.call(path(`acme/${app}`), fixtures.keys.acme)).status).toBe(200);
    const before = e.reads.snapshot;
    expect((await e.call(path('other/home'), fixtures.keys.other)).status).toBe(200);
    expect(e.reads.snapshot - before).toBe(0); // was 1: its snapshot had been evicted
  });
});
