import type { Client } from '@libsql/client';
import type { ApiKey } from '../../shared/domain/types.ts';
import { guard } from './errors.ts';
import { apiKeyStatements } from './static-config-statements.ts';

/** Store (or revoke, by writing revoked = true) a hashed API key. The plaintext never gets here. */
export async function upsertApiKey(client: Client, key: ApiKey, now: number): Promise<void> {
  const statements = apiKeyStatements(key, now); // validates before touching the database
  await guard(`writing API key ${key.id}`, () => client.batch(statements, 'write'));
}
