/**
 * Forward answer: the edge itself sends the request to the chosen cluster's regional proxy with the
 * token attached and streams the response back without reading it. When a proxy refuses (network
 * error, or 502/503 marked `x-switchyard-refused`) the next fallback is tried with a fresh token
 * minted for that cluster's proxy.
 *
 * Retrying needs the request body again. Bodies are streamed, never buffered, so a request with a
 * body is retried only when its size is known and small (≤ RETRYABLE_BODY_BYTES): its stream is
 * tee'd, one branch goes upstream, the other waits for a possible retry. Larger or chunked bodies
 * get exactly one attempt, and a refusal is returned to the client as is.
 */
import { upstreamHeaders, withoutHopByHop } from './hop-by-hop.ts';
import { upstreamUrl } from './upstream-url.ts';

export const RETRYABLE_BODY_BYTES = 1024 * 1024;

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
  | { readonly ok: false; readonly attempts: readonly ForwardAttempt[] };

export interface ForwardArgs {
  readonly request: Request;
  readonly upstreamPath: string;
  readonly search: string;
  readonly decisionId: string;
  /** Chosen cluster first, then fallbacks in rank order. */
  readonly targets: readonly ForwardTarget[];
  /** Mints a token for `targets[index]` (its proxy is the audience, later targets its fallbacks). */
  readonly mint: (index: number) => Promise<string>;
  readonly fetcher: typeof fetch;
  /** The app's `requests.forwardAuthorization`: pass the client's credentials on. */
  readonly forwardCredentials?: boolean;
}

const refused = (r: Response): boolean => (r.status === 502 || r.status === 503) && r.headers.get('x-switchyard-refused') !== null;

function retryable(request: Request): boolean {
  if (request.body === null) return true;
  const len = Number(request.headers.get('content-length') ?? NaN);
  return Number.isFinite(len) && len <= RETRYABLE_BODY_BYTES;
}

/** Sends the request to the first target that accepts it. Never reads the response body. */
export async function forward(a: ForwardArgs): Promise<ForwardResult> {
  const attempts: ForwardAttempt[] = [];
  const canRetry = retryable(a.request);
  let spare: ReadableStream<Uint8Array> | null = a.request.body;
  for (let i = 0; i < a.targets.length; i++) {
    const target = a.targets[i];
    if (target === undefined) break;
    const last = i === a.targets.length - 1 || !canRetry;
    let body: ReadableStream<Uint8Array> | null = null;
    if (spare !== null) {
      if (last) {
        body = spare;
        spare = null;
      } else {
        [body, spare] = spare.tee();
      }
    }
    const token = await a.mint(i);
    let response: Response;
    try {
      response = await a.fetcher(upstreamUrl(target.proxyUrl, a.upstreamPath, a.search), {
        method: a.request.method,
        headers: upstreamHeaders(a.request.headers, token, a.decisionId, { forwardCredentials: a.forwardCredentials ?? false }),
        body,
        redirect: 'manual',
      });
    } catch (err) {
      attempts.push({ clusterId: target.clusterId, status: null, error: err instanceof Error ? err.message : String(err) });
      if (last) return { ok: false, attempts };
      continue;
    }
    attempts.push({ clusterId: target.clusterId, status: response.status, error: null });
    if (refused(response) && !last) {
      // Release the refused response's connection before trying the next cluster.
      await response.body?.cancel();
      continue;
    }
    const headers = withoutHopByHop(response.headers);
    return { ok: true, response: new Response(response.body, { status: response.status, statusText: response.statusText, headers }), attempts };
  }
  return { ok: false, attempts };
}
