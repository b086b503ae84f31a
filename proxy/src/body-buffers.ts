/**
 * This process's memory for request bodies it holds whole (PROXY_BUFFERED_BODY_BYTES), shared
 * fairly between projects (shared/caching/fair-shares.ts: one project alone holds at most half).
 * Most bodies stream through with backpressure and cost a socket buffer; these are read whole and
 * kept for the exchange's life: a token-budgeted app's (counted, maybe rewritten), an
 * inference-aware app's prompt, a managed stream's (re-sent on a continuation), an async job's
 * (until stored). Without a bound one tenant holding many 8 MiB bodies (24 held streams: +656 MiB)
 * could run the process out of memory for every tenant. Past its share a request gets 429
 * `body-buffers-limited` before a byte of its body is read (413 when one body is more than a
 * project may ever hold), counted against no replica or cluster.
 */
import { FairShares } from '../../shared/caching/fair-shares.ts';
import { carriesBody, declaredLength } from './body-limit.ts';
import type { ClientRequest } from './client-io.ts';
import { ProxyError } from './errors.ts';

export class BodyBuffers {
  readonly #shares: FairShares;

  constructor(readonly capacity: number) {
    this.#shares = new FairShares(capacity);
  }

  /** Bytes held now, all projects. */
  get held(): number {
    return this.#shares.total;
  }

  /** Holds `bytes` for `appId` of `project`: the function that gives them back (once), or the refusal. */
  hold(project: string, appId: string, bytes: number): (() => void) | ProxyError {
    if (!this.#shares.tryAdd(project, appId, bytes)) return this.#refusal(project, appId, bytes);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#shares.remove(project, appId, bytes);
    };
  }

  #refusal(project: string, appId: string, bytes: number): ProxyError {
    const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
    const what = `${appId}'s request body (${mib(bytes)}) must be held whole by this proxy`;
    // Never fits, however long the client waits: a 413 that says so, not a 429 to retry.
    if (bytes * 2 > this.capacity) {
      const message = `${what}, which is more than a project may hold (half of PROXY_BUFFERED_BODY_BYTES, ${mib(this.capacity)}): send a smaller body, or an operator raises it`;
      return new ProxyError('body-buffers-limited', 413, message, false, null, true);
    }
    const message = `${what}, and project ${project} holds its fair share of the proxy's memory for such bodies (${mib(this.#shares.heldBy(project))} of ${mib(this.capacity)}); retry after 1s, when some of its requests have ended, or through another proxy`;
    return new ProxyError('body-buffers-limited', 429, message, false, 1, true);
  }
}

/** What decides whether an admitted request's body will be held whole (request-handler.ts). */
export interface BufferedBodyFacts {
  /** The body goes to an async job (stored whole). */
  readonly asyncJob: boolean;
  /** The app or its project has a token budget (the body is counted whole); asked only of a POST with a length. */
  budgeted: () => boolean;
  /** inference-aware and its prompt will be read (replica-prompt.ts `readsPrompt`). */
  readsPrompt: () => boolean;
  /** The project's salt goes into the body (prompt-cache-isolation.ts): JSON POSTs are read whole. */
  saltsPrompt: () => boolean;
  /** The app manages streams (heartbeats or continuation): JSON POSTs are read whole. */
  readonly managedStreams: boolean;
  readonly maxBodyBytes: number;
}

/**
 * Bytes the admitted request's body will hold whole, 0 when it streams through: its declared
 * length, or the app's limit when none is declared (a chunked body is read up to it).
 */
export function bufferedBodyBytes(req: ClientRequest, f: BufferedBodyFacts): number {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return 0;
  const length = declaredLength(req.headers);
  if (!carriesBody(req)) return 0;
  const json = String(req.headers['content-type'] ?? 'application/json').toLowerCase().includes('json');
  // A budgeted POST without a length is refused 411 unread (token-budgets.ts).
  const whole = f.asyncJob || (method === 'POST' && ((length !== null && f.budgeted()) || (f.managedStreams && json) || f.readsPrompt() || f.saltsPrompt()));
  return whole ? (length ?? f.maxBodyBytes) : 0;
}
