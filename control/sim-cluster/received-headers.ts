/**
 * The request headers echoed back in `x-sim-received-headers`, so proxy tests
 * can check what reached the cluster (trace context, client address chain).
 */
import type { IncomingHttpHeaders } from 'node:http';

export const ECHOED_HEADERS = ['traceparent', 'x-forwarded-for', 'forwarded'] as const;

/** JSON object of the echoed headers present (repeated headers joined with ", "). */
export function receivedHeadersJson(headers: IncomingHttpHeaders): string {
  const out: Record<string, string> = {};
  for (const name of ECHOED_HEADERS) {
    const v = headers[name];
    if (v !== undefined) out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return JSON.stringify(out);
}
