/**
 * `GET /__bench?app=<project/app>&kind=decide|request&n=<calls per batch>&batches=<k>`, enabled only
 * by EDGE_BENCH_ROUTE=on. Times work inside the isolate, where workerd's clock is coarse (1 ms, and
 * frozen between I/O in production): so each batch of `n` calls is timed as a whole and the
 * per-call cost is the batch mean. Percentiles are over batch means. Needs the operator key.
 */
import type { RequestFacts } from '../../shared/domain/types.ts';
import type { Edge } from './edge.ts';
import { json } from './response-headers.ts';
import { hashKey } from './auth.ts';
import { checkOperator, OPERATOR_KEY_HEADER } from './operator.ts';
import { errorResponse } from './errors.ts';
import { decide, renderPrompt, seededRng, signRoutingToken } from './shared-deps.ts';
import { compiledRoutes } from './route-hook.ts';
import type { AppSnapshot } from '../../shared/domain/types.ts';

export interface BenchStats {
  readonly kind: string;
  readonly calls: number;
  readonly batches: number;
  readonly perCallUs: { readonly mean: number; readonly p50: number; readonly p99: number; readonly max: number };
}

function stats(kind: string, n: number, batchMs: number[]): BenchStats {
  const us = batchMs.map((ms) => (ms * 1000) / n).sort((a, b) => a - b);
  const at = (q: number): number => us[Math.min(us.length - 1, Math.floor(q * us.length))] ?? NaN;
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    kind,
    calls: n * us.length,
    batches: us.length,
    perCallUs: { mean: round(us.reduce((a, b) => a + b, 0) / us.length), p50: round(at(0.5)), p99: round(at(0.99)), max: round(us[us.length - 1] ?? NaN) },
  };
}

const yieldToIo = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

export async function benchRoute(edge: Edge, url: URL, request: Request): Promise<Response> {
  const appId = url.searchParams.get('app') ?? '';
  const kind = url.searchParams.get('kind') ?? 'decide';
  const n = Math.max(1, Math.min(100_000, Number(url.searchParams.get('n') ?? 1000)));
  const batches = Math.max(1, Math.min(1_000, Number(url.searchParams.get('batches') ?? 50)));
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  // Operator-only, checked before any snapshot read: a benchmarking edge must not let anyone make
  // it read (and run batches of decisions on) any tenant's snapshot.
  const notOperator = await checkOperator(request.headers, edge.deps.config.operatorKey);
  if (notOperator !== null) return errorResponse(notOperator);
  const hit = await edge.snapshots.get(appId, ctx.waitUntil);
  const snapshot = hit.value;
  if (snapshot === null) return json({ error: `unknown app ${appId}` }, 404);
  const times: number[] = [];
  if (kind === 'decide') {
    const facts: RequestFacts = {
      appId, fn: 'generate', method: 'POST', affinityKey: null, synthetic: false,
      client: { colo: 'FRA', country: 'DE', continent: 'EU', location: { lat: 50.1, lon: 8.7 } },
    };
    const policy = edge.deps.config.policy;
    let sink = 0;
    for (let b = 0; b < batches; b++) {
      await yieldToIo(); // let the clock advance
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        const seed = `bench-${b}-${i}`;
        const d = decide(facts, snapshot, policy, { now: Date.now(), rng: seededRng(seed), seed, decisionId: seed, staleSnapshot: false });
        sink += d.candidates.length;
      }
      times.push(performance.now() - t0);
    }
    return json({ ...stats('decide', n, times), sink });
  }
  if (kind === 'classify') return benchClassify(snapshot, n, batches);
  if (kind === 'sign' || kind === 'hash') {
    // Breakdown of the request path's two crypto steps.
    const key = edge.deps.config.signingKey;
    for (let b = 0; b < batches; b++) {
      await yieldToIo();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        if (kind === 'hash') await hashKey(`sk_bench_${i}`);
        else
          await signRoutingToken(
            { aud: 'proxy-eu', app: appId, fn: 'generate', cluster: 'eu-west', fallbacks: ['us-east'], did: `d-${b}-${i}` },
            key,
            { now: Date.now(), ttlSeconds: 30 },
          );
      }
      times.push(performance.now() - t0);
    }
    return json(stats(kind, n, times));
  }
  // A warm token-mode request through the whole edge path (router → auth → decision → token).
  // kind=explain: the same path without minting a token (synthetic), to isolate the signing cost.
  const target = `${url.origin}/${kind === 'explain' ? 'explain' : 'token'}/v4/${appId}/generate`;
  const headers = new Headers({ authorization: request.headers.get('authorization') ?? '' });
  // explain is operator-only (operator.ts): the bench's caller passes the key on.
  const operator = request.headers.get(OPERATOR_KEY_HEADER);
  if (operator !== null) headers.set(OPERATOR_KEY_HEADER, operator);
  const cf = { colo: 'FRA', country: 'DE', continent: 'EU', latitude: '50.1', longitude: '8.7' };
  for (let b = 0; b < batches; b++) {
    await yieldToIo();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const res = await edge.handle(new Request(target, { headers, cf } as RequestInit), ctx);
      if (res.status !== 200) return json({ error: `bench request answered ${res.status}: ${await res.text()}` }, 500);
      await res.arrayBuffer();
    }
    times.push(performance.now() - t0);
  }
  await Promise.allSettled(pending);
  return json(stats(kind, n, times));
}

/** A 4 KB chat prompt (the size issue 17 sets the 1 ms budget for), mixed prose and code. */
export function benchPrompt(bytes = 4096): string {
  const words = 'please review this function and explain why the loop never ends const total = items.reduce((a, b) => a + b, 0); return total; the summary of the meeting was short'.split(' ');
  let text = '';
  for (let i = 0; text.length < bytes; i++) text += `${words[(i * 7) % words.length] ?? ''} `;
  return text.slice(0, bytes);
}

/** kind=classify: the intent classifier of the app's routes on a 4 KB prompt, rendered as the hook renders it. */
async function benchClassify(snapshot: AppSnapshot, n: number, batches: number): Promise<Response> {
  const routes = snapshot.app.routes;
  if (routes === undefined) return json({ error: `app ${snapshot.app.id} has no routes` }, 404);
  const classifier = compiledRoutes(routes).classifier;
  if (classifier === null) return json({ error: `app ${snapshot.app.id} has no intent routes` }, 404);
  const prompt = renderPrompt({ model: 'chat-70b', messages: [{ role: 'user', content: benchPrompt() }] }) ?? '';
  const times: number[] = [];
  let sink = 0;
  for (let b = 0; b < batches; b++) {
    await yieldToIo();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) sink += classifier.classify(prompt).label.length;
    times.push(performance.now() - t0);
  }
  return json({ ...stats('classify', n, times), promptChars: prompt.length, sink });
}
