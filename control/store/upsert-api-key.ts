import type { Client } from '@libsql/client';
import type { ApiKey } from '../../shared/domain/types.ts';
import { guard, StoreError } from './errors.ts';

/** Store (or revoke, by writing revoked = true) a hashed API key. The plaintext never gets here. */
export async function upsertApiKey(client: Client, key: ApiKey, now: number): Promise<void> {
  if (!/^[0-9a-f]{64}$/.test(key.hash)) {
    throw new StoreError(
      'invalid-input',
      `API key ${key.id}: hash must be the lowercase hex SHA-256 of the key (64 hex chars)`,
    );
  }
  await guard(`writing API key ${key.id}`, () =>
    client.execute({
      sql: `INSERT INTO api_keys (id, project_id, hash, revoked, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET project_id = excluded.project_id, hash = excluded.hash,
              revoked = excluded.revoked`,
      args: [key.id, key.projectId, key.hash, key.revoked ? 1 : 0, now],
    }),
  );
}
