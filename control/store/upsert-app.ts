import type { Client } from '@libsql/client';
import type { App } from '../../shared/domain/types.ts';
import { guard } from './errors.ts';
import { appStatements } from './static-config-statements.ts';

/**
 * Write an app's static config and replace its `app_clusters` rows, in one transaction so the
 * edge never reads an app with half of its clusters.
 */
export async function upsertApp(client: Client, app: App, now: number): Promise<void> {
  const statements = appStatements(app, now); // validates before touching the database
  await guard(`writing app ${app.id}`, () => client.batch(statements, 'write'));
}
