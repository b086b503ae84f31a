/** Maps `api_keys` and app-id rows to domain values. */
import type { ApiKey } from '../domain/types.ts';
import { KeyHashFilter } from './key-hash-filter.ts';
import { bool, parseEachRow, str, type Row, type UnreadableRow } from './row-values.ts';

/** The first row of `API_KEY_STATEMENT`'s result, or null when there is none (unknown key). */
export function parseApiKeyRow(row: Row | undefined): ApiKey | null {
  if (row === undefined) return null;
  const id = str(row, 'id', 'api_keys row');
  const where = `api_keys row ${JSON.stringify(id)}`;
  return {
    id,
    projectId: str(row, 'project_id', where),
    hash: str(row, 'hash', where),
    revoked: bool(row, 'revoked', where),
  };
}

/**
 * The rows of `API_KEYS_STATEMENT(limit)` (or `API_KEYS_BY_HASH_STATEMENTS`) by hash. A row that
 * cannot be read is left out and returned in `unreadable`: its key is then refused as unknown
 * (never accepted), and every other tenant's keys, revocations included, still take effect.
 */
export function parseApiKeyRows(rows: readonly Row[]): { keys: Map<string, ApiKey>; unreadable: UnreadableRow[] } {
  const { values, unreadable } = parseEachRow(rows, 'api_keys', (row) => parseApiKeyRow(row));
  const keys = new Map<string, ApiKey>();
  for (const key of values) if (key !== null) keys.set(key.hash, key);
  return { keys, unreadable };
}

/**
 * The rows of `UNHELD_PROJECTS_STATEMENT`: the projects whose keys are looked up one by one, and
 * for those with `prefixes`, the filter that refuses a made-up key of theirs unread. An
 * unreadable project is reported; its keys, held neither way, are refused as unknown. Unreadable
 * prefixes are reported too, and that project's keys are then all looked up (never refused).
 */
export function parseUnheldProjectRows(rows: readonly Row[]): { projects: Set<string>; filters: Map<string, KeyHashFilter>; unreadable: UnreadableRow[] } {
  const filters = new Map<string, KeyHashFilter>();
  const bad: UnreadableRow[] = [];
  const { values, unreadable } = parseEachRow(rows, 'api_keys project', (row) => {
    const id = str(row, 'id', 'api_keys project');
    const prefixes = row['prefixes'];
    if (prefixes === null || prefixes === undefined) return id;
    const filter = typeof prefixes === 'string' ? KeyHashFilter.fromHex(prefixes) : null;
    if (filter !== null) filters.set(id, filter);
    else bad.push({ table: 'api_keys project', id, error: 'key hash prefixes unreadable: its keys are looked up one by one' });
    return id;
  });
  return { projects: new Set(values), filters, unreadable: [...unreadable, ...bad] };
}

/** The rows of `APP_IDS_STATEMENT`. */
export function parseAppIdRows(rows: readonly Row[]): string[] {
  return rows.map((row) => str(row, 'id', 'apps row'));
}
