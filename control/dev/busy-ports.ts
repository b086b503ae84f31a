/**
 * Which of the stack's ports something already listens on. Checked before a start changes
 * anything: a part started on a taken port fails, or worse, its readiness probe is answered by
 * whatever holds the port (another stack's libSQL answers /health).
 */
import { createServer } from 'node:net';
import { DevStackError } from './errors.ts';
import type { DevPort } from './topology.ts';

/** Free when we can listen on it ourselves (and let go at once), on the host the stack binds. */
function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** The ports of `ports` that are taken, in the order given. */
export async function busyPorts(ports: readonly DevPort[], host = '127.0.0.1'): Promise<DevPort[]> {
  const free = await Promise.all(ports.map((p) => isFree(p.port, host)));
  return ports.filter((_, i) => free[i] !== true);
}

/** The refusal for a start whose ports are taken, naming each port and what would have used it. */
export function portsInUse(
  busy: readonly DevPort[],
  all: readonly DevPort[],
  stateDir: string,
): DevStackError {
  const list = busy.map((p) => `${p.port} (${p.what})`).join(', ');
  const span = `${Math.min(...all.map((p) => p.port))}..${Math.max(...all.map((p) => p.port))}`;
  return new DevStackError(
    'ports-in-use',
    `port${busy.length > 1 ? 's' : ''} ${list} already in use on 127.0.0.1, so nothing was started or changed in ${stateDir}. ` +
      'Another Switchyard dev stack (with another state dir) or another program listens there: stop it, or move every ' +
      `port of this stack with --port <edge port> (env SWITCHYARD_PORT; this start wanted ports ${span}).`,
  );
}
