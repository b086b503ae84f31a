/**
 * The one rule for what an API key looks like, shared by the control plane (config validation:
 * a malformed key is refused on apply) and the edge (a key that cannot be valid is refused before
 * any database read). Pure: no I/O.
 */

// Long enough not to be guessable, no whitespace so headers carry them intact.
const KEY_SHAPE = /^[A-Za-z0-9._~+/=-]{16,256}$/;

export function isWellFormedKey(value: string): boolean {
  return KEY_SHAPE.test(value);
}
