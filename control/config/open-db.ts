/**
 * Opening the database `resolveDb` (db-flags.ts) found. Apart from the flags so that only commands
 * that open a database load the libSQL client.
 */
import { openStore, type Store } from '../store/open-store.ts';
import { resolveDb, type DbFlags, type ResolvedDb } from './db-flags.ts';

/**
 * Opens the database `resolveDb` found. Only `db migrate` and `apply` pass `create`: for every
 * other command a missing local file is a 'not-found' StoreError (exit 2) and none is created.
 */
export function openResolvedDb(db: ResolvedDb, options: { create?: boolean } = {}): Store {
  return openStore({ ...db, create: options.create ?? false });
}

/** `openResolvedDb(resolveDb(flags, env))`: what a command that uses an existing database calls. */
export function openDb(flags: DbFlags, env: NodeJS.ProcessEnv): Store {
  return openResolvedDb(resolveDb(flags, env));
}
