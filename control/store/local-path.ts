/** The filesystem path behind a `file:` database URL, so the CLI can create its directory. */
import { fileURLToPath } from 'node:url';

/** Null for `:memory:` and remote URLs. Accepts `file:rel/path`, `file:/abs` and `file:///abs`. */
export function localPathOf(url: string): string | null {
  if (!url.startsWith('file:')) return null;
  const withoutQuery = url.split('?')[0] ?? url;
  if (withoutQuery.startsWith('file://')) return fileURLToPath(withoutQuery);
  return decodeURIComponent(withoutQuery.slice('file:'.length));
}
