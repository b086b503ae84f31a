/** Options of the Hrana server, checked once and fully defaulted. */
import type { HranaLogger } from './logger.ts';
import { noopLogger } from './logger.ts';

export interface HranaServerOptions {
  /** Database file, created if missing. Not ":memory:": every stream opens its own connection. */
  dbPath: string;
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, POST endpoints require `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** Idle time after which a stream (and its open transaction) is dropped. */
  streamIdleMs?: number;
  /** How long a statement keeps retrying while the database is locked. */
  busyTimeoutMs?: number;
  maxBodyBytes?: number;
  maxStreams?: number;
  logger?: HranaLogger;
}

export interface ResolvedHranaOptions {
  dbPath: string;
  host: string;
  port: number;
  authToken: string | undefined;
  streamIdleMs: number;
  busyTimeoutMs: number;
  maxBodyBytes: number;
  maxStreams: number;
  logger: HranaLogger;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  streamIdleMs: 10_000,
  busyTimeoutMs: 5_000,
  maxBodyBytes: 16 * 1024 * 1024,
  maxStreams: 1_000,
} as const;

/** Fill defaults and report every invalid field at once. */
export function resolveOptions(options: HranaServerOptions): ResolvedHranaOptions {
  const problems: string[] = [];
  const positive = (name: string, value: number): number => {
    if (!Number.isInteger(value) || value <= 0)
      problems.push(`${name} must be a positive integer, got ${value}`);
    return value;
  };
  if (typeof options.dbPath !== 'string' || options.dbPath === '')
    problems.push('dbPath is required');
  else if (options.dbPath === ':memory:' || options.dbPath.startsWith('file::memory:')) {
    problems.push(
      'dbPath must be a file: each stream has its own connection, so an in-memory database would not be shared',
    );
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    problems.push(`port must be an integer 0..65535, got ${options.port}`);
  }
  if (options.authToken !== undefined && options.authToken === '') {
    problems.push('authToken must not be empty; omit it to disable auth');
  }
  const resolved: ResolvedHranaOptions = {
    dbPath: options.dbPath,
    host: options.host ?? DEFAULTS.host,
    port: options.port,
    authToken: options.authToken,
    streamIdleMs: positive('streamIdleMs', options.streamIdleMs ?? DEFAULTS.streamIdleMs),
    busyTimeoutMs: positive('busyTimeoutMs', options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs),
    maxBodyBytes: positive('maxBodyBytes', options.maxBodyBytes ?? DEFAULTS.maxBodyBytes),
    maxStreams: positive('maxStreams', options.maxStreams ?? DEFAULTS.maxStreams),
    logger: options.logger ?? noopLogger,
  };
  if (problems.length > 0)
    throw new TypeError(`Invalid Hrana server options: ${problems.join('; ')}`);
  return resolved;
}
