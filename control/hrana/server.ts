/**
 * A local libSQL endpoint speaking Hrana over HTTP (JSON, protocol v2 and v3)
 * on top of the embedded libSQL engine, for the Worker's `@libsql/client/web`
 * and remote-mode tools. Routes, auth and error mapping live here; the
 * protocol work is in pipeline.ts / cursor.ts.
 */
import { commandListener, listenOrExplain } from '../../shared/http/listen-error.ts';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'libsql';
import { LockSignal } from './busy-retry.ts';
import { databaseFileProblem } from './database-file-problem.ts';
import { handleCursor } from './cursor.ts';
import { HranaError, methodNotAllowed, notFound, unauthorized } from './errors.ts';
import { checkNotCrossSite } from './same-site.ts';
import { readJsonBody, sendError, sendJson } from './http-io.ts';
import { resolveOptions, type HranaServerOptions, type ResolvedHranaOptions } from './options.ts';
import { handlePipeline } from './pipeline.ts';
import { StreamRegistry } from './stream-registry.ts';
import type { RequestContext } from './stream-request.ts';

export type { HranaServerOptions } from './options.ts';

export interface HranaServer {
  /** Base URL for @libsql/client, e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  close(): Promise<void>;
}

// No engine-level busy wait: it would block the event loop, and the lock holder is
// usually a stream in this process that needs the loop to finish. Waiting is
// done asynchronously (busy-retry.ts), which also covers other processes.
const SYNC_BUSY_TIMEOUT_MS = 0;

/** Start the endpoint; resolves once it is listening. */
export async function startHranaServer(options: HranaServerOptions): Promise<HranaServer> {
  const opts = resolveOptions(options);
  prepareDatabase(opts.dbPath);
  const registry = new StreamRegistry({
    connection: { dbPath: opts.dbPath, syncBusyTimeoutMs: SYNC_BUSY_TIMEOUT_MS },
    idleMs: opts.streamIdleMs,
    maxStreams: opts.maxStreams,
    onExpired: (streamId) => opts.logger.info({ streamId }, 'stream expired after idle timeout'),
  });
  const ctx: RequestContext = {
    busy: { budgetMs: opts.busyTimeoutMs, signal: new LockSignal() },
    onInternalError: (err) =>
      opts.logger.error({ err: String(err) }, 'internal error in stream request'),
  };
  const server = createServer((req, res) => {
    route(req, res, opts, registry, ctx)
      .catch((err: unknown) => {
        const error =
          err instanceof HranaError
            ? err
            : new HranaError('INTERNAL_ERROR', 500, `Internal error: ${String(err)}`);
        if (error.status >= 500)
          opts.logger.error({ err: String(err), url: req.url }, 'request failed');
        else
          opts.logger.warn({ code: error.code, status: error.status, url: req.url }, error.message);
        sendError(res, error);
      })
      // Any finished request may have released the write lock others wait for.
      .finally(() => ctx.busy.signal.notify());
  });
  // Malformed HTTP must never take the process down.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  await listenOrExplain(server, { port: opts.port, host: opts.host }, commandListener('the libSQL server'));
  const { port } = server.address() as AddressInfo;
  const hostForUrl = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${hostForUrl}:${port}`;
  opts.logger.info(
    { url, dbPath: opts.dbPath, auth: opts.authToken !== undefined },
    'hrana server listening',
  );
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        registry.closeAll();
        opts.logger.info({ url }, 'hrana server stopped');
      });
      return closing;
    },
  };
}

/** WAL lets readers proceed while one stream writes; it is a property of the file, set once. */
function prepareDatabase(dbPath: string): void {
  let db: Database.Database | null = null;
  try {
    db = new Database(dbPath);
    db.exec('PRAGMA journal_mode = WAL');
  } catch (err) {
    // A startup error naming the file and what is wrong with it, not the engine's bare code.
    throw new Error(databaseFileProblem(dbPath, err));
  } finally {
    db?.close();
  }
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  opts: ResolvedHranaOptions,
  registry: StreamRegistry,
  ctx: RequestContext,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '') || '/';
  if (path === '/health' || path === '/v2' || path === '/v3' || path === '/') {
    // Version probes carry no credentials in @libsql/hrana-client, so they stay open.
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(`Use GET ${path}`);
    sendJson(
      res,
      200,
      path === '/health' ? { status: 'ok', streams: registry.size } : { status: 'ok' },
    );
    return;
  }
  if (path.startsWith('/v3-protobuf')) {
    // A non-2xx answer makes the client fall back to JSON.
    throw new HranaError(
      'PROTOBUF_NOT_SUPPORTED',
      404,
      'This server speaks Hrana over HTTP with JSON only (v2/pipeline, v3/pipeline, v3/cursor)',
    );
  }
  const isPipeline = path === '/v2/pipeline' || path === '/v3/pipeline';
  const isCursor = path === '/v3/cursor';
  if (!isPipeline && !isCursor)
    throw notFound(`No endpoint at ${path}; use POST /v2/pipeline, /v3/pipeline or /v3/cursor`);
  if (req.method !== 'POST') throw methodNotAllowed(`Use POST ${path}`);
  checkNotCrossSite(req.headers);
  checkAuth(req, opts.authToken);
  const body = await readJsonBody(req, opts.maxBodyBytes);
  if (isPipeline) {
    sendJson(res, 200, await handlePipeline(body, registry, ctx));
    return;
  }
  const cursor = await handleCursor(body, registry, ctx);
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write(`${JSON.stringify(cursor.head)}\n`);
  for (const entry of cursor.entries) res.write(`${JSON.stringify(entry)}\n`);
  res.end();
}

function checkAuth(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined) return;
  const header = req.headers.authorization;
  if (header === undefined)
    throw unauthorized('Missing Authorization header; send "Authorization: Bearer <token>"');
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const given = Buffer.from(match?.[1] ?? '');
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw unauthorized('Invalid auth token; check the token passed to the client (authToken)');
  }
}
