/**
 * HTTP/2 connections to replicas (clusters configured `h2`): per origin, as few sessions as the
 * server's SETTINGS_MAX_CONCURRENT_STREAMS allows, each carrying many streams. node:http2, not
 * undici's `allowH2`: undici runs a POST or a request with a streamed body alone on its
 * connection (it cannot be retried), so every inference request would open its own connection,
 * and it does not speak cleartext h2c from its Agent. A call waits for a connection that has
 * room; a new connection is opened only when none has (or is still being opened), and streams are
 * sent only after the server's SETTINGS arrived, so a server's lower limit is never overrun.
 */
import http2, { type ClientHttp2Session } from 'node:http2';

/**
 * Streams this proxy opens on one upstream connection, whatever the replica allows (Node's and
 * Envoy's servers allow ~unlimited): each stream with a held body keeps a piece of it queued, and
 * 700 of them on one connection passed its session memory and got every stream on it reset, any
 * app's. nginx's default for clients is 128.
 */
export const LOCAL_MAX_STREAMS = 128;
const SESSION_MEMORY_MB = 32;
import net from 'node:net';

/** What a call needs from the pool: a stream slot on a connection, or why there is none. */
export interface H2Waiter {
  ready(conn: H2Connection): void;
  failed(err: Error): void;
}

/** A connection error before any stream went out: classified as the connect failure it is. */
function connectError(cause: Error | null, fallback: string): Error {
  if (cause !== null) return cause;
  return Object.assign(new Error(`HTTP/2 connection ${fallback}`), { code: 'ECONNREFUSED' });
}

export class H2Connection {
  active = 0;
  /** From the server's SETTINGS; unknown (and unused: no stream is sent) until they arrive. */
  maxStreams = 0;
  settled = false;
  /** GOAWAY received or the session ended: no new streams. */
  closing = false;
  failure: Error | null = null;
  private idle: NodeJS.Timeout | null = null;

  constructor(
    readonly session: ClientHttp2Session,
    private readonly origin: H2Origin,
  ) {}

  get usable(): boolean {
    return this.settled && !this.closing && !this.session.destroyed && !this.session.closed;
  }

  get hasRoom(): boolean {
    return this.usable && this.active < this.maxStreams;
  }

  took(): void {
    this.active += 1;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
  }

  /** A stream of this connection closed: its slot goes to a waiting call, or the idle clock runs. */
  released(): void {
    this.active -= 1;
    this.origin.flush();
    if (this.active === 0 && this.usable && this.idle === null) {
      this.idle = setTimeout(() => this.session.close(), this.origin.idleTimeoutMs);
      this.idle.unref();
    }
  }

  ended(): void {
    this.closing = true;
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = null;
  }
}

class H2Origin {
  readonly conns: H2Connection[] = [];
  private readonly waiting: H2Waiter[] = [];
  private readonly cleartext: boolean;
  private readonly host: string;
  private readonly port: number;

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs: number,
    readonly idleTimeoutMs: number,
    private readonly onConnection: () => void,
  ) {
    const u = new URL(url);
    this.cleartext = u.protocol === 'http:';
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port || (this.cleartext ? 80 : 443));
  }

  acquire(w: H2Waiter): void {
    const conn = this.roomy();
    if (conn !== null && this.waiting.length === 0) {
      conn.took();
      w.ready(conn);
      return;
    }
    this.waiting.push(w);
    this.flush();
  }

  cancel(w: H2Waiter): void {
    const i = this.waiting.indexOf(w);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** Hands free slots to waiting calls; opens a connection when they outnumber the room. */
  flush(): void {
    while (this.waiting.length > 0) {
      const conn = this.roomy();
      if (conn === null) break;
      const w = this.waiting.shift();
      if (w === undefined) break;
      conn.took();
      w.ready(conn);
    }
    if (this.waiting.length > 0 && !this.conns.some((c) => !c.settled && !c.closing)) this.connect();
  }

  private roomy(): H2Connection | null {
    for (const c of this.conns) if (c.hasRoom) return c;
    return null;
  }

  private connect(): void {
    const session = http2.connect(this.url, {
      settings: { enablePush: false },
      // What its streams may hold queued at once (MB): LOCAL_MAX_STREAMS held bodies of a piece
      // each, with room for answers; past it Node resets every new stream on the connection.
      maxSessionMemory: SESSION_MEMORY_MB,
      // Cleartext: our own socket, with Nagle off like undici's (small SSE frames go out at once).
      ...(this.cleartext ? { createConnection: () => net.connect({ host: this.host, port: this.port, noDelay: true }) } : {}),
    });
    const conn = new H2Connection(session, this);
    this.conns.push(conn);
    this.onConnection();
    const timer = setTimeout(() => {
      if (conn.settled) return;
      const err = Object.assign(new Error(`HTTP/2 connect timeout (${this.connectTimeoutMs} ms)`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
      conn.failure = err;
      session.destroy(err);
    }, this.connectTimeoutMs);
    timer.unref();
    session.on('remoteSettings', (s) => {
      conn.maxStreams = Math.max(1, Math.min(LOCAL_MAX_STREAMS, s.maxConcurrentStreams ?? 100));
      if (!conn.settled) {
        conn.settled = true;
        clearTimeout(timer);
      }
      this.flush();
    });
    session.on('goaway', () => {
      conn.ended();
      this.flush();
    });
    session.on('error', (err: Error) => {
      conn.failure ??= err;
    });
    session.once('close', () => {
      clearTimeout(timer);
      conn.ended();
      this.conns.splice(this.conns.indexOf(conn), 1);
      // Calls waiting for this connection's first SETTINGS fail with its connect error; with
      // another connection still usable they wait on.
      if (!conn.settled && this.roomy() === null) this.failWaiting(connectError(conn.failure, 'closed before its SETTINGS'));
      else this.flush();
    });
    // An idle pool never holds the process open (undici's connections do the same).
    session.unref();
  }

  private failWaiting(err: Error): void {
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.failed(err);
  }

  close(): void {
    for (const c of [...this.conns]) c.session.destroy();
  }
}

/** Every origin's HTTP/2 connections; `connections` counts those ever opened (tests, benches). */
export class H2UpstreamPool {
  private readonly origins = new Map<string, H2Origin>();
  connectionsOpened = 0;

  constructor(
    private readonly connectTimeoutMs: number,
    private readonly idleTimeoutMs: number,
  ) {}

  acquire(origin: string, w: H2Waiter): void {
    let o = this.origins.get(origin);
    if (o === undefined) {
      o = new H2Origin(origin, this.connectTimeoutMs, this.idleTimeoutMs, () => void (this.connectionsOpened += 1));
      this.origins.set(origin, o);
    }
    o.acquire(w);
  }

  cancel(origin: string, w: H2Waiter): void {
    this.origins.get(origin)?.cancel(w);
  }

  /** Open connections now, over all origins. */
  get openConnections(): number {
    let n = 0;
    for (const o of this.origins.values()) n += o.conns.length;
    return n;
  }

  close(): void {
    for (const o of this.origins.values()) o.close();
    this.origins.clear();
  }
}
