/**
 * A model rollout through real processes: eu-central-1's replicas serve demo-llm v2, every other
 * cluster v1. `switchyard rollout start --steps 10,50,100 --keep-old-regions 2` and the rollout
 * controller (started by the dev stack) advance on passing gates while traffic flows. At every
 * step: clients of the two held regions only ever get v1; a conversation (job key) never changes
 * version, even one whose hash bucket moves to the canary at a later step (its job pin keeps it);
 * the version the edge names is the version of the cluster that answered.
 */
import { describe, expect, it } from 'vitest';
import { hashJobKey } from '../shared/domain/job-key.ts';
import { stickyBucket } from '../shared/rollout/sticky-assignment.ts';
import { CLIENTS, REFRESH_MS, useStack } from './stack.ts';
import { chat, readRolloutRow, switchyardCli, waitFor, type ChatResult } from './rollout-helpers.ts';

const GATE_MS = 400;
const h = useStack(22_400, {}, { modelVersions: { 'eu-central-1': 'v2' }, rolloutGateMs: GATE_MS });
const APP = 'acme/chat';
const LONDON = { country: 'GB', continent: 'EU', lat: 51.5, lon: -0.1, colo: 'LHR' } as const;

/** A conversation key whose bucket lies in [lo, hi) for this rollout. */
async function keyInBuckets(rolloutId: string, prefix: string, lo: number, hi: number): Promise<string> {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    const b = stickyBucket(rolloutId, await hashJobKey(APP, key));
    if (b >= lo && b < hi) return key;
  }
}

describe('a rollout at 10 → 50 → 100 %', () => {
  it('keeps conversations on one version and two regions on the old one at every step', async () => {
    const { edgeUrl, apiKey, libsqlUrl, libsqlAuthToken } = h.stack();
    const db = h.db();
    await waitFor('both versions reported', async () => {
      const rs = await db.execute("SELECT COUNT(DISTINCT version) AS n FROM deployment_versions WHERE app_id = 'acme/chat'");
      return Number(rs.rows[0]?.['n']) === 2 ? true : undefined;
    }, 30_000);

    // This file is about who gets which version, not the gates (rollout-failing-canary-rolled-back
    // and gate-evaluation.test.ts are): the TTFT gate gets 5 s of slack, so a loaded CI machine's
    // latency cannot roll the rollout back (CI of bcbc801: a step's canary p95 over ~8 requests
    // was its slowest, ~110 ms against a limit of ~130; the gate now compares medians there).
    const out = await switchyardCli(
      ['rollout', 'start', APP, '--to', 'v2', '--steps', '10,50,100', '--hold-ms', '2500', '--keep-old-regions', '2',
        '--gate-min-requests', '3', '--gate-error-budget', '2', '--gate-ttft-slack-ms', '5000', '--db', libsqlUrl],
      { LIBSQL_AUTH_TOKEN: libsqlAuthToken },
    );
    expect(out).toMatch(/held on v1: ap-southeast, eu-west/);
    const started = await readRolloutRow(db, APP);
    if (started === null) throw new Error('no rollout row');
    expect(started.heldRegions).toEqual(['ap-southeast', 'eu-west']);

    // Three conversations from New York (not held): canary from the start, stable at 10 % but in the
    // 50 % bucket range, stable until 100 %.
    const conversations = [
      await keyInBuckets(started.id, 'early', 0, 1000),
      await keyInBuckets(started.id, 'middle', 1000, 5000),
      await keyInBuckets(started.id, 'late', 5000, 10_000),
    ];
    const byConversation = new Map<string, ChatResult[]>(conversations.map((k) => [k, []]));
    const held: ChatResult[] = [];
    const fresh: Array<ChatResult & { weight: number }> = [];
    let n = 0;
    let status = await readRolloutRow(db, APP);
    const seenWeights = new Set<number>();
    // When the test first saw each weight: the edge sees it one snapshot refresh later.
    const firstSeen = new Map<number, number>();
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && status?.status === 'running' && !(status.weightPct === 100 && fresh.filter((f) => f.weight === 100).length >= 6)) {
      const weight = status.weightPct;
      seenWeights.add(weight);
      if (!firstSeen.has(weight)) firstSeen.set(weight, Date.now());
      const settled = Date.now() - (firstSeen.get(weight) ?? 0) > REFRESH_MS * 3;
      const round = await Promise.all([
        ...conversations.map((k) => chat(edgeUrl, apiKey, CLIENTS.newYork, k)),
        chat(edgeUrl, apiKey, CLIENTS.singapore, `held-sg-${n}`),
        chat(edgeUrl, apiKey, LONDON, `held-lon-${n}`),
        ...[0, 1, 2, 3].map((i) => chat(edgeUrl, apiKey, i % 2 === 0 ? CLIENTS.newYork : CLIENTS.frankfurt, `fresh-${n}-${i}`)),
      ]);
      n++;
      conversations.forEach((k, i) => byConversation.get(k)?.push(round[i] as ChatResult));
      held.push(round[3] as ChatResult, round[4] as ChatResult);
      const after = await readRolloutRow(db, APP);
      // Only requests that began after every edge saw the weight and ended before it changed count for that step.
      for (const r of round.slice(5)) if (settled && after?.weightPct === weight) fresh.push({ ...r, weight });
      status = after;
    }
    expect(status?.status, `the rollout ${status?.status ?? 'vanished'}: ${status?.reason ?? ''}`).toBe('running');
    expect([...seenWeights].sort((a, b) => a - b)).toEqual([10, 50, 100]);

    const all = [...held, ...fresh, ...[...byConversation.values()].flat()];
    expect(all.filter((r) => r.status !== 200)).toEqual([]);
    // The edge's version is the answering cluster's version.
    for (const r of all) expect(r.version).toBe(r.cluster === 'eu-central-1' ? 'demo-llm@v2' : 'demo-llm@v1');
    // Held regions: old version at every step.
    expect(held.filter((r) => r.version !== 'demo-llm@v1')).toEqual([]);
    // No conversation ever changed version; each ran in the version its first request got.
    const versions = conversations.map((k) => [...new Set(byConversation.get(k)?.map((r) => r.version))]);
    expect(versions).toEqual([['demo-llm@v2'], ['demo-llm@v1'], ['demo-llm@v1']]);
    // New conversations outside the held regions: all on the canary at 100 %, none kept from it.
    const at100 = fresh.filter((f) => f.weight === 100);
    expect(at100.length).toBeGreaterThanOrEqual(6);
    expect(at100.every((r) => r.version === 'demo-llm@v2')).toBe(true);
    // The decisions explain it.
    const rs = await db.execute({
      sql: "SELECT explanation_json FROM decisions WHERE app_id = 'acme/chat' AND explanation_json LIKE '%held-region%' LIMIT 1",
      args: [],
    });
    const note = (JSON.parse(String(rs.rows[0]?.['explanation_json'])) as { rollout?: { reason: string; version: string } }).rollout;
    expect(note).toMatchObject({ reason: 'held-region', version: 'v1' });
  }, 150_000);
});
