import type { Client } from '@libsql/client';
import { guard } from '../store/errors.ts';
import { applyStatements } from './apply-statements.ts';
import { diffConfig, type ConfigChange } from './diff-config.ts';
import type { ApiKey } from '../../shared/domain/types.ts';
import type { DesiredConfig } from './types.ts';

export interface ApplyOptions {
  readonly now: number;
  /** Compute and return the changes without writing anything. */
  readonly dryRun?: boolean;
}

/**
 * Converges the database to a validated config: diff against `current` (what readCurrentConfig
 * read, and what the config's references were resolved against), then write every change in one
 * batch. Idempotent: a second run finds no changes and writes nothing.
 * Throws StoreError (database unreachable, ...) with nothing written.
 */
export async function applyConfig(client: Client, current: DesiredConfig, desired: DesiredConfig, options: ApplyOptions): Promise<readonly ConfigChange[]> {
  const conflicts = storedKeyConflicts(current.apiKeys, desired.apiKeys);
  if (conflicts.length > 0) throw new Error(`${conflicts.join('\n')}\nnothing was changed`);
  const changes = diffConfig(current, desired);
  if (options.dryRun === true || changes.length === 0) return changes;
  await guard('applying the config', () => client.batch(applyStatements(changes, options.now), 'write'));
  return changes;
}

/**
 * A key the database already holds under another id: the write failed on `api_keys.hash` with
 * SQLite's words and a wrong hint, while `--dry-run` had listed it as a change. Said up front, in
 * both, naming both ids.
 */
export function storedKeyConflicts(stored: readonly ApiKey[], desired: readonly ApiKey[]): string[] {
  const byHash = new Map(stored.map((k) => [k.hash, k.id]));
  return desired.flatMap((k) => {
    const other = byHash.get(k.hash);
    return other === undefined || other === k.id
      ? []
      : [`apiKeys: key '${k.id}' is already stored as '${other}' (one key, one id: keep the id '${other}', or revoke and remove '${other}' first)`];
  });
}
