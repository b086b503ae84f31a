import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { FairShares } from '../../shared/caching/fair-shares.ts';
import { forward } from '../src/answer-forward.ts';
import type { ForwardArgs } from '../src/answer-forward.ts';
import { loadConfig } from '../src/shared-deps.ts';

// Each small body is held in memory until the proxy's answer head arrives, to re-send it to a
// fallback. Against a slow model one tenant's concurrent POSTs held more than the isolate's
// 128 MB, and the isolate's reset killed other tenants' requests. Here the budget is 4,000 bytes
// (EDGE_RETRY_BUFFER_BYTES) and the proxies are substituted: `hold` never answers until released,
// `refuse` answers 503 not-started (safe to re-send), `ok` answers 200.

const BODY = 1_000;
const targets = [{ clusterId: 'first', proxyUrl: 'https://first.test' }, { clusterId: 'second', proxyUrl: 'https://second.test' }];

interface Sent {
  readonly url: string;
  readonly body: 'bytes' | 'stream' | 'none';
}

async function budgetFromEnv(bytes: string): Promise<FairShares> {
  const loaded = await loadConfig({ ...(env as unknown as Record<string, string>), EDGE_RETRY_BUFFER_BYTES: bytes });
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return new FairShares(loaded.config.retryBufferBytes);
}

function post(tenant: string): Request {
  return new Request(`https://edge.test/v4/${tenant}/chat/generate`, {
    method: 'POST',
    body: 'x'.repeat(BODY),
    headers: { 'content-length': String(BODY) },
  });
}

describe("one tenant's held bodies leave another's retry", () => {
  it('holds at most its share for the tenant flooding a slow model; the other keeps its retry', async () => {
    const shares = await budgetFromEnv('4000');
    const sent: Sent[] = [];
    const held: (() => void)[] = [];
    const logs: string[] = [];
    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      const b = init?.body;
      sent.push({ url, body: b === null || b === undefined ? 'none' : b instanceof ReadableStream ? 'stream' : 'bytes' });
      if (b instanceof ReadableStream) await new Response(b).arrayBuffer();
      if (url.includes('/a-')) {
        await new Promise<void>((resolve) => held.push(resolve));
        return new Response('done', { status: 200 });
      }
      if (url.startsWith('https://first.test')) {
        return new Response('{}', { status: 503, headers: { 'x-switchyard-refused': 'not-started', 'retry-after': '1' } });
      }
      return new Response('ok', { status: 200 });
    }) as typeof fetch;
    const args = (tenant: string, project: string): ForwardArgs => ({
      request: post(tenant),
      upstreamPath: `/v4/${tenant}/chat/generate`,
      search: '',
      decisionId: `d-${tenant}`,
      targets,
      mint: async () => 'token',
      fetcher,
      retryBudget: { shares, project },
      log: (line) => logs.push(line),
    });

    // Tenant A: 8 concurrent 1,000-byte POSTs, each held by the slow proxy.
    const flood = Array.from({ length: 8 }, () => forward(args('a-app', 'proj-a')));
    await new Promise((r) => setTimeout(r, 50));
    const aSent = sent.filter((s) => s.url.includes('/a-'));
    expect(aSent).toHaveLength(8);
    // Its share alone is half of 4,000 bytes: two bodies buffered, the rest streamed, none refused.
    expect(aSent.filter((s) => s.body === 'bytes')).toHaveLength(2);
    expect(shares.heldBy('proj-a')).toBeLessThanOrEqual(2_000);
    expect(logs.filter((l) => l.includes('forward without retry'))).toHaveLength(6);

    // Tenant B, while A's bodies are held: its body is buffered and re-sent after the refusal.
    const b = await forward(args('b-app', 'proj-b'));
    expect(b.ok).toBe(true);
    expect(b.attempts.map((x) => [x.clusterId, x.status])).toEqual([['first', 503], ['second', 200]]);
    expect(sent.filter((s) => s.url.includes('/b-')).map((s) => s.body)).toEqual(['bytes', 'bytes']);
    expect(shares.heldBy('proj-b')).toBe(0);

    // The answer heads arrive: every held byte is released.
    for (const release of held) release();
    const results = await Promise.all(flood);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(shares.total).toBe(0);
  });
});
