import { createServer } from 'node:net';
import { afterEach, expect, test } from 'vitest';
import { listClusters } from './list-clusters.ts';
import { migrate } from './migrate.ts';
import { openStore } from './open-store.ts';
import { openTempStore, type TempStore } from './test-fixtures.ts';

let store: TempStore | undefined;
afterEach(() => store?.dispose());

test('an unmigrated database says to run `switchyard db migrate`', async () => {
  store = await openTempStore({ migrated: false });
  const err = await listClusters(store.client).catch((e: unknown) => e);
  expect(err).toMatchObject({ name: 'StoreError', code: 'schema-missing' });
  expect(String((err as Error).message)).toContain('switchyard db migrate');
});

test('an HTTP database nobody listens on is unreachable', async () => {
  // Reserve a free loopback port, then close it so the connection is refused.
  const port = await new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
  const remote = openStore({ url: `http://127.0.0.1:${port}` });
  try {
    const err = await migrate(remote.client).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StoreError', code: 'unreachable' });
  } finally {
    remote.close();
  }
});
