/**
 * Keeps web pages away from the local endpoint (issue 11 #6). Any page open in a browser while the
 * stack runs could otherwise POST a pipeline here (as text/plain, which needs no preflight) and run
 * arbitrary SQL. Real clients (`@libsql/client`, the Worker) are not browsers, so:
 *   * the body must be declared `application/json` — a cross-site form or no-cors fetch cannot
 *     send that content type without a CORS preflight, which this server never grants;
 *   * a request carrying `Origin` (browsers add it to cross-origin POSTs) is refused;
 *   * `Host` must be an IP literal or `localhost`, so a DNS-rebinding name pointed at 127.0.0.1
 *     cannot reach it either.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { crossSiteRefused, unsupportedMediaType } from './errors.ts';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** An IP literal or localhost: names that no foreign DNS record can point at us. */
export function isLocalHostHeader(host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  const name = hostName(host.trim().toLowerCase());
  return name === 'localhost' || IPV4.test(name) || (host.startsWith('[') && name.includes(':'));
}

export function checkNotCrossSite(headers: IncomingHttpHeaders): void {
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw unsupportedMediaType('Send the Hrana request body as JSON with "content-type: application/json"');
  }
  if (headers.origin !== undefined) {
    throw crossSiteRefused('Requests from web pages (with an Origin header) are refused by the local libSQL endpoint');
  }
  if (!isLocalHostHeader(headers.host)) {
    throw crossSiteRefused('The Host header must be an IP address or localhost (DNS names are refused to stop DNS rebinding)');
  }
}
