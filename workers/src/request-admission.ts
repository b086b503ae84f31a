/**
 * The edge's checks of an app's request rules (`app.requests`), before any decision or upstream
 * contact, with the same rules the regional proxy applies: only declared functions (404
 * otherwise, without the list: the caller is not authenticated yet), bodies within `maxBodyBytes` (413 on a larger Content-Length; a chunked body is
 * counted by the proxy, which answers 413 itself), and no body on GET/HEAD (400 at once,
 * instead of a refusal from every fallback).
 */
import type { AppRequestRules } from '../../shared/domain/types.ts';
import { functionAllowed } from '../../shared/http/function-allow-list.ts';
import type { PathRefusal } from '../../shared/http/request-path.ts';
import { EdgeError, refuse } from './errors.ts';

/** The refusal for a path the shared parser did not accept. */
export function pathRefusal(pathname: string, refusal: PathRefusal): EdgeError {
  if (refusal.code === 'not-app-path') return refuse.notFound(pathname);
  // Some reasons already name the shape; say it once.
  const shape = '/v4/<project>/<app>/<function>';
  const hint = refusal.reason.includes(shape) ? '' : ` Use ${shape}.`;
  return new EdgeError('bad-path', 400, `"${pathname}" is not a canonical app path: ${refusal.reason}.${hint}`);
}

function declaredLength(headers: Headers): number | null {
  const raw = headers.get('content-length');
  if (raw === null) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** Null when the request may go on; else the refusal to answer with. */
export function admitRequest(request: Request, appId: string, fn: string, rules: AppRequestRules): EdgeError | null {
  if (!functionAllowed(rules.functions, fn)) {
    return refuse.unknownFunction(appId, fn, rules.functions);
  }
  const length = declaredLength(request.headers);
  const method = request.method.toUpperCase();
  if ((method === 'GET' || method === 'HEAD') && ((length !== null && length > 0) || request.headers.has('transfer-encoding') || (length === null && request.body !== null))) {
    return new EdgeError('body-not-allowed', 400, `A ${method} request cannot carry a body; send it with POST.`);
  }
  if (length !== null && length > rules.maxBodyBytes) {
    return new EdgeError('body-too-large', 413, `The request body is ${length} bytes; ${appId} accepts at most ${rules.maxBodyBytes}.`);
  }
  return null;
}
