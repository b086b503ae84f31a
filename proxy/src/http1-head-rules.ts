/**
 * What Node's HTTP/1 parser lets through that RFC 9112 refuses, checked before anything reads
 * the request: a request line naming a version other than 1.x (`HTTP/2.0` was served as 1.1),
 * and Host (§3.2: exactly one in an HTTP/1.1 request, at most one in 1.0). Node keeps the first of
 * two Hosts, so the proxy and whatever sits in front of it could disagree on the authority; and
 * its own missing-Host refusal was a bare 400 without the JSON every other refusal has (the
 * servers are made with `requireHostHeader: false`, listener.ts). HTTP/2 requests are framed by
 * their own protocol (`:authority`) and pass.
 */
import { ProxyError } from './errors.ts';

export interface Http1Head {
  readonly httpVersionMajor: number;
  readonly httpVersionMinor: number;
  readonly rawHeaders: readonly string[];
}

export function malformedHttp1Head(req: Http1Head): ProxyError | null {
  if (req.httpVersionMajor !== 1) {
    return new ProxyError('http-version-not-supported', 505, `HTTP/${req.httpVersionMajor}.${req.httpVersionMinor} is not spoken on an HTTP/1 connection: send HTTP/1.1, or HTTP/2 with its connection preface`);
  }
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if ((req.rawHeaders[i] as string).toLowerCase() === 'host') hosts += 1;
  if (hosts > 1) return new ProxyError('malformed-request', 400, `the request has ${hosts} Host headers; send exactly one`);
  if (hosts === 0 && req.httpVersionMinor >= 1) return new ProxyError('malformed-request', 400, 'an HTTP/1.1 request needs a Host header');
  return null;
}
