/**
 * The words for why a file the operator named cannot be used, one rule for every such file (the
 * config file, the JWKS, the TLS certificate and key, the endpoints file, the job results directory): callers name the
 * setting and the path, these say what is wrong.
 */

/** Why reading a file failed: `no such file`, `it is a directory`, `permission denied`, else the error. */
export function unreadableReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(err);
}

/** Why making a directory failed (`mkdir -p`): Node's `EEXIST … mkdir` names neither cause nor fix. */
export function unmakeableDirReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EEXIST'
    ? 'it is a file, not a directory'
    : code === 'ENOTDIR'
      ? 'a folder on its path is a file'
      : code === 'EACCES'
        ? 'permission denied'
        : String(err);
}

/** A YAML/JSON parse error's first line (the rest is an excerpt of the source), without its trailing colon. */
export function parseProblem(err: unknown): string {
  return ((err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '').replace(/:$/, '');
}
