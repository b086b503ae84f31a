/**
 * A port on 127.0.0.1 that nothing listens on now, for tests and benchmarks that start a server
 * which must be told its port up front (a child process, wrangler). The one copy: five files each
 * had their own. Another process may take the port before it is used; callers that can should
 * listen on port 0 themselves instead.
 */
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
