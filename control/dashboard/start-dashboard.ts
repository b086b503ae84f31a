/**
 * Starts the dashboard: opens the database, starts the one live poller, loads the static files
 * and listens. The CLI (`switchyard dashboard`) and tests call this with a parsed config.
 */
import { commandListener, listenOrExplain } from '../../shared/http/listen-error.ts';
import type { AddressInfo } from 'node:net';
import { openStore } from '../store/open-store.ts';
import type { DashboardConfig } from './dashboard-config.ts';
import { LivePoller } from './live-poller.ts';
import { createDashboardServer } from './server.ts';
import { loadAssets } from './static-assets.ts';

export interface DashboardHandle {
  readonly url: string;
  readonly poller: LivePoller;
  close(): Promise<void>;
}

export async function startDashboard(c: DashboardConfig, log: (line: string) => void = () => undefined): Promise<DashboardHandle> {
  // Read-only: a path that names no database is refused, never created empty.
  const store = openStore({ url: c.dbUrl, authToken: c.dbAuthToken, create: false });
  const now = (): number => Date.now();
  const poller = new LivePoller({
    client: store.client,
    pollMs: c.pollMs,
    bucketMs: c.bucketMs,
    keepBuckets: c.keepBuckets,
    feedSize: c.feedSize,
    backfillRows: 20_000,
    now,
    onError: log,
  });
  const server = createDashboardServer({ client: store.client, poller, assets: await loadAssets(), operatorKey: c.operatorKey, reportsDir: c.reportsDir, now });
  await listenOrExplain(server, { port: c.port, host: c.host }, commandListener('the dashboard', 'SWITCHYARD_DASHBOARD_PORT'));
  poller.start();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    poller,
    close: async () => {
      await poller.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
    },
  };
}
