import { createClient, LibsqlError } from '@libsql/client/web';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from './test-server.ts';

// The Worker can only use @libsql/client/web; prove it speaks to this endpoint.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ authToken: 'worker-token' });
});
afterAll(async () => {
  await server.stop();
});

test('the web client runs DDL, batches, reads and transactions', async () => {
  const client = createClient({ url: server.url, authToken: 'worker-token', intMode: 'bigint' });
  await client.execute(
    'CREATE TABLE snap (cluster TEXT PRIMARY KEY, hot INTEGER, observed_ms INTEGER)',
  );
  await client.batch(
    [
      { sql: 'INSERT INTO snap VALUES (?, ?, ?)', args: ['eu-1', 4n, 1767225600000n] },
      { sql: 'INSERT INTO snap VALUES (?, ?, ?)', args: ['us-1', 0n, 9007199254740993n] },
    ],
    'write',
  );
  const tx = await client.transaction('write');
  await tx.execute({ sql: 'UPDATE snap SET hot = hot + 1 WHERE cluster = ?', args: ['us-1'] });
  await tx.commit();
  const rs = await client.execute('SELECT cluster, hot, observed_ms FROM snap ORDER BY cluster');
  expect(rs.rows.map((r) => [r.cluster, r.hot, r.observed_ms])).toEqual([
    ['eu-1', 4n, 1767225600000n],
    ['us-1', 1n, 9007199254740993n],
  ]);
  const err = await client
    .execute('INSERT INTO snap VALUES (?, 0, 0)', ['eu-1'])
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibsqlError);
  expect((err as LibsqlError).code).toBe('SQLITE_CONSTRAINT');
  client.close();
});
