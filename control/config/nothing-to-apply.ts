/**
 * A config file that declares nothing is refused rather than applied as "no changes": an empty
 * file is usually a failed render or the wrong path, and `apps: []` reads as "remove every app"
 * while `apply` only adds and updates rows (it never deletes). Either way the operator must hear
 * that nothing happened.
 */
import { parseDocument } from 'yaml';
import type { DesiredConfig } from './types.ts';

/** Why `file` has nothing to apply, or null when it declares at least one row. */
export function nothingToApply(text: string, config: DesiredConfig, file: string): string | null {
  const rows = config.projects.length + config.apiKeys.length + config.clusters.length + config.apps.length;
  if (rows > 0) return null;
  // A document without a value: zero bytes, whitespace, comments, a bare `---` or `~`.
  if (parseDocument(text).toJS() == null) return `${file} is empty: nothing to apply`;
  return `${file} declares no projects, apiKeys, clusters or apps: nothing to apply (apply adds and updates rows, it never deletes them)`;
}
