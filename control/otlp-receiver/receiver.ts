/**
 * Our OTLP/HTTP trace receiver for local stacks: `POST /v1/traces` with an OTLP/JSON body
 * (`application/json`; gzip accepted) is stored in `trace_spans` through any libSQL client, so
 * a newcomer sees a request's path edge → proxy → upstream without installing a collector.
 * Protobuf bodies are refused with 415 and a message saying to switch the exporter to JSON (the
 * official exporter packages can encode protobuf but none of them decodes it). Retention is
 * bounded by a prune on a timer (rows and age, trace-store.ts).
 */
import { commandListener, listenOrExplain } from '../../shared/http/listen-error.ts';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { Client } from '@libsql/client';
import { guard } from '../store/errors.ts';
import { errorBody } from '../../shared/errors/error-body.ts';
import { decodeOtlpJson } from './decode-otlp-json.ts';
import { ReceiverError, refuse } from './errors.ts';
import { DEFAULT_RETENTION, insertSpans, pruneSpans, type Retention } from './trace-store.ts';

const gunzipAsync = promisify(gunzip);

export interface ReceiverOptions {
  readonly db: Client;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly retention?: Retention;
  readonly pruneIntervalMs?: number;
  /** Largest export request accepted (after gunzip). */
  readonly maxBodyBytes?: number;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /**
   * Exports must carry `Authorization: Bearer <token>`. Required when listening beyond loopback:
   * anyone who can reach the port could otherwise write spans (fill the table, plant fake traces).
   */
  readonly token?: string;
}

const LOOPBACK = /^(127(?:\.\d{1,3}){3}|::1|localhost)$/i;

/** Why these options cannot start a receiver, or null. */
export function receiverOptionsProblem(o: Pick<ReceiverOptions, 'host' | 'token'>): string | null {
  const host = o.host ?? '127.0.0.1';
  if (o.token !== undefined && o.token.length < 16) return 'the receiver token must be at least 16 characters (`openssl rand -hex 24`)';
  if (o.token === undefined && !LOOPBACK.test(host))
    return `listening on ${host} (beyond loopback) needs a token: set OTLP_RECEIVER_TOKEN and send it from the exporters as \`Authorization: Bearer <token>\``;
  return null;
}

const digest = (v: string): Buffer => createHash('sha256').update(v).digest();

/** Constant-time check of `Authorization: Bearer <token>`. */
function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers['authorization'] ?? ''));
  return m?.[1] !== undefined && timingSafeEqual(digest(m[1]), digest(token));
}

export interface RunningReceiver {
  /** Base URL; exporters send to `${url}/v1/traces`. */
  readonly url: string;
  readonly tracesUrl: string;
  /** Spans stored since start (tests, the banner). */
  stored(): number;
  pruneNow(): Promise<number>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw refuse.tooLarge(max);
    parts.push(chunk);
  }
  const raw = Buffer.concat(parts);
  if (String(req.headers['content-encoding'] ?? '').toLowerCase() !== 'gzip') return raw;
  const out = await gunzipAsync(raw, { maxOutputLength: max }).catch(() => {
    throw refuse.badGzip(max);
  });
  return out;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** A refusal in the shape every surface of ours answers with (shared/errors/error-body.ts). */
function sendError(res: ServerResponse, err: ReceiverError): void {
  send(res, err.status, errorBody(err));
}

export async function startOtlpReceiver(o: ReceiverOptions): Promise<RunningReceiver> {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => undefined);
  const retention = o.retention ?? DEFAULT_RETENTION;
  const max = o.maxBodyBytes ?? 8 * 1024 * 1024;
  const problem = receiverOptionsProblem(o);
  if (problem !== null) throw new Error(`otlp-receiver: ${problem}`);
  let stored = 0;
  // Fails fast with the store's one message when the database lacks the span table (or predates
  // schema 29's project column): "schema-missing … run `switchyard db migrate`".
  await guard('otlp-receiver: reading trace_spans (schema 29)', () => o.db.execute('SELECT project FROM trace_spans LIMIT 1'));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method === 'GET' && path === '/health') return send(res, 200, { ok: true, stored });
    if (path !== '/v1/traces') return sendError(res, refuse.notFound());
    if (req.method !== 'POST') return sendError(res, refuse.method());
    if (!authorized(req, o.token)) {
      req.resume();
      return sendError(res, refuse.unauthorized());
    }
    const type = String(req.headers['content-type'] ?? '').toLowerCase();
    if (type.includes('protobuf')) {
      req.resume();
      return sendError(res, refuse.protobuf());
    }
    if (!type.includes('json')) {
      req.resume();
      return sendError(res, refuse.notJson());
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readBody(req, max)).toString('utf8'));
    } catch (err) {
      return sendError(res, err instanceof ReceiverError ? err : refuse.badJson());
    }
    // Spans starting over an hour ahead of our clock are refused (they would escape retention).
    const decoded = decodeOtlpJson(parsed, BigInt(Math.floor(now() + 3_600_000)) * 1_000_000n);
    if (typeof decoded === 'string') return sendError(res, refuse.badExport(decoded));
    await insertSpans(o.db, decoded.rows);
    stored += decoded.rows.length;
    // OTLP partial success: rejected spans are reported, not retried by the exporter.
    send(res, 200, decoded.rejected === 0 ? {} : { partialSuccess: { rejectedSpans: decoded.rejected, errorMessage: decoded.firstProblem } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(JSON.stringify({ level: 'error', msg: 'otlp receiver failed to store spans', error: err instanceof Error ? err.message : String(err) }));
      if (!res.headersSent) sendError(res, refuse.storeFailed());
    });
  });
  await listenOrExplain(server, { port: o.port, host: o.host ?? '127.0.0.1' }, commandListener('the OTLP receiver'));
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host ?? '127.0.0.1'}:${port}`;
  const prune = (): Promise<number> => pruneSpans(o.db, retention, now());
  const timer = setInterval(() => {
    prune().catch((err: unknown) => log(JSON.stringify({ level: 'warn', msg: 'trace prune failed', error: String(err) })));
  }, o.pruneIntervalMs ?? 10_000);
  timer.unref();
  return {
    url,
    tracesUrl: `${url}/v1/traces`,
    stored: () => stored,
    pruneNow: prune,
    close: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
