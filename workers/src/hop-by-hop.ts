/**
 * The edge's side of the shared header rules (`shared/http/header-rules.ts`) on `Headers`:
 * hop-by-hop headers never cross the edge in either direction; the client's credentials
 * (`Authorization`, cookies) stop here once authenticated unless the app forwards them; a
 * client-supplied routing token or mode is replaced by ours. The operator key
 * (`x-switchyard-operator-key`) is always stripped here, even when the app forwards credentials.
 */
import {
  HOP_BY_HOP,
  STRIP_CREDENTIALS,
  TOKEN_HEADER,
  connectionListed,
  dropRequestHeaderTowardProxy,
  dropResponseHeader,
  withoutOperatorCookies,
  type RequestHeaderPolicy,
} from '../../shared/http/header-rules.ts';
import { OPERATOR_KEY_HEADER } from './operator.ts';

/** Copies response `headers` without hop-by-hop headers (including those named in `Connection`). */
export function withoutHopByHop(headers: Headers): Headers {
  const listed = connectionListed(headers.get('connection'));
  const out = new Headers();
  for (const [name, value] of headers) if (!dropResponseHeader(name, listed)) out.append(name, value);
  return out;
}

/**
 * Removes hop-by-hop headers (including those named in `Connection`) from `headers` in place: the
 * proxy's answer is copied natively into the client's Response and only these few are deleted,
 * cheaper in workerd than iterating and appending every header in JS (first-chunk path).
 */
export function stripHopByHop(headers: Headers): Headers {
  const listed = connectionListed(headers.get('connection'));
  for (const name of [...HOP_BY_HOP, ...listed]) if (dropResponseHeader(name, listed)) headers.delete(name);
  return headers;
}

/** Headers sent to the proxy: hop-by-hop, credentials (unless forwarded) and client routing headers removed; ours set. */
export function upstreamHeaders(
  incoming: Headers,
  token: string,
  decisionId: string,
  policy: RequestHeaderPolicy = STRIP_CREDENTIALS,
): Headers {
  const listed = connectionListed(incoming.get('connection'));
  const out = new Headers();
  // What the client asks of the proxy itself (async job, webhook) goes on: the proxy reads and strips it.
  for (const [name, value] of incoming) if (!dropRequestHeaderTowardProxy(name, listed, policy)) out.append(name, value);
  // Our operator credentials, never the app's: stripped whatever the app forwards (L3), the
  // dashboard's session cookie too (a dashboard on this host gets it sent here: ports do not count).
  out.delete(OPERATOR_KEY_HEADER);
  const cookie = out.get('cookie');
  if (cookie !== null) {
    const kept = withoutOperatorCookies(cookie);
    if (kept === null) out.delete('cookie');
    else if (kept !== cookie) out.set('cookie', kept);
  }
  out.set(TOKEN_HEADER, token);
  out.set('x-switchyard-decision-id', decisionId);
  return out;
}
