/**
 * Every refusal the edge can send, in one place: a stable `code`, an HTTP status and a message a
 * caller can act on. Foreign failures (libSQL, fetch, jose) are converted into these at the
 * boundary where they happen, so the router only ever renders `EdgeError`s.
 */
import { callerKeyRefusal, type CallerKeyRefusal, type CallerKeyRefusalCode } from '../../shared/http/caller-key-refusal.ts';
import { isOperatorKeyRefusal, OPERATOR_KEY_CHALLENGE, OPERATOR_KEY_REFUSAL_STATUS } from '../../shared/http/operator-key-refusal.ts';

export type EdgeErrorCode =
  | 'bad-path' // 400: not /v4/<project>/<app>/<function>
  | 'bad-mode' // 400: unknown sy_mode / x-switchyard-mode
  | 'body-not-allowed' // 400: GET/HEAD with a body
  | 'bad-job-key' // 400: the app's job key header is too long or not visible ASCII
  | 'unknown-route' // 400: x-switchyard-route / sy_route names no route of the app
  | 'unknown-function' // 404: a function the app does not declare (requests.functions)
  | 'body-too-large' // 413: over the app's requests.maxBodyBytes
  | 'upgrade-needs-token' // 426: WebSocket upgrade on the forwarding route
  | 'missing-key' // 401
  | 'unknown-key' // 401
  | 'wrong-project' // 403
  | 'revoked-key' // 403
  | 'unknown-app' // 404
  | 'not-found' // 404: no such route
  | 'method-not-allowed' // 405 + Allow: e.g. POST /health
  | 'no-candidate' // 503: the decision found no cluster that may serve the request
  | 'not-served-in-continent' // 451: a client-continent app has no cluster on the client's continent
  | 'no-snapshot' // 503: database unreachable and nothing cached for this app
  | 'edge-busy' // 503 + Retry-After: too many uncached apps/keys being read at once (EDGE_MAX_FIRST_LOADS)
  | 'all-refused' // 502: every chosen/fallback proxy refused or was unreachable
  | 'client-gone' // 499: the client aborted before the proxy answered (nobody reads this answer)
  | 'operator-key-missing' // 401 + WWW-Authenticate: explain / synthetic without x-switchyard-operator-key
  | 'operator-key-wrong' // 401 + WWW-Authenticate: explain / synthetic with a wrong operator key (shared/http/operator-key-refusal.ts)
  | 'explain-disabled' // 403: EDGE_OPERATOR_KEY is not set, so explain is off
  | 'internal' // 500: an unexpected failure (details in the log, never in the answer)
  | 'bad-config'; // 500: the Worker's environment variables are invalid

export class EdgeError extends Error {
  override readonly name = 'EdgeError';
  constructor(
    readonly code: EdgeErrorCode,
    readonly status: number,
    message: string,
    /** Extra machine-readable details (e.g. the invalid variables). */
    readonly details?: unknown,
    /** For the Worker's log only, never rendered: what the client may not see (e.g. an app's functions). */
    readonly logDetail?: string,
  ) {
    super(message);
  }
}

/** The JSON body shape of every error the edge returns. */
export interface ErrorBody {
  readonly error: { readonly code: EdgeErrorCode; readonly message: string; readonly details?: unknown };
}

/** Renders an error as `{ error: { code, message } }` with its status. */
export function errorResponse(err: EdgeError, headers?: HeadersInit): Response {
  const body: ErrorBody = {
    error: { code: err.code, message: err.message, ...(err.details === undefined ? {} : { details: err.details }) },
  };
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  h.set('cache-control', 'no-store');
  if (isOperatorKeyRefusal(err.code)) h.set('www-authenticate', OPERATOR_KEY_CHALLENGE);
  return new Response(JSON.stringify(body), { status: err.status, headers: h });
}

/** Short constructors so call sites read as the refusal they make. */
/** A refused caller key, as the proxy in-region refuses it too (shared/http/caller-key-refusal.ts). */
function keyRefusal<C extends CallerKeyRefusalCode & EdgeErrorCode>(r: CallerKeyRefusal<C>): EdgeError {
  return new EdgeError(r.code, r.status, r.message);
}

export const refuse = {
  badPath: (path: string): EdgeError =>
    new EdgeError(
      'bad-path',
      400,
      `"${path}" is not a Switchyard route: use /v4/<project>/<app>/<function>, /token/v4/..., or /explain/v4/...`,
    ),
  badMode: (mode: string): EdgeError =>
    new EdgeError('bad-mode', 400, `Unknown answer mode ${JSON.stringify(mode.slice(0, 64))}: use forward, redirect or token.`),
  upgradeNeedsToken: (tokenPath: string): EdgeError =>
    new EdgeError(
      'upgrade-needs-token',
      426,
      `WebSocket upgrades are not proxied by the edge. GET ${tokenPath} for a routing token, then connect to its "url" with the token in the x-switchyard-token header (or ?sy_token=).`,
    ),
  missingKey: (): EdgeError => keyRefusal(callerKeyRefusal.missing()),
  methodNotAllowed: (path: string, allow: string): EdgeError =>
    new EdgeError('method-not-allowed', 405, `${path} answers ${allow} only.`),
  twoAuthorizations: (): EdgeError => keyRefusal(callerKeyRefusal.twoAuthorizations()),
  malformedAuthorization: (): EdgeError => keyRefusal(callerKeyRefusal.malformedAuthorization()),
  unknownKey: (): EdgeError => keyRefusal(callerKeyRefusal.unknown()),
  wrongProject: (appId: string): EdgeError => keyRefusal(callerKeyRefusal.wrongProject(appId)),
  revokedKey: (): EdgeError => keyRefusal(callerKeyRefusal.revoked()),
  unknownApp: (appId: string): EdgeError =>
    new EdgeError('unknown-app', 404, `No app "${appId}": check the project and app names in the URL.`),
  // Admission runs after the key check, but an open app (`auth: false`) lets anyone reach it: the caller learns only that its function is not served.
  unknownFunction: (appId: string, fn: string, declared: readonly string[]): EdgeError =>
    new EdgeError('unknown-function', 404, `${appId} does not expose "${fn}".`, undefined, `declared functions: ${declared.join(', ')}`),
  notFound: (path: string): EdgeError => new EdgeError('not-found', 404, `No route for "${path}".`),
  badJobKey: (problem: string): EdgeError => new EdgeError('bad-job-key', 400, `Invalid job key: ${problem}.`),
  // `listKnown`: only for a caller whose key proved it is the app's tenant. An open app (`auth:
  // false`, or the edge's auth off) lets anyone, another tenant too, ask: its route names (its
  // config) go to the Worker's log then, as an unknown function's declared list does.
  unknownRoute: (name: string, known: readonly string[], listKnown: boolean): EdgeError => {
    const asked = `This app has no route ${JSON.stringify(name.slice(0, 64))}`;
    const list = `known routes: ${known.join(', ') || 'none'}`;
    return listKnown
      ? new EdgeError('unknown-route', 400, `${asked}; ${list}.`)
      : new EdgeError('unknown-route', 400, `${asked}. The app's routes are in its config (x-switchyard-route / sy_route names one).`, undefined, list);
  },
  // Refusals below name no cluster, provider or cause: those are fleet internals. Operators find
  // the details in the log and with `/explain` (the decision id is on every decided answer).
  noCandidate: (): EdgeError =>
    new EdgeError('no-candidate', 503, 'No cluster may serve this request right now. Retry shortly; operators can explain the decision by its x-switchyard-decision-id.'),
  // The app's own rule and the client's continent, nothing of the fleet: no retry can help.
  continentUnserved: (continent: string | null): EdgeError =>
    new EdgeError(
      'not-served-in-continent',
      451,
      continent === null
        ? "This app serves each client only from its own continent, and this request's continent could not be determined. Retrying will not help."
        : `This app serves each client only from its own continent and has no cluster in ${continent}. Retrying will not help.`,
    ),
  noSnapshot: (appId: string): EdgeError =>
    new EdgeError(
      'no-snapshot',
      503,
      `Routing state for ${appId} is unavailable (control-plane database unreachable) and nothing is cached yet. Retry shortly.`,
    ),
  edgeBusy: (): EdgeError =>
    new EdgeError('edge-busy', 503, 'The edge is reading too many unfamiliar apps or keys at once. Retry after the Retry-After seconds.'),
  allRefused: (tried: number): EdgeError =>
    new EdgeError('all-refused', 502, `Every cluster tried (${tried}) refused the request or was unreachable. Retry shortly.`),
  clientGone: (): EdgeError => new EdgeError('client-gone', 499, 'The client closed the request before a cluster answered.'),
  operatorKeyMissing: (): EdgeError =>
    new EdgeError('operator-key-missing', OPERATOR_KEY_REFUSAL_STATUS, 'Explanations, synthetic requests and the /health counters are for operators: send the operator key in x-switchyard-operator-key.'),
  operatorKeyWrong: (): EdgeError =>
    new EdgeError('operator-key-wrong', OPERATOR_KEY_REFUSAL_STATUS, "The operator key is not valid: send this edge's EDGE_OPERATOR_KEY in x-switchyard-operator-key."),
  explainDisabled: (): EdgeError =>
    new EdgeError('explain-disabled', 403, 'Explanations, synthetic requests and the /health counters are disabled on this edge: the operator sets EDGE_OPERATOR_KEY (a Worker secret) to enable them.'),
  internal: (): EdgeError => new EdgeError('internal', 500, 'Unexpected edge failure; it has been logged. Retry shortly.'),
};
