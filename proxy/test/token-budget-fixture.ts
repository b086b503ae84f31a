/** A real proxy in front of a real simulated vLLM replica, for one app with a token budget. */
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, chatBody, rawRequest, startReplica, startTestProxy, testKeys, type RawResponse } from './harness.ts';

export interface BudgetFixture {
  readonly sim: SimCluster;
  readonly proxy: RunningProxy;
  chat(extra: Record<string, unknown>, headers?: Record<string, string>): Promise<RawResponse>;
  /** One sample of the proxy's metrics text, e.g. `switchyard_proxy_token_budget_tokens_total{app="acme/chat",type="completion"}`. */
  proxyMetric(series: string): Promise<number | null>;
  /** One sample of the replica's own (vLLM-format) metrics. */
  engineMetric(series: string): Promise<number | null>;
  close(): Promise<void>;
}

/** The sample of `series` (exact, with labels); a bare name sums every labelled sample of it. */
function sample(text: string, series: string): number | null {
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf(' ');
    const name = line.slice(0, at);
    if (name === series || (!series.includes('{') && name.startsWith(`${series}{`))) sum = (sum ?? 0) + Number(line.slice(at + 1));
  }
  return sum;
}

export async function startBudgetFixture(
  tokenBudget: Record<string, unknown>,
  engine: Parameters<typeof startReplica>[2] = {},
): Promise<BudgetFixture> {
  const keys = await testKeys();
  const sim = await startReplica('c1', 'r0', { tokensPerSecond: 400, ...engine });
  const proxy = await startTestProxy({
    endpoints: [{ cluster: 'c1', url: sim.url }],
    apps: [{ id: APP, requests: { tokenBudget } }],
    jwks: keys.jwks,
  });
  return {
    sim,
    proxy,
    async chat(extra, headers = {}) {
      return rawRequest(proxy.url, {
        path: `/v4/${APP}/v1/chat/completions`,
        body: chatBody(extra),
        headers: { 'x-switchyard-token': await keys.mint(), accept: 'text/event-stream', ...headers },
      });
    },
    async proxyMetric(series) {
      return sample(await (await fetch(`${proxy.adminUrl}/_switchyard/metrics`)).text(), series);
    },
    async engineMetric(series) {
      return sample(await (await fetch(`${sim.url}/metrics`)).text(), series);
    },
    async close() {
      await proxy.close();
      await sim.close();
    },
  };
}

/** The JSON payloads of an SSE body's data events ([DONE] as the string). */
export function events(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice(6))
    .map((d) => (d === '[DONE]' ? d : (JSON.parse(d) as unknown)));
}

/** Content chunks (one token each, as the engine streams them). */
export function contentChunks(evs: readonly unknown[]): number {
  return evs.filter((e) => {
    const c = (e as { choices?: Array<{ delta?: { content?: string } }> }).choices?.[0];
    return typeof c?.delta?.content === 'string' && c.delta.content !== '';
  }).length;
}
