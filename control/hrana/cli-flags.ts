/**
 * Flags of `switchyard libsql-server`, checked in one place: every bad flag is
 * reported at once, by name, so the CLI can exit non-zero with a useful message.
 */
export interface LibsqlServerFlags {
  db?: string | undefined;
  host?: string | undefined;
  port?: string | undefined;
  authToken?: string | undefined;
  streamIdleMs?: string | undefined;
}

export interface LibsqlServerConfig {
  dbPath: string;
  host: string;
  port: number;
  authToken: string | undefined;
  streamIdleMs: number;
}

export type ParsedFlags =
  { ok: true; config: LibsqlServerConfig } | { ok: false; errors: string[] };

export const AUTH_TOKEN_ENV = 'LIBSQL_SERVER_AUTH_TOKEN';

export function parseLibsqlServerFlags(
  flags: LibsqlServerFlags,
  env: Readonly<Record<string, string | undefined>>,
): ParsedFlags {
  const errors: string[] = [];
  const int = (flag: string, raw: string, min: number, max: number): number => {
    const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      errors.push(`--${flag} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const dbPath = flags.db ?? '';
  if (dbPath === '') errors.push('--db <file> is required (the libSQL database file to serve)');
  else if (dbPath === ':memory:')
    errors.push('--db must be a file path, not :memory: (each stream opens its own connection)');
  const host = flags.host ?? '127.0.0.1';
  if (host === '') errors.push('--host must not be empty');
  const port = int('port', flags.port ?? '8080', 0, 65535);
  const streamIdleMs = int('stream-idle-ms', flags.streamIdleMs ?? '10000', 1, 3_600_000);
  const token = flags.authToken ?? env[AUTH_TOKEN_ENV];
  if (token !== undefined && token.trim() === '') {
    errors.push(`--auth-token (or ${AUTH_TOKEN_ENV}) must not be empty; unset it to disable auth`);
  }
  // The endpoint runs any SQL for whoever reaches it: beyond this machine only behind a token.
  if (token === undefined && host !== '' && !isLoopback(host)) {
    errors.push(`--host ${host} without --auth-token (or ${AUTH_TOKEN_ENV}) would serve every SQL statement to anyone who reaches it: set a token, or listen on 127.0.0.1`);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { dbPath, host, port, authToken: token, streamIdleMs } };
}

/** An address only this machine reaches: `localhost`, 127.0.0.0/8 or ::1. */
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
