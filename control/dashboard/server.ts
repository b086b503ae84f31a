/**
 * The dashboard's HTTP server (node:http): the operator gate, the live page and its event
 * stream, the decision drill-down, traces, reports and the static files. Read-only: the only
 * POSTs sign an operator in and out.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Client } from '@libsql/client';
import { errorBody } from '../../shared/errors/error-body.ts';
import { isOperatorKeyRefusal, OPERATOR_KEY_CHALLENGE, OPERATOR_KEY_REFUSAL_STATUS } from '../../shared/http/operator-key-refusal.ts';
import { DashboardError, refuse } from './errors.ts';
import { explanationView } from './explanation-view.ts';
import { escapeHtml } from './html.ts';
import type { LivePoller, LiveTick } from './live-poller.ts';
import { authorize, CLEAR_SESSION_COOKIE, parseCookies, sameSecret, SESSION_COOKIE, sessionCookie, Sessions } from './operator-auth.ts';
import { livePage, loginPage, tracePage, tracesPage } from './pages.ts';
import { readExplanation } from './read-decisions.ts';
import { getTrace, listRecentTraces } from './read-traces.ts';
import { listReports, REPORT_FILES, safeReportPath } from './reports.ts';
import type { Asset } from './static-assets.ts';
import { waterfallView } from './waterfall-view.ts';

export interface ServerDeps {
  readonly client: Client;
  readonly poller: LivePoller;
  readonly assets: ReadonlyMap<string, Asset>;
  readonly operatorKey: string;
  readonly reportsDir: string;
  readonly now: () => number;
  /** Browsers falling behind by more than this many buffered bytes skip ticks and get a full state later. */
  readonly maxBufferedBytes?: number;
}

/** No inline script or style anywhere; the chart library sets styles through the CSSOM, which this allows. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/** Reports are static pages with an inline stylesheet and inline SVG, and no scripts. */
const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'";
const ID = /^[A-Za-z0-9._:-]{1,128}$/;

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
const html = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => send(res, status, 'text/html; charset=utf-8', body, headers);
const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}): void => send(res, 303, 'text/plain', '', { location: to, ...headers });

/** A missing or wrong operator key is answered as the edge answers it: 401 with the challenge. */
const CHALLENGE = { 'www-authenticate': OPERATOR_KEY_CHALLENGE };

function sendError(res: ServerResponse, err: DashboardError, asHtml: boolean): void {
  const headers = isOperatorKeyRefusal(err.code) ? CHALLENGE : {};
  if (asHtml) html(res, err.status, `<!doctype html><title>${err.status}</title><p>${escapeHtml(err.message)}</p>`, headers);
  else json(res, err.status, errorBody(err), headers);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 4096) throw refuse.bodyTooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A form post must come from the dashboard's own page. Browsers say so in Sec-Fetch-Site; older
 * ones only in Origin (sent on every POST; "null" from opaque origins, refused).
 */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return true; // not a browser: curl and tests posting the form
  try {
    return origin !== 'null' && new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** A path segment's id; a malformed percent-escape is the client's 400, not a thrown URIError. */
function decodeId(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw refuse.badRequest('The id in the path has a malformed percent-escape');
  }
}

export function createDashboardServer(d: ServerDeps): Server {
  const sessions = new Sessions();
  const maxBuffered = d.maxBufferedBytes ?? 256 * 1024;

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!sameOrigin(req)) throw refuse.crossSite();
    const token = (await readForm(req)).get('token') ?? '';
    if (token === '' || !sameSecret(token, d.operatorKey)) {
      html(res, OPERATOR_KEY_REFUSAL_STATUS, loginPage('That is not the operator key.'), CHALLENGE);
      return;
    }
    const secure = req.headers['x-forwarded-proto'] === 'https';
    redirect(res, '/', { 'set-cookie': sessionCookie(sessions.create(d.now()), secure) });
  };

  const events = (req: IncomingMessage, res: ServerResponse): void => {
    const sid = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-accel-buffering': 'no' });
    res.write(`retry: 2000\nevent: state\ndata: ${JSON.stringify(d.poller.state())}\n\n`);
    let behind = false;
    const unsubscribe = d.poller.subscribe((tick: LiveTick) => {
      if (res.writableEnded) return;
      if (sid !== undefined && !sessions.valid(sid, d.now()) && authorize(req.headers, d.operatorKey, sessions, d.now()) !== 'ok') {
        unsubscribe(); // signed out or expired: stop streaming
        res.end();
        return;
      }
      // A slow browser skips ticks instead of growing our buffer, then catches up with a full state.
      if (res.writableLength > maxBuffered) {
        behind = true;
        return;
      }
      res.write(behind ? `event: state\ndata: ${JSON.stringify(d.poller.state())}\n\n` : `event: tick\ndata: ${JSON.stringify(tick)}\n\n`);
      behind = false;
    });
    res.on('close', unsubscribe);
  };

  const authed = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/') return html(res, 200, livePage(await listReports(d.reportsDir), d.reportsDir));
    if (path === '/events') return events(req, res);
    if (path === '/api/state') return json(res, 200, d.poller.state());
    if (path === '/traces') return html(res, 200, tracesPage(await listRecentTraces(d.client, 100)));
    if (path === '/api/traces') {
      const traces = await listRecentTraces(d.client, 100);
      return json(res, 200, { enabled: traces !== null, traces: traces ?? [] });
    }
    const m = /^\/(api\/decisions|traces|api\/traces|reports)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const [, kind, rawId, file] = m ?? [];
    const id = rawId === undefined ? '' : decodeId(rawId);
    if (kind === 'api/decisions' && file === undefined) {
      if (!ID.test(id)) throw refuse.badRequest('A decision id is 1–128 letters, digits or ._:-');
      const explanation = await readExplanation(d.client, id);
      if (explanation === null) throw refuse.notFound(`Decision ${id}`);
      return json(res, 200, explanationView(id, explanation));
    }
    if ((kind === 'traces' || kind === 'api/traces') && file === undefined) {
      if (!ID.test(id)) throw refuse.badRequest('A trace id is 1–128 letters, digits or ._:-');
      const spans = await getTrace(d.client, id);
      const view = spans === null ? null : waterfallView(id, spans);
      // A trace with no stored spans is unknown, like an unknown decision (a 200 with no rows read as found).
      const unknown = view !== null && view.rows.length === 0;
      if (kind === 'traces') return html(res, unknown ? 404 : 200, tracePage(id, view));
      if (view === null) return json(res, 404, { enabled: false });
      if (unknown) throw refuse.noSpans(id);
      return json(res, 200, view);
    }
    if (kind === 'reports' && file !== undefined) {
      const p = safeReportPath(d.reportsDir, id, file);
      if (p === null) throw refuse.notFound('Report file');
      const body = await readFile(p).catch(() => null);
      if (body === null) throw refuse.notFound('Report file');
      return send(res, 200, REPORT_FILES[file] ?? 'text/plain', body, { 'content-security-policy': REPORT_CSP });
    }
    throw refuse.notFound(`Page ${path}`);
  };

  const asset = (req: IncomingMessage, res: ServerResponse, name: string): void => {
    const a = d.assets.get(name);
    if (a === undefined) throw refuse.notFound(`Asset ${name}`);
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gz ? a.gzip : a.body;
    send(res, 200, a.type, body, { 'cache-control': 'public, max-age=3600', vary: 'accept-encoding', 'content-length': String(body.length), ...(gz ? { 'content-encoding': 'gzip' } : {}) });
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    const method = req.method ?? 'GET';
    if (path === '/health') return send(res, 200, 'text/plain', 'ok\n');
    if (path === '/favicon.ico') return send(res, 204, 'text/plain', '');
    if (path.startsWith('/assets/')) return asset(req, res, path.slice('/assets/'.length));
    if (path === '/login') {
      if (method === 'POST') return login(req, res);
      if (method !== 'GET' && method !== 'HEAD') throw refuse.method('GET or POST');
      return html(res, 200, loginPage(null));
    }
    if (path === '/logout') {
      if (method !== 'POST') throw refuse.method('POST');
      sessions.delete(parseCookies(req.headers.cookie).get(SESSION_COOKIE));
      return redirect(res, '/login', { 'set-cookie': CLEAR_SESSION_COOKIE });
    }
    if (method !== 'GET' && method !== 'HEAD') throw refuse.method('GET');
    const auth = authorize(req.headers, d.operatorKey, sessions, d.now());
    if (auth !== 'ok') {
      // A browser asking for a page is sent to the form; API and stream clients get the precise 401.
      if (!path.startsWith('/api/') && path !== '/events' && auth === 'missing') return redirect(res, '/login');
      throw auth === 'missing' ? refuse.keyMissing() : refuse.keyWrong();
    }
    return authed(req, res, path);
  };

  return createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const e = err instanceof DashboardError ? err : refuse.database(err instanceof Error ? err.message : String(err));
      const path = req.url ?? '/';
      if (res.headersSent) res.end();
      else sendError(res, e, !path.startsWith('/api/') && path !== '/events');
    });
  });
}
