/**
 * A listener that cannot open its port fails the start with one line that names the address, the
 * cause and the setting that chooses it, not Node's bare `listen EADDRINUSE: address already in use`.
 * One wording for every Node listener: the proxy's, and the control plane's commands (dashboard,
 * libsql-server, otlp-receiver). Not for the Worker (it never listens).
 */
import type { Server } from 'node:net';

/** Which listener, and the config field, env var and flag that set its address. */
export interface ListenerSetting {
  /** "the proxy" (traffic), "the admin listener" (metrics, health). */
  readonly listener: string;
  /** e.g. `port (PROXY_PORT, --port)`. */
  readonly port: string;
  /** e.g. `host (PROXY_HOST, --host)`. */
  readonly host: string;
}

/** A control-plane command's listener, set by its `--host` / `--port` flags (and `env`, if any, for the port). */
export function commandListener(listener: string, portEnv?: string): ListenerSetting {
  return { listener, port: portEnv === undefined ? '--port' : `--port (${portEnv})`, host: '--host' };
}

export const TRAFFIC_LISTENER: ListenerSetting = { listener: 'the proxy', port: 'port (PROXY_PORT, --port)', host: 'host (PROXY_HOST, --host)' };
export const ADMIN_LISTENER: ListenerSetting = {
  listener: 'the admin listener (metrics, health)',
  port: 'adminPort (PROXY_ADMIN_PORT, --admin-port; 0 = any free port)',
  host: 'adminHost (PROXY_ADMIN_HOST, --admin-host)',
};

/** A port that could not be listened on; `code` is Node's (EADDRINUSE, EACCES, EADDRNOTAVAIL, …). */
export class ListenError extends Error {
  readonly code: string;
  constructor(setting: ListenerSetting, host: string, port: number, cause: NodeJS.ErrnoException) {
    const code = cause.code ?? 'error';
    super(`${setting.listener} cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason(code, setting, cause)}`, { cause });
    this.name = 'ListenError';
    this.code = code;
  }
}

function reason(code: string, setting: ListenerSetting, cause: Error): string {
  if (code === 'EADDRINUSE') return `the port is in use (EADDRINUSE); stop what holds it or choose another with ${setting.port}`;
  if (code === 'EACCES') return `permission denied (EACCES); ports below 1024 need privileges: choose another with ${setting.port}`;
  if (code === 'EADDRNOTAVAIL') return `no such address on this machine (EADDRNOTAVAIL); check ${setting.host}`;
  return `${cause.message}; check ${setting.host} and ${setting.port}`;
}

/** `server.listen(options)`, rejecting with a ListenError that names `setting`. */
export function listenOrExplain(server: Server, options: { port: number; host: string; backlog?: number; exclusive?: boolean }, setting: ListenerSetting): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new ListenError(setting, options.host, options.port, err));
    // Left attached once listening, as before: a later 'error' rejects nothing.
    server.once('error', onError);
    server.listen(options, () => resolve());
  });
}
