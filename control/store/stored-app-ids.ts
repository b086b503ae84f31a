import type { Client } from '@libsql/client';
import { guard } from './errors.ts';

/** Which of `appIds` the apps table holds. */
export async function storedAppIds(client: Client, appIds: readonly string[]): Promise<Set<string>> {
  if (appIds.length === 0) return new Set();
  return guard('reading app ids', async () => {
    const rs = await client.execute({ sql: `SELECT id FROM apps WHERE id IN (${appIds.map(() => '?').join(', ')})`, args: [...appIds] });
    return new Set(rs.rows.map((r) => String(r['id'])));
  });
}
