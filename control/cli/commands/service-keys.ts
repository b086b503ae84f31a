/**
 * `switchyard service-keys create|revoke|list`: per-app service keys for in-region calls
 * through a regional proxy (`/v4/<project>/<app>/<fn>` without the edge). A key opens exactly
 * one app. The plaintext is printed once at creation; only its hex SHA-256 is stored (the
 * API keys' rule, control/config/api-key-hash.ts). Revocation reaches proxies within their
 * PROXY_IN_REGION_REFRESH_MS.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@libsql/client';
import type { Command } from 'commander';
import { withDbFlags, type DbFlags } from '../../config/db-flags.ts';
import { openDb } from '../../config/open-db.ts';
import { hashApiKey, isWellFormedKey } from '../../config/api-key-hash.ts';
import { isWellFormedKeyId, KEY_ID_RULE } from '../../../shared/domain/key-id.ts';
import { appRefArgument } from '../app-ref-argument.ts';
import { keyIdArgument } from '../key-id-argument.ts';
import { describeCommand } from '../command-index.ts';

export interface CreatedServiceKey {
  readonly id: string;
  readonly appId: string;
  /** Shown once, never stored. */
  readonly key: string;
}

/** Creates a key for `appId` (which must exist). Throws with an actionable message otherwise. */
export async function createServiceKey(client: Client, appId: string, id: string | undefined, now: number): Promise<CreatedServiceKey> {
  const app = await client.execute({ sql: 'SELECT id FROM apps WHERE id = ?', args: [appId] });
  if (app.rows.length === 0) throw new Error(`no app ${appId}: apply its config first (switchyard apply)`);
  const key = `sk-svc-${randomBytes(24).toString('base64url')}`;
  if (!isWellFormedKey(key)) throw new Error('internal: generated key breaks the key rule');
  const keyId = id ?? `svc-${randomBytes(4).toString('hex')}`;
  // The id is printed one per line by `list`: a line break in it would forge rows.
  if (!isWellFormedKeyId(keyId)) throw new Error(`service key id ${JSON.stringify(keyId)}: must be ${KEY_ID_RULE}`);
  try {
    await client.execute({
      sql: 'INSERT INTO service_keys (id, app_id, hash, revoked, created_at) VALUES (?, ?, ?, 0, ?)',
      args: [keyId, appId, hashApiKey(key), now],
    });
  } catch (err) {
    if (String(err).includes('UNIQUE')) throw new Error(`service key id ${keyId} already exists: choose another --id`);
    throw err;
  }
  return { id: keyId, appId, key };
}

/** Marks a key revoked; false when there is no such key. */
export async function revokeServiceKey(client: Client, id: string): Promise<boolean> {
  const rs = await client.execute({ sql: 'UPDATE service_keys SET revoked = 1 WHERE id = ?', args: [id] });
  return rs.rowsAffected > 0;
}

/** Creates or replaces (rotates) the app's async-job webhook signing secret; returns it. */
export async function setWebhookSecret(client: Client, appId: string, now: number): Promise<string> {
  const app = await client.execute({ sql: 'SELECT id FROM apps WHERE id = ?', args: [appId] });
  if (app.rows.length === 0) throw new Error(`no app ${appId}: apply its config first (switchyard apply)`);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  await client.execute({
    sql: `INSERT INTO job_webhook_secrets (app_id, secret, created_at) VALUES (?, ?, ?)
          ON CONFLICT(app_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`,
    args: [appId, secret, now],
  });
  return secret;
}

async function withClient<T>(opts: DbFlags, f: (client: Client) => Promise<T>): Promise<T> {
  const store = openDb(opts, process.env);
  try {
    return await f(store.client);
  } finally {
    store.close();
  }
}

/** An id as `list` prints it: one written before ids were checked is quoted, so it cannot forge a line. */
function shownId(id: unknown): string {
  return isWellFormedKeyId(id) ? id : JSON.stringify(String(id));
}

/** `switchyard service-keys …` */
export function register(program: Command): void {
  const cmd = program.command('service-keys').description(describeCommand('service-keys'));
  withDbFlags(
    cmd.command('create').description('create a key for one app and print it once').requiredOption('--app <project/app>', 'the app the key opens', appRefArgument).option('--id <id>', `key id, ${KEY_ID_RULE} (default: svc-<random>)`, keyIdArgument),
  ).action(async (opts: DbFlags & { app: string; id?: string }) => {
    const created = await withClient(opts, (c) => createServiceKey(c, opts.app, opts.id, Date.now()));
    process.stdout.write(`created service key ${created.id} for ${created.appId}\n  key (shown once, store it as a secret): ${created.key}\n`);
  });
  withDbFlags(cmd.command('revoke').description('revoke a key (proxies stop accepting it within their refresh interval)').requiredOption('--id <id>', 'key id')).action(
    async (opts: DbFlags & { id: string }) => {
      const done = await withClient(opts, (c) => revokeServiceKey(c, opts.id));
      if (!done) throw new Error(`no service key ${opts.id}`);
      process.stdout.write(`revoked service key ${opts.id}\n`);
    },
  );
  withDbFlags(
    cmd.command('webhook-secret').description('create or rotate the secret that signs an app\'s async-job webhooks (printed once)').requiredOption('--app <project/app>', 'the app', appRefArgument),
  ).action(async (opts: DbFlags & { app: string }) => {
    const secret = await withClient(opts, (c) => setWebhookSecret(c, opts.app, Date.now()));
    process.stdout.write(`webhook secret for ${opts.app} (give it to the webhook receiver; a rotation replaces it):\n  ${secret}\n`);
  });
  withDbFlags(cmd.command('list').description('list keys (ids, apps, state; never the keys)').option('--app <project/app>', 'only this app', appRefArgument)).action(
    async (opts: DbFlags & { app?: string }) => {
      const rows = await withClient(opts, async (c) =>
        (await c.execute({ sql: 'SELECT id, app_id, revoked, created_at FROM service_keys WHERE ? IS NULL OR app_id = ? ORDER BY app_id, id', args: [opts.app ?? null, opts.app ?? null] })).rows,
      );
      if (rows.length === 0) {
        const scope = opts.app === undefined ? '' : ` for ${opts.app}`;
        process.stdout.write(`no service keys${scope}; create one with: switchyard service-keys create --app ${opts.app ?? '<project/app>'}\n`);
        return;
      }
      for (const r of rows) process.stdout.write(`${shownId(r['id'])}\t${String(r['app_id'])}\t${Number(r['revoked']) === 0 ? 'active' : 'revoked'}\t${new Date(Number(r['created_at'])).toISOString()}\n`);
    },
  );
}
