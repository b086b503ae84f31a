/**
 * Failover: kill a simulated cluster (SIGKILL, every replica) while idempotent
 * requests flow. None of them fails (the proxy retries on the token's fallbacks),
 * and once the aggregator and the edge have refreshed, new decisions avoid it and
 * the decision log says it was disqualified as unhealthy.
 */
import { describe, expect, it } from 'vitest';
import { AGGREGATOR_MS, CLIENTS, REFRESH_MS, devLocation, sleep, useStack } from './stack.ts';

const h = useStack(21_800);

async function models(edge: string, key: string): Promise<{ status: number; cluster: string | null; decision: string | null }> {
  const res = await fetch(`${edge}/v4/acme/eu-chat/v1/models`, {
    headers: { authorization: `Bearer ${key}`, ...devLocation(CLIENTS.frankfurt) },
  });
  await res.text();
  return { status: res.status, cluster: res.headers.get('x-sim-cluster'), decision: res.headers.get('x-switchyard-decision-id') };
}

describe('a cluster dies under load', () => {
  it('loses no idempotent request and routes away within the refresh interval', async () => {
    const { edgeUrl, apiKey } = h.stack();
    const results: Array<{ status: number; cluster: string | null; decision: string | null; at: number }> = [];
    let running = true;
    const workers = Array.from({ length: 4 }, async () => {
      while (running) results.push({ ...(await models(edgeUrl, apiKey)), at: Date.now() });
    });
    // Traffic must be flowing before the kill; the first requests through a cold stack can be slow.
    const warmDeadline = Date.now() + 15_000;
    while (results.length < 20 && Date.now() < warmDeadline) await sleep(100);
    const before = new Set(results.map((r) => r.cluster));
    expect(before.has('eu-west-1') || before.has('eu-central-1')).toBe(true);
    const victim = before.has('eu-central-1') ? 'eu-central-1' : 'eu-west-1';
    const killedAt = Date.now();
    await h.stack().killCluster(victim);
    await sleep(4_000);
    running = false;
    await Promise.all(workers);

    const failed = results.filter((r) => r.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 3))).toEqual([]);
    const settle = AGGREGATOR_MS * 3 + REFRESH_MS * 2 + 500;
    const late = results.filter((r) => r.at > killedAt + settle);
    expect(late.length).toBeGreaterThan(10);
    expect(late.every((r) => r.cluster !== victim)).toBe(true);

    const rs = await h.db().execute({
      sql: "SELECT explanation_json FROM decisions WHERE app_id = 'acme/eu-chat' AND at > ? ORDER BY at DESC LIMIT 1",
      args: [killedAt + settle],
    });
    const exp = JSON.parse(String(rs.rows[0]?.['explanation_json'])) as {
      chosen: string;
      candidates: Array<{ clusterId: string; disqualifications: Array<{ code: string }> }>;
    };
    expect(exp.chosen).not.toBe(victim);
    const codes = exp.candidates.find((c) => c.clusterId === victim)?.disqualifications.map((d) => d.code) ?? [];
    expect(codes.some((c) => c === 'unhealthy' || c === 'no-capacity')).toBe(true);
  }, 60_000);
});
