/**
 * A canary that starts answering 5xx is rolled back by the gates. eu-central-1 serves demo-llm
 * v2 (the canary, at 50 %), the other clusters v1. A long stream runs on the canary; then the
 * canary's replica turns to 5xx. The controller's error-budget gate rolls the rollout back
 * (weight 0) within one gate interval of the errors reaching the outcomes table. Before that, the
 * edge's canary brake (shared/rollout/canary-brake.ts) stops sending to the canary as soon as the
 * failures it saw spend the error budget, so clients see at most the budget in errors (the dev
 * stack runs one edge isolate; E isolates would bound it at E × budget), all from the canary,
 * none after the rollback and none from the stable version; the stream already running on the
 * canary finishes intact.
 */
import { describe, expect, it } from 'vitest';
import { hashJobKey } from '../shared/domain/job-key.ts';
import { stickyBucket } from '../shared/rollout/sticky-assignment.ts';
import { replicaUrls } from '../control/dev/topology.ts';
import { CLIENTS, REFRESH_MS, devLocation, useStack } from './stack.ts';
import { chat, readRolloutRow, switchyardCli, waitFor, type ChatResult } from './rollout-helpers.ts';

const GATE_MS = 400;
/** The proxies' outcome report interval in the dev stack (PROXY_REPORT_INTERVAL_MS default). */
const REPORT_MS = 2_000;
const ERROR_BUDGET = 2;
const h = useStack(22_800, {}, { modelVersions: { 'eu-central-1': 'v2' }, rolloutGateMs: GATE_MS });
const APP = 'acme/chat';

async function canaryKey(rolloutId: string, prefix: string): Promise<string> {
  for (let i = 0; ; i++) {
    const key = `${prefix}-${i}`;
    if (stickyBucket(rolloutId, await hashJobKey(APP, key)) < 5000) return key;
  }
}

/** A long streaming completion, read to the end in the background. */
function longStream(edgeUrl: string, apiKey: string, jobKey: string): { firstBytes: Promise<void>; done: Promise<{ status: number; version: string | null; text: string }> } {
  let signal: () => void = () => undefined;
  const firstBytes = new Promise<void>((resolve) => (signal = resolve));
  const done = (async () => {
    const res = await fetch(`${edgeUrl}/v4/acme/chat/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-job-id': jobKey, ...devLocation(CLIENTS.newYork) },
      body: JSON.stringify({ model: 'demo-llm', stream: true, max_tokens: 120, messages: [{ role: 'user', content: 'tell me a long story' }] }),
    });
    let text = '';
    const reader = res.body?.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const chunk = reader === undefined ? { done: true as const, value: undefined } : await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      if (text.includes('data:')) signal();
    }
    signal();
    return { status: res.status, version: res.headers.get('x-switchyard-model-version'), text };
  })();
  return { firstBytes, done };
}

describe('a canary that returns 5xx', () => {
  it('is rolled back by the gates without breaking the stream already running on it', async () => {
    const { edgeUrl, apiKey, libsqlUrl, libsqlAuthToken, topology } = h.stack();
    const db = h.db();
    await waitFor('both versions reported', async () => {
      const rs = await db.execute("SELECT COUNT(DISTINCT version) AS n FROM deployment_versions WHERE app_id = 'acme/chat'");
      return Number(rs.rows[0]?.['n']) === 2 ? true : undefined;
    }, 30_000);
    await switchyardCli(
      ['rollout', 'start', APP, '--to', 'v2', '--steps', '50,100', '--hold-ms', '600000',
        '--gate-min-requests', '1000', '--gate-error-budget', String(ERROR_BUDGET), '--db', libsqlUrl],
      { LIBSQL_AUTH_TOKEN: libsqlAuthToken },
    );
    const started = await readRolloutRow(db, APP);
    if (started === null) throw new Error('no rollout row');

    // A stream on the canary, running before anything goes wrong (waits for the edge to see the rollout).
    const streamKey = await canaryKey(started.id, 'story');
    await waitFor('the edge routes to the canary', async () => ((await chat(edgeUrl, apiKey, CLIENTS.newYork, `${streamKey}-probe`)).version !== null ? true : undefined), 10_000);
    const stream = longStream(edgeUrl, apiKey, streamKey);
    await stream.firstBytes;

    const canary = topology.clusters.find((c) => c.id === 'eu-central-1');
    if (canary === undefined) throw new Error('no eu-central-1 in the topology');
    for (const url of replicaUrls(canary)) {
      const res = await fetch(`${url}/_control`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ serverErrors: true }) });
      expect(res.status).toBe(200);
    }

    const results: Array<ChatResult & { startedAt: number }> = [];
    let n = 0;
    const send = async (): Promise<void> => {
      const startedAt = Date.now();
      results.push({ ...(await chat(edgeUrl, apiKey, CLIENTS.newYork, `client-${n++}`)), startedAt });
    };
    const rolledBack = await waitFor('the rollback', async () => {
      await Promise.all([send(), send()]);
      const r = await readRolloutRow(db, APP);
      return r?.status === 'rolled-back' ? r : undefined;
    }, 60_000);
    // Traffic after every edge has the rollback.
    const visibleAt = rolledBack.updatedAt + REFRESH_MS * 3;
    await waitFor('traffic after the rollback', async () => {
      await Promise.all([send(), send()]);
      return results.filter((r) => r.startedAt > visibleAt).length >= 20 ? true : undefined;
    }, 30_000);

    expect(rolledBack.weightPct).toBe(0);
    expect(rolledBack.reason).toMatch(/error-budget/);
    const errors = results.filter((r) => r.status !== 200);
    const firstError = Math.min(...errors.map((r) => r.at));
    // Within one gate interval of the errors reaching libSQL (one proxy report later), with slack for a loaded machine.
    expect(rolledBack.updatedAt - firstError).toBeLessThanOrEqual(REPORT_MS + GATE_MS + 1_500);
    // The brake: the canary costs clients at most its error budget (it cost 10 of 2 before the brake).
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBeLessThanOrEqual(ERROR_BUDGET);
    // Every client-visible error is a canary answer decided before the edge had the rollback; none after, none on v1.
    expect(errors.every((r) => r.version === 'demo-llm@v2' && r.startedAt <= visibleAt)).toBe(true);
    const after = results.filter((r) => r.startedAt > visibleAt);
    expect(after.filter((r) => r.status !== 200 || r.version !== 'demo-llm@v1')).toEqual([]);
    console.log(`rollback: ${errors.length} client-visible canary errors (budget ${ERROR_BUDGET}), rolled back ${rolledBack.updatedAt - firstError} ms after the first`);

    // The stream that was running on the canary finished whole.
    const s = await stream.done;
    expect(s.status).toBe(200);
    expect(s.version).toBe('demo-llm@v2');
    expect(s.text).toContain('data: [DONE]');
  }, 150_000);
});
