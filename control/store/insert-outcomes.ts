import type { Client } from '@libsql/client';
import { outcomeStatements } from '../../shared/schema/outcome-statement.ts';
import { guard } from './errors.ts';
import type { OutcomeRecord } from './types.ts';

/** Record proxying outcomes in one transaction; retries of the same attempt are ignored. */
export async function insertOutcomes(
  client: Client,
  rows: readonly OutcomeRecord[],
): Promise<void> {
  if (rows.length === 0) return;
  await guard(`recording ${rows.length} outcomes`, () =>
    client.batch(outcomeStatements(rows, 'ignore'), 'write'),
  );
}
