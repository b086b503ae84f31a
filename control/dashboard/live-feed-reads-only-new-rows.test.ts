/**
 * The live poller reads the fleet and only the decisions and outcomes that arrived since its
 * last tick, folds them into bounded buckets and feed, and the drill-down shows a decision's
 * candidates. Real libSQL file database, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDashboard, withKey, type TestDashboard } from './test-fixtures.ts';

let d: TestDashboard;
beforeAll(async () => {
  d = await startTestDashboard();
  await d.handle.poller.stop(); // the test drives ticks itself
  const now = Date.now();
  await d.db.batch(
    [
      `INSERT INTO clusters VALUES ('eu-1', 'eu-west', 'EU', 'IE', 'lambda', 53, -6, 'http://p', 'proxy-eu', 1)`,
      `INSERT INTO clusters VALUES ('us-1', 'us-east', 'NA', 'US', 'coreweave', 40, -74, 'http://p', 'proxy-us', 1)`,
      { sql: `INSERT INTO cluster_status VALUES ('eu-1', 'healthy', 0, ?)`, args: [now] },
      { sql: `INSERT INTO cluster_status VALUES ('us-1', 'unhealthy', 0, ?)`, args: [now] },
      { sql: `INSERT INTO cluster_app_state (cluster_id, app_id, hot_free, hot_busy, warm, cold, queued, gpu_type, price_per_hour, health, observed_at) VALUES ('eu-1', 'acme/chat', 3, 1, 4, 16, 0, 'H100', 2.99, 'healthy', ?)`, args: [now] },
      { sql: `INSERT INTO proxy_cluster_health (proxy_id, cluster_id, health, circuit_open, rtt_ms, ttft_ms, samples, observed_at) VALUES ('proxy-us', 'us-1', 'unhealthy', 1, 5, NULL, 3, ?)`, args: [now] },
    ],
    'write',
  );
});
afterAll(async () => d.close());

async function decision(id: string, at: number, chosen: string | null): Promise<void> {
  const explanation = {
    id, at, appId: 'acme/chat', outcome: chosen === null ? 'no-candidate' : 'routed', chosen, fallbacks: [], reason: 'best-score', strategy: 'switchyard', summary: `chose ${chosen ?? 'nothing'}`,
    candidates: [{ clusterId: 'eu-1', region: 'eu-west', provider: 'lambda', disqualifications: [], tier: 'hot', probability: 1, estimatedLatencyMs: 30, pricePerHour: 2.99, stateAgeMs: 100, modifiers: [], terms: [{ name: 'network', ms: 30, detail: 'rtt' }], scoreMs: 30 }],
  };
  await d.db.execute({
    sql: `INSERT INTO decisions (id, at, app_id, fn, synthetic, outcome, chosen_cluster, reason, policy_version, seed, stale, decision_us, explanation_json, input_json)
          VALUES (?, ?, 'acme/chat', 'chat', 0, ?, ?, 'best-score', 'v1', 's', 0, 12.5, ?, '{}')`,
    args: [id, at, explanation.outcome, chosen, JSON.stringify(explanation)],
  });
}

describe('live poller', () => {
  it('shows the fleet with health, circuit and capacity', async () => {
    const tick = await d.handle.poller.tick();
    expect(tick.error).toBeNull();
    const clusters = tick.fleet.flatMap((r) => r.clusters.map((c) => [r.region, c.id, c.health, c.circuit, c.hot, c.price]));
    expect(clusters).toEqual([
      ['eu-west', 'eu-1', 'healthy', 'closed', '3 free / 1 busy', '$2.99/h'],
      ['us-east', 'us-1', 'unhealthy', 'open', '0 free / 0 busy', '-'],
    ]);
  });

  it('sends only new decisions, at most feedSize per tick, and counts them all in buckets', async () => {
    const now = Date.now();
    for (let i = 0; i < 8; i++) await decision(`d${i}`, now, i % 2 === 0 ? 'eu-1' : null);
    await d.db.execute({ sql: `INSERT INTO outcomes (decision_id, attempt, proxy_id, cluster_id, endpoint, status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at) VALUES ('d0', 0, 'proxy-eu', 'eu-1', 'r0', 200, 40, 100, 1, 1, NULL, ?)`, args: [now] });
    await d.db.execute({ sql: `INSERT INTO outcomes (decision_id, attempt, proxy_id, cluster_id, endpoint, status, ttfb_ms, duration_ms, bytes_in, bytes_out, error, at) VALUES ('d2', 0, 'proxy-eu', 'eu-1', 'r0', 502, NULL, 100, 1, 1, 'reset', ?)`, args: [now] });
    const tick = await d.handle.poller.tick();
    expect(tick.newDecisions).toBe(8);
    expect(tick.feed.map((f) => f.id)).toEqual(['d7', 'd6', 'd5', 'd4', 'd3']);
    // The bucket holding `now` (on a loaded machine the tick may already sit in a later one).
    const bucketOfNow = (bs: readonly { t: number }[]): number => bs.findLastIndex((b) => b.t <= now);
    const current = tick.buckets[bucketOfNow(tick.buckets)];
    expect(current?.apps).toEqual({ 'acme/chat': { 'eu-1': 4, none: 4 } });
    expect(current?.clusters).toEqual({ 'eu-1': { requests: 2, errors: 1, ttftMs: 40 } });

    const again = await d.handle.poller.tick();
    expect(again.newDecisions).toBe(0);
    expect(again.feed).toEqual([]);
    // A tick with no new rows sends only the current bucket, which may be a later second by now;
    // the full state still holds the counts once (not doubled by the second read).
    const all = d.handle.poller.state().buckets;
    expect(all[bucketOfNow(all)]?.apps).toEqual({ 'acme/chat': { 'eu-1': 4, none: 4 } });
  });

  it('the drill-down shows every candidate with its terms', async () => {
    const res = await fetch(`${d.url}/api/decisions/d0`, { headers: withKey });
    expect(res.status).toBe(200);
    const v = (await res.json()) as { chosen: string; candidates: Array<{ clusterId: string; chosen: boolean; terms: Array<{ name: string; value: number; unit: string }> }> };
    expect(v.chosen).toBe('eu-1');
    expect(v.candidates).toMatchObject([{ clusterId: 'eu-1', chosen: true, terms: [{ name: 'network', value: 30, unit: 'ms' }] }]);
  });

  it('a new browser gets the full state over the event stream', async () => {
    const ac = new AbortController();
    const res = await fetch(`${d.url}/events`, { headers: withKey, signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body?.getReader();
    let text = '';
    while (reader !== undefined && !text.includes('\n\n', text.indexOf('event: state'))) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    ac.abort();
    const data = JSON.parse(text.split('event: state\ndata: ')[1]?.split('\n')[0] ?? '{}') as { feed: Array<{ id: string }>; fleet: unknown[] };
    expect(data.feed.map((f) => f.id)).toEqual(['d7', 'd6', 'd5', 'd4', 'd3']);
    expect(data.fleet).toHaveLength(2);
  });
});
