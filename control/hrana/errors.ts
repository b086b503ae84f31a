/**
 * Typed errors of the Hrana endpoint. Each has a stable `code` (what the
 * @libsql/client surfaces as `LibsqlError.code`), an HTTP status for errors that
 * end a whole HTTP request, and a message a user can act on. SQLite errors from
 * the engine are converted here, at one boundary.
 */
import { CodedError } from '../../shared/errors/coded-error.ts';

/** Error structure of the protocol: `{ message, code }`. */
export interface ProtoError {
  message: string;
  code: string;
}

export class HranaError extends CodedError {
  override readonly name = 'HranaError';
  toProto(): ProtoError {
    return { message: this.message, code: this.code };
  }
}

export const badRequest = (message: string): HranaError =>
  new HranaError('HRANA_PROTO_ERROR', 400, message);
export const unauthorized = (message: string): HranaError =>
  new HranaError('UNAUTHORIZED', 401, message);
export const notFound = (message: string): HranaError => new HranaError('NOT_FOUND', 404, message);
export const unsupportedMediaType = (message: string): HranaError =>
  new HranaError('UNSUPPORTED_MEDIA_TYPE', 415, message);
export const crossSiteRefused = (message: string): HranaError =>
  new HranaError('CROSS_SITE_REFUSED', 403, message);
export const methodNotAllowed = (message: string): HranaError =>
  new HranaError('METHOD_NOT_ALLOWED', 405, message);
export const payloadTooLarge = (limit: number): HranaError =>
  new HranaError(
    'PAYLOAD_TOO_LARGE',
    413,
    `Request body exceeds the limit of ${limit} bytes; split the work into smaller batches`,
  );
export const streamExpired = (): HranaError =>
  new HranaError(
    'STREAM_EXPIRED',
    400,
    'Unknown or expired baton: the stream was closed (idle timeout, explicit close or server restart); open a new stream and retry the transaction',
  );
export const tooManyStreams = (limit: number): HranaError =>
  new HranaError(
    'TOO_MANY_STREAMS',
    503,
    `Too many open streams (limit ${limit}); close transactions you no longer use`,
  );

// Primary SQLite result codes by number, so extended codes (SQLITE_CONSTRAINT_UNIQUE,
// 2067) are reported as their primary code like sqld/Turso do.
const PRIMARY_CODES: readonly string[] = [
  'SQLITE_OK',
  'SQLITE_ERROR',
  'SQLITE_INTERNAL',
  'SQLITE_PERM',
  'SQLITE_ABORT',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_NOMEM',
  'SQLITE_READONLY',
  'SQLITE_INTERRUPT',
  'SQLITE_IOERR',
  'SQLITE_CORRUPT',
  'SQLITE_NOTFOUND',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_PROTOCOL',
  'SQLITE_EMPTY',
  'SQLITE_SCHEMA',
  'SQLITE_TOOBIG',
  'SQLITE_CONSTRAINT',
  'SQLITE_MISMATCH',
  'SQLITE_MISUSE',
  'SQLITE_NOLFS',
  'SQLITE_AUTH',
  'SQLITE_FORMAT',
  'SQLITE_RANGE',
  'SQLITE_NOTADB',
  'SQLITE_NOTICE',
  'SQLITE_WARNING',
];

/** An error raised by the libSQL engine (`SqliteError` or a native error with a code). */
export interface EngineError {
  message: string;
  code: string;
  rawCode: number | undefined;
}

/** Recognise an engine error without importing the engine's class (native errors vary). */
export function asEngineError(err: unknown): EngineError | undefined {
  if (!(err instanceof Error)) return undefined;
  const code: unknown = (err as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const rawCode: unknown = (err as { rawCode?: unknown }).rawCode;
  return { message: err.message, code, rawCode: typeof rawCode === 'number' ? rawCode : undefined };
}

/** Primary code name for an engine error: rawCode & 0xff, else the longest known prefix. */
export function primaryCode(err: EngineError): string {
  if (err.rawCode !== undefined) {
    const name = PRIMARY_CODES[err.rawCode & 0xff];
    if (name !== undefined) return name;
  }
  let best = 'SQLITE_ERROR';
  for (const name of PRIMARY_CODES) {
    if ((err.code === name || err.code.startsWith(`${name}_`)) && name.length > best.length) {
      best = name;
    }
  }
  return best;
}

/**
 * Convert anything thrown while running a request into a protocol error. Engine
 * errors keep their SQLite code; our own errors keep theirs; anything else is a
 * bug and is reported as INTERNAL_ERROR (the caller logs it).
 */
export function toProtoError(err: unknown): ProtoError {
  if (err instanceof HranaError) return err.toProto();
  const engine = asEngineError(err);
  if (engine !== undefined) {
    return { message: `SQLite error: ${engine.message}`, code: primaryCode(engine) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: `Internal error: ${message}`, code: 'INTERNAL_ERROR' };
}

/** True for a plain SQLITE_BUSY that may succeed later (not BUSY_SNAPSHOT, which never will). */
export function isRetryableBusy(err: unknown): boolean {
  const engine = asEngineError(err);
  if (engine === undefined) return false;
  if (engine.rawCode !== undefined) return engine.rawCode === 5;
  return engine.code === 'SQLITE_BUSY';
}
