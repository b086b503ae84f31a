/**
 * The Worker's one libSQL client: HTTP only (`@libsql/client/web`), since workerd has no native
 * driver. Created once per isolate from the parsed config.
 */
import { createClient } from '@libsql/client/web';
import type { Client } from '@libsql/client/web';

export type { Client };

export function openLibsql(url: string, authToken: string | undefined): Client {
  return createClient({ url, ...(authToken === undefined ? {} : { authToken }) });
}
