/**
 * The one rule for a header name an app's config may name (affinity header, job key header,
 * route conditions): a lower-case RFC 7230 token of at most 64 characters, which is how the
 * edge (fetch `Headers`, which throws on anything else) and the proxy (Node) both see names.
 */
export const HEADER_NAME = /^[a-z0-9!#$%&'*+\-.^_`|~]{1,64}$/;

/** True when `name` is a lower-case header name both runtimes can look up. */
export function isHeaderName(name: string): boolean {
  return HEADER_NAME.test(name);
}
