/**
 * What a dev stack start does before it changes anything: take the state dir's lock, then check
 * that every port it will listen on is free. Either refusal (DevStackError) leaves the state dir,
 * its database and whatever runs on those ports as they were.
 */
import { mkdir } from 'node:fs/promises';
import { busyPorts, portsInUse } from './busy-ports.ts';
import { lockStateDir, type StateDirLock } from './state-dir-lock.ts';
import { devPorts, type DevTopology } from './topology.ts';

export async function claimStack(
  stateDir: string,
  topology: DevTopology,
  o: { readonly traces: boolean },
): Promise<StateDirLock> {
  const ports = devPorts(topology, o);
  const numbers = ports.map((p) => p.port);
  await mkdir(stateDir, { recursive: true });
  const lock = await lockStateDir(stateDir, {
    pid: process.pid,
    edgeUrl: `http://127.0.0.1:${topology.edgePort}`,
    firstPort: Math.min(...numbers),
    lastPort: Math.max(...numbers),
  });
  const busy = await busyPorts(ports);
  if (busy.length > 0) {
    await lock.release();
    throw portsInUse(busy, ports, stateDir);
  }
  return lock;
}
