/**
 * An async job taken through the edge (`?async=1`), as the client can follow it. The proxy that
 * took the job answers 202 with `Location: /_switchyard/jobs/<id>` and the same path as the body's
 * `statusUrl`: paths on that proxy, where the job, its result file and its lookups live (no token:
 * the id is the capability, shared/http/job-path.ts). Passed on as they were, a client resolved
 * them against the edge's URL and got the edge's 404. They are made absolute at the proxy's URL,
 * the one redirect and token answers give out too, so a plain GET of the Location reaches the job
 * (and the status it returns names `resultUrl` relative to that proxy, which resolves there).
 */
import { JOB_PATH } from '../../shared/http/job-path.ts';
import { withoutHopByHop } from './hop-by-hop.ts';
import { proxyBase } from './upstream-url.ts';

/** The proxy's 202 is a small JSON object; a larger body is passed on unread. */
const MAX_JOB_BODY_BYTES = 16 * 1024;

/** Is `r` a proxy's 202 for a job it took (its Location a job path)? */
export function isJobAccepted(r: Response): boolean {
  return r.status === 202 && JOB_PATH.test(r.headers.get('location') ?? '');
}

/** The 202 with its Location and the body's job URLs absolute at `proxyUrl`, the proxy that answered. */
export async function jobAccepted(r: Response, proxyUrl: string): Promise<Response> {
  const base = proxyBase(proxyUrl);
  const headers = withoutHopByHop(r.headers);
  headers.set('location', `${base}${r.headers.get('location') ?? ''}`);
  const init = { status: r.status, statusText: r.statusText, headers };
  const length = Number(r.headers.get('content-length') ?? NaN);
  if (!(length <= MAX_JOB_BODY_BYTES)) return new Response(r.body, init);
  const text = await r.text();
  const body = withAbsoluteUrls(text, base);
  if (body !== text) headers.delete('content-length');
  return new Response(body, init);
}

/** The job view's `statusUrl` / `resultUrl` at `base`; anything else (or what does not parse) as it was. */
function withAbsoluteUrls(text: string, base: string): string {
  let view: unknown;
  try {
    view = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof view !== 'object' || view === null || Array.isArray(view)) return text;
  const v = view as Record<string, unknown>;
  let changed = false;
  for (const key of ['statusUrl', 'resultUrl']) {
    const url = v[key];
    if (typeof url === 'string' && JOB_PATH.test(url)) {
      v[key] = `${base}${url}`;
      changed = true;
    }
  }
  return changed ? JSON.stringify(v) : text;
}
