/**
 * One HTTP/1.1 connection to a replica (undici's `Client`, one per connection in the proxy's
 * pools) that can be closed after the response it is carrying, instead of pooled for the next.
 *
 * Why: a replica may answer before it has read the request's body (413 at its own limit, 401, a
 * rate limit) and still keep the connection alive. The body's unread bytes then sit ahead of
 * whatever is sent next on that connection: the next request, anyone's, is never parsed (it
 * hangs to the time-to-first-byte budget, a 504 counted against the replica) or is parsed from
 * the middle of a body. undici closes such a connection only when it is still writing the body
 * when the answer ends; a body it already handed to the socket looks sent.
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Client, errors, type buildConnector, type Dispatcher } from 'undici';

/** A dispatch handler told which connection carries it (upstream-call.ts). */
export interface CarriedRequest {
  carriedBy(connection: UpstreamClient): void;
}

function isCarried(handler: object): handler is CarriedRequest {
  return typeof (handler as Partial<CarriedRequest>).carriedBy === 'function';
}

export class UpstreamClient extends Client {
  /** The socket of the current connection (a reconnect replaces it), as the connector made it. */
  private readonly current: { socket: Socket | null };

  constructor(origin: URL, opts: Client.Options) {
    const current: { socket: Socket | null } = { socket: null };
    const connect = opts.connect;
    super(origin, typeof connect === 'function' ? { ...opts, connect: recording(connect, current) } : opts);
    this.current = current;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (isCarried(handler)) handler.carriedBy(this);
    return super.dispatch(opts, handler);
  }

  /** Bytes of the current request still queued on the socket, not yet handed to the kernel. */
  get unsentBytes(): number {
    return this.current.socket?.writableLength ?? 0;
  }

  /**
   * Closes the connection once its current response is over (call from that response's
   * completion): what it carries is done, so nothing is cut; undici opens a new one for the
   * next request. Not an h2 session (ALPN): its streams are framed, and others share it.
   */
  closeAfterResponse(): void {
    const socket = this.current.socket;
    if (socket === null || socket.destroyed || (socket as TLSSocket).alpnProtocol === 'h2') return;
    // undici's own marker for a connection it closes on purpose: no request is failed by it.
    socket.destroy(new errors.InformationalError('reset'));
  }
}

/** The connector, recording each socket it makes for this connection. */
function recording(connect: buildConnector.connector, current: { socket: Socket | null }): buildConnector.connector {
  return (options, callback) => {
    connect(options, (...args: Parameters<buildConnector.Callback>) => {
      if (args[1] !== null) current.socket = args[1];
      callback(...args);
    });
  };
}

/** The pools' `factory`: an UpstreamClient per connection (undici's default is a Client). */
export function upstreamClient(origin: URL, opts: object): Dispatcher {
  return new UpstreamClient(origin, opts as Client.Options);
}
