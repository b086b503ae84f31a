/**
 * A CORS origin as `apps[].corsOrigins` takes it. The edge compares each entry exactly with the
 * browser's `Origin` header (workers/src/cors.ts), so an entry that is not an origin as browsers
 * serialise it (`app.example.com`, `https://app.example.com/`, `HTTPS://App.example.com`) never
 * matches and the app's browser clients are blocked with no error anywhere.
 */
const EXPECTED = "must be '*' or an origin as browsers send it: scheme://host[:port], e.g. https://app.example.com";

/** Why `raw` can never match a browser's Origin header, or null when it can. */
export function corsOriginProblem(raw: string): string | null {
  if (raw === '*') return null;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return EXPECTED;
  }
  // Non-special schemes (chrome-extension://id) have an opaque URL origin: compare scheme + host.
  const origin = u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : `${u.protocol}//${u.host}`;
  if (u.host === '' || origin === raw) return u.host === '' ? EXPECTED : null;
  return `${EXPECTED}; did you mean '${origin}'? (no path, query or trailing slash; lower-case scheme and host)`;
}
