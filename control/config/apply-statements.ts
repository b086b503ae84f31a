import type { InStatement } from '@libsql/client';
import {
  apiKeyStatements,
  appStatements,
  clusterStatements,
  projectStatements,
} from '../store/static-config-statements.ts';
import type { ConfigChange } from './diff-config.ts';

/**
 * SQL for a list of changes, to run as ONE write batch (a transaction) so a failed apply leaves
 * the database exactly as it was. Uses the store's own statement builders, so apply and the
 * store's `upsert*` functions write identical rows.
 */
export function applyStatements(changes: readonly ConfigChange[], now: number): InStatement[] {
  return changes.flatMap((c): InStatement[] => {
    switch (c.kind) {
      case 'project':
        return projectStatements(c.value, now);
      case 'cluster':
        return clusterStatements(c.value, now);
      case 'app':
        return appStatements(c.value, now);
      case 'api-key':
        return apiKeyStatements(c.value, now);
    }
  });
}
