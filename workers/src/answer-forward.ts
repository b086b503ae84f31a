/**
 * Forward answer: the edge itself sends the request to the chosen cluster's regional proxy with the
 * token attached and streams the response back through a watched body (`watched-body.ts`: an
 * upstream cut is never a clean end). When a proxy refuses, the next fallback is tried with a
 * fresh token minted for that cluster's proxy — but only when `forward-retry.ts` allows it
 * (idempotent method, or the proxy marked the refusal `not-started`). When every cluster refuses,
 * the last refusal is answered as the proxy sent it (status, `Retry-After`, body).
 *
 * Retrying needs the request body again. A body of declared, small size (≤ RETRYABLE_BODY_BYTES,
 * the usual prompt) is read once and sent as bytes to every attempt: workerd then writes it right
 * behind the request head, whereas a stream body (even of declared length) was pumped through JS
 * and left 1.5–2 ms after the head (strace of workerd, BENCHMARKS.md), and the proxy waits for the
 * whole body before it dispatches. Larger or chunked bodies are streamed, never buffered, and get
 * exactly one attempt; a refusal is returned to the client as is.
 *
 * Held bodies are bounded per isolate (`retryBudget`, EDGE_RETRY_BUFFER_BYTES) and shared
 * max-min fairly by project (shared/caching/fair-shares.ts): ~120 concurrent 1 MB POSTs of one
 * tenant against a slow model held more than the isolate's 128 MB until the answers came, and the
 * isolate's reset killed every other tenant's requests in it. A body past its project's share (or
 * with the budget full) is not refused: it is streamed like a large one and gets one attempt. Its
 * bytes are released when the proxy's answer head arrives or the forward ends otherwise.
 *
 * The client's abort signal goes with every upstream fetch, so a client that leaves before the
 * proxy answers closes the edge's connection to the proxy too; the failure that abort causes ends
 * the walk (no token minted nor fetch made for fallbacks nobody waits for).
 */
import type { FairShares } from '../../shared/caching/fair-shares.ts';
import { forwardedFor } from '../../shared/http/header-rules.ts';
import { mayTryNext } from './forward-retry.ts';
import { stripHopByHop, upstreamHeaders, withoutHopByHop } from './hop-by-hop.ts';
import { isJobAccepted, jobAccepted } from './job-location.ts';
import { upstreamUrl } from './upstream-url.ts';
import { declaredBodyLength, streamFormat, watchBody } from './watched-body.ts';
import type { EdgeSpan } from './tracing.ts';

export const RETRYABLE_BODY_BYTES = 1024 * 1024;
/** A refusal body kept to answer with when every cluster refused (proxy refusals are small JSON). */
const MAX_REFUSAL_BODY_BYTES = 16 * 1024;

export interface ForwardTarget {
  readonly clusterId: string;
  readonly proxyUrl: string;
}

export interface ForwardAttempt {
  readonly clusterId: string;
  readonly status: number | null;
  readonly error: string | null;
}

export type ForwardResult =
  | { readonly ok: true; readonly response: Response; readonly attempts: readonly ForwardAttempt[] }
  /** `clientGone`: the last failure was the client's own abort, not a refusal. */
  | { readonly ok: false; readonly attempts: readonly ForwardAttempt[]; readonly clientGone: boolean };

export interface ForwardArgs {
  readonly request: Request;
  readonly upstreamPath: string;
  readonly search: string;
  readonly decisionId: string;
  /** Chosen cluster first, then fallbacks in rank order. */
  readonly targets: readonly ForwardTarget[];
  /** Mints a token for `targets[index]` (its proxy is the audience, later targets its fallbacks). */
  readonly mint: (index: number, traceparent?: string) => Promise<string>;
  /** Traced requests: a CLIENT span per attempt, its traceparent sent to the proxy (tracing.ts). */
  readonly attemptSpan?: (clusterId: string) => EdgeSpan;
  readonly fetcher: typeof fetch;
  /** The app's `requests.forwardAuthorization`: pass the client's credentials on. */
  readonly forwardCredentials?: boolean;
  /** The isolate's bytes for bodies held to re-send, and the project the request counts against. */
  readonly retryBudget?: { readonly shares: FairShares; readonly project: string };
  readonly log: (line: string) => void;
}

/** Declared body bytes a replay would hold (0: no body); null: too large or undeclared, streamed. */
function replayBytes(request: Request): number | null {
  if (request.body === null) return 0;
  const len = Number(request.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(len) && len >= 0 && len <= RETRYABLE_BODY_BYTES ? len : null;
}

/**
 * The whole body of a replayable request (null: it has none). Undefined: the client went away or
 * cut its body before it all came, which is the client's doing, never a cluster's.
 */
async function bodyBytes(request: Request): Promise<Uint8Array | null | undefined> {
  if (request.body === null) return null;
  try {
    return new Uint8Array(await request.arrayBuffer());
  } catch {
    return undefined;
  }
}

/** The client's abort signal, where the runtime provides one (workerd: `enable_request_signal`). */
function clientSignal(request: Request): AbortSignal | undefined {
  const s = (request as Request & { signal?: AbortSignal | null }).signal;
  return s ?? undefined;
}

/**
 * The connecting client's address when something the client cannot forge put it there: Cloudflare
 * sets `CF-Connecting-IP` (replacing any the client sent) and gives every request its `cf`
 * properties. A self-hosted workerd has neither, so a `CF-Connecting-IP` there is the client's own
 * claim: passed on, it let a client take another's address at the proxy (its per-client shares)
 * and pick its rollout arm. Null then: the proxy sees the edge's address, as behind any balancer
 * that adds none.
 */
export function attestedClientIp(request: Request): string | null {
  if (typeof (request as Request & { cf?: unknown }).cf !== 'object') return null;
  const ip = request.headers.get('cf-connecting-ip')?.trim() ?? '';
  return ip === '' ? null : ip;
}

/**
 * Adds the connecting client's address (`attestedClientIp`) to `x-forwarded-for`, so the proxy
 * sees who called rather than a client's claim.
 */
export function withClientIp(headers: Headers, ip: string | null): Headers {
  if (ip === null) return headers;
  const prior = headers.get('x-forwarded-for');
  headers.set('x-forwarded-for', prior === null || prior.trim() === '' ? ip : `${prior}, ${ip}`);
  // Forwarded too: a client-sent element must not stay the last (the one a proxy trusts) unmarked.
  const fwd = headers.get('forwarded');
  headers.set('forwarded', fwd === null || fwd.trim() === '' ? forwardedFor(ip) : `${fwd}, ${forwardedFor(ip)}`);
  return headers;
}

/** A copy of a refusal to answer with later; its connection is released now. */
async function keepRefusal(r: Response): Promise<Response> {
  const reader = r.body?.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  while (reader !== undefined && size < MAX_REFUSAL_BODY_BYTES) {
    const { value, done } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
  }
  await reader?.cancel();
  return new Response(new Blob(parts), { status: r.status, statusText: r.statusText, headers: withoutHopByHop(r.headers) });
}

/** The proxy's response as the client gets it: hop-by-hop headers removed, body watched. */
function relay(r: Response, a: ForwardArgs, clusterId: string): Response {
  const body = r.body === null ? null : watchBody(r.body, {
    format: streamFormat(r.headers),
    length: declaredBodyLength(r.headers),
    onCut: (message) => a.log(JSON.stringify({ level: 'warn', msg: 'upstream cut mid-stream', decision: a.decisionId, cluster: clusterId, error: message })),
  });
  const res = new Response(body, { status: r.status, statusText: r.statusText, headers: r.headers });
  stripHopByHop(res.headers);
  return res;
}

/** Sends the request to the first target that accepts it. Never reads an accepted response body. */
export async function forward(a: ForwardArgs): Promise<ForwardResult> {
  const size = replayBytes(a.request);
  const budget = a.retryBudget;
  const held = size !== null && size > 0 && budget !== undefined ? size : 0;
  if (budget !== undefined && held > 0 && !budget.shares.tryAdd(budget.project, budget.project, held)) {
    a.log(JSON.stringify({
      level: 'info', msg: 'forward without retry: body not buffered', decision: a.decisionId,
      why: `project past its share of the isolate's ${budget.shares.capacity} retry-buffer bytes (holds ${budget.shares.heldBy(budget.project)}, ${budget.shares.total} held in all); body of ${held} bytes streamed, one attempt`,
    }));
    return attempt(a, false);
  }
  try {
    return await attempt(a, size !== null);
  } finally {
    // The answer head has arrived (the accepted body streams on unbuffered), or the forward failed.
    if (budget !== undefined && held > 0) budget.shares.remove(budget.project, budget.project, held);
  }
}

async function attempt(a: ForwardArgs, canRetry: boolean): Promise<ForwardResult> {
  const attempts: ForwardAttempt[] = [];
  const method = a.request.method;
  const bytes = canRetry ? await bodyBytes(a.request) : null;
  if (bytes === undefined) return { ok: false, attempts, clientGone: true };
  // Not replayable: one attempt, with the client's stream as it comes.
  let stream: ReadableStream<Uint8Array> | null = canRetry ? null : a.request.body;
  let lastRefusal: Response | null = null;
  for (let i = 0; i < a.targets.length; i++) {
    const target = a.targets[i];
    if (target === undefined) break;
    const last = i === a.targets.length - 1 || !canRetry;
    const body = bytes ?? stream;
    stream = null;
    const span = a.attemptSpan?.(target.clusterId);
    const token = await a.mint(i, span?.traceparent);
    const headers = withClientIp(
      upstreamHeaders(a.request.headers, token, a.decisionId, { forwardCredentials: a.forwardCredentials ?? false }),
      attestedClientIp(a.request),
    );
    if (span !== undefined) headers.set('traceparent', span.traceparent);
    let response: Response;
    try {
      response = await a.fetcher(upstreamUrl(target.proxyUrl, a.upstreamPath, a.search), {
        method,
        headers,
        body,
        redirect: 'manual',
        signal: clientSignal(a.request),
      });
    } catch (err) {
      span?.end(err instanceof Error ? err.name : 'fetch-failed');
      attempts.push({ clusterId: target.clusterId, status: null, error: err instanceof Error ? err.message : String(err) });
      // The client left (L5): its own abort is no cluster's fault, and nobody waits for a fallback.
      if (last || clientSignal(a.request)?.aborted === true || !mayTryNext(method, null)) break;
      continue;
    }
    // Ends at the proxy's answer head: the body streams on after the edge's part is done.
    span?.set({ 'http.response.status_code': response.status });
    span?.end(response.status >= 500 ? String(response.status) : undefined);
    attempts.push({ clusterId: target.clusterId, status: response.status, error: null });
    if (last || !mayTryNext(method, response)) {
      // A job the proxy took: its URLs are made absolute at that proxy (job-location.ts).
      const answer = isJobAccepted(response)
        ? await jobAccepted(response, target.proxyUrl)
        : relay(response, a, target.clusterId);
      return { ok: true, response: answer, attempts };
    }
    lastRefusal = await keepRefusal(response);
  }
  if (lastRefusal !== null) return { ok: true, response: lastRefusal, attempts };
  return { ok: false, attempts, clientGone: clientSignal(a.request)?.aborted === true };
}
