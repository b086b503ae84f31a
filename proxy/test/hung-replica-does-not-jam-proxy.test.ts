/**
 * Issue 12 item 2 (proxy part): a replica that accepts requests and never answers, while its
 * /health stays 200. With a per-app time-to-first-byte budget the hang is a replica failure
 * (outlier ejection) and a 504 for the requests it swallowed; the derived per-replica cap
 * keeps it from holding more than its share of the app's concurrency cap. So the other app and
 * the other replica keep ≥ 99 % success under open-loop load, the app never gets 429s, and
 * the proxy is fully recovered within one TTFB budget after the replica is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { chatBody, startReplica, startTestProxy } from './harness.ts';

const A = 'acme/chat';
const B = 'acme/other';
const TTFB_BUDGET_MS = 1000;
const HANG_MS = 5000;

interface Sample {
  readonly app: string;
  readonly sentAt: number;
  readonly status: number;
  readonly replica: string;
}

describe('a hung replica does not jam the proxy', () => {
  let hung: SimCluster;
  let healthy: SimCluster;
  let other: SimCluster;
  let proxy: RunningProxy;
  const client = new Agent({ connections: null, keepAliveTimeout: 10_000 });
  beforeAll(async () => {
    const fast = { tokensPerSecond: 2000, slots: 64 };
    hung = await startReplica('c1', 'r-hung', fast);
    healthy = await startReplica('c1', 'r-ok', fast);
    other = await startReplica('c1', 'r-other', fast);
    proxy = await startTestProxy({
      endpoints: [
        { cluster: 'c1', app: A, url: hung.url },
        { cluster: 'c1', app: A, url: healthy.url },
        { cluster: 'c1', app: B, url: other.url },
      ],
      apps: [
        { id: A, maxConcurrency: 16, requests: { ttfbBudgetMs: TTFB_BUDGET_MS, nonStreamingTtfbBudgetMs: TTFB_BUDGET_MS } },
        { id: B, maxConcurrency: 16 },
      ],
      config: { healthCheckIntervalMs: 250, outlierBaseEjectionMs: 1000 },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await client.close();
    await Promise.all([hung.close(), healthy.close(), other.close()]);
  });

  async function send(app: string, samples: Sample[]): Promise<void> {
    const sentAt = performance.now();
    try {
      const r = await request(`${proxy.url}/v4/${app}/v1/chat/completions`, {
        method: 'POST',
        dispatcher: client,
        body: chatBody({ max_tokens: 2 }),
        headers: { 'content-type': 'application/json' },
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await r.body.text();
      // Failures keep the start of their body, so a failed assertion shows the refusal's code.
      const replica = r.statusCode === 200 ? String(r.headers['x-sim-replica']) : text.slice(0, 80);
      samples.push({ app, sentAt, status: r.statusCode, replica });
    } catch {
      samples.push({ app, sentAt, status: 0, replica: 'none' });
    }
  }

  it('keeps the other app and the other replica at ≥ 99 % and recovers within one budget', async () => {
    const samples: Sample[] = [];
    const pending: Promise<void>[] = [];
    hung.control.setHang(true);
    const t0 = performance.now();
    let recoveredAt = Infinity;
    // Open-loop load: arrivals do not wait for answers, as with independent clients.
    for (let tick = 0; performance.now() - t0 < HANG_MS + 2.5 * TTFB_BUDGET_MS; tick += 1) {
      if (recoveredAt === Infinity && performance.now() - t0 >= HANG_MS) {
        hung.control.setHang(false);
        recoveredAt = performance.now();
      }
      pending.push(send(A, samples));
      if (tick % 2 === 0) pending.push(send(B, samples));
      await sleep(20);
    }
    await Promise.all(pending);

    const a = samples.filter((s) => s.app === A);
    const b = samples.filter((s) => s.app === B);
    const ok = (list: Sample[]): number => list.filter((s) => s.status === 200).length;
    const swallowed = hung.control.snapshot().counters.hung;
    // The other app is untouched.
    expect(ok(b) / b.length).toBeGreaterThanOrEqual(0.99);
    // Only requests the hung replica swallowed failed (504 after the budget); never a 429.
    expect(a.filter((s) => s.status === 429)).toEqual([]);
    expect(a.length - ok(a)).toBeLessThanOrEqual(swallowed);
    expect(ok(a) / (a.length - swallowed)).toBeGreaterThanOrEqual(0.99);
    expect(swallowed).toBeLessThan(a.length / 4);
    expect(a.filter((s) => s.status !== 200 && s.status !== 504)).toEqual([]);
    // Its health checks passed all along: only the TTFB budget could find it.
    expect(proxy.runtime.registry.endpoints('c1', A).every((e) => e.checkedHealthy)).toBe(true);
    // One budget after the replica recovered, everything succeeds again.
    const after = samples.filter((s) => s.sentAt >= recoveredAt + TTFB_BUDGET_MS);
    expect(after.length).toBeGreaterThan(20);
    expect(after.filter((s) => s.status !== 200)).toEqual([]);
    expect(proxy.runtime.limiter.inFlight(A)).toBe(0);
  }, 30_000);
});
