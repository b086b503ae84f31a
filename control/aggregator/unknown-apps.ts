/**
 * Apps an aggregator lists that the database has no row for. Their capacity is pushed under an id
 * nothing routes to, and the app meant (a typo: `acme/chta`) gets none from this cluster: the edge
 * sees no state for it there and its proxy refuses it 503 no-endpoints, while the aggregator said
 * nothing. Each is named once as it goes missing, and again when it is applied.
 */
import type { Client } from '@libsql/client';
import { storedAppIds } from '../store/stored-app-ids.ts';
import type { AggregatorLogger } from './logger.ts';

export interface UnknownApps {
  /** After a push: read at each (re)connection, and after every push while an app is missing. */
  afterPush(client: Client, reconnected: boolean): Promise<void>;
}

export function watchUnknownApps(appIds: readonly string[], log: AggregatorLogger): UnknownApps {
  let missing: ReadonlySet<string> | null = null;
  return {
    async afterPush(client, reconnected) {
      if (!reconnected && missing !== null && missing.size === 0) return;
      let stored: Set<string>;
      try {
        stored = await storedAppIds(client, appIds);
      } catch (err) {
        log.debug({ err: err instanceof Error ? err.message : String(err) }, 'could not read which apps are applied');
        return;
      }
      const now = new Set(appIds.filter((id) => !stored.has(id)));
      for (const id of now) {
        if (missing?.has(id) !== true) log.warn({ app: id }, 'not an app in the database: its capacity is pushed, but nothing routes to it; check the id against the applied config (switchyard apply), or apply the app');
      }
      for (const id of missing ?? []) if (!now.has(id)) log.info({ app: id }, 'app applied: its capacity is routed now');
      missing = now;
    },
  };
}
