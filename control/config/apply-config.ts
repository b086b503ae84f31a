import type { Client } from '@libsql/client';
import { guard } from '../store/errors.ts';
import { applyStatements } from './apply-statements.ts';
import { diffConfig, type ConfigChange } from './diff-config.ts';
import { readCurrentConfig } from './read-current-config.ts';
import type { DesiredConfig } from './types.ts';

export interface ApplyOptions {
  readonly now: number;
  /** Compute and return the changes without writing anything. */
  readonly dryRun?: boolean;
}

/**
 * Converges the database to a validated config: diff against what is stored, then write every
 * change in one batch. Idempotent: a second run finds no changes and writes nothing.
 * Throws StoreError (database unreachable, not migrated, ...) with nothing written.
 */
export async function applyConfig(client: Client, desired: DesiredConfig, options: ApplyOptions): Promise<readonly ConfigChange[]> {
  const current = await readCurrentConfig(client);
  const changes = diffConfig(current, desired);
  if (options.dryRun === true || changes.length === 0) return changes;
  await guard('applying the config', () => client.batch(applyStatements(changes, options.now), 'write'));
  return changes;
}
