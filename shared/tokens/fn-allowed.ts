/**
 * Whether a token's `fn` covers the function a request calls. Rules (paths compared without
 * leading/trailing slashes):
 *   - `*` allows any function;
 *   - otherwise the request fn must equal the token fn or lie below it at a segment boundary:
 *     token `v1/chat` (or `v1/chat/*`) allows `v1/chat` and `v1/chat/completions`, not `v1/chatty`;
 *   - a request fn with `.`/`..` or empty segments is refused unless the token allows `*`, so a
 *     path cannot climb out of the granted prefix.
 */
function trim(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

export function fnAllowed(tokenFn: string, requestFn: string): boolean {
  const granted = trim(tokenFn).replace(/\/?\*$/, '');
  if (granted === '') return true;
  const wanted = trim(requestFn);
  if (wanted.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'))
    return false;
  return wanted === granted || wanted.startsWith(`${granted}/`);
}
