/**
 * Which HTTP/1.1 client connections a drain may close at once, as nginx and HAProxy do on a
 * graceful stop: a keep-alive connection with no request in flight is closed when the drain
 * starts, and a busy one after its last answer (which says `Connection: close` when its head
 * leaves during the drain, stream-response.ts). Left to their keep-alive timeout, idle connections
 * (an edge's or SDK's pool) held every drain for that long: a rolling deploy waited seconds per
 * process for clients that had nothing more to ask.
 *
 * Idle means: every request the connection carried has been answered and not one byte arrived
 * since (the next request has not started). A connection that has carried no request yet is not
 * idle: its client has just connected to send one, which gets its 503 `draining` (or the sniff and
 * header timeouts close it). Upgraded (WebSocket) connections are never idle here: their upgrade
 * request arrived after their last answer. State is kept on the socket itself and one shared
 * 'finish' listener per response: no closure or map entry per connection or request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ClientRequest, ClientResponse } from './client-io.ts';

/**
 * How long a drained connection whose last answer did not say `Connection: close` stays open for
 * a next request already under way (a client's turnaround: one round trip and its own processing).
 */
export const LAST_ANSWER_QUIET_MS = 250;

const inFlight = Symbol('requests in flight');
const idleSince = Symbol('bytes read when last idle');
const closeWhenIdle = Symbol('close when idle');

interface KeepAliveSocket extends Socket {
  [inFlight]?: number;
  [idleSince]?: number;
  [closeWhenIdle]?: boolean;
}

/** The server's 'request' listener: counts an HTTP/1.x request until its answer is finished. */
export function countRequest(req: ClientRequest, res: ClientResponse): void {
  if (req.httpVersionMajor !== 1) return; // HTTP/2 sessions drain with GOAWAY
  const socket = (req as IncomingMessage).socket as KeepAliveSocket;
  socket[inFlight] = (socket[inFlight] ?? 0) + 1;
  (res as ServerResponse).on('finish', answered);
}

function answered(this: ServerResponse): void {
  // Null once Node has let go of the connection (a refused upload's lingering close, a destroyed
  // socket): nothing left to keep alive or to close, and reading through it threw on the loop.
  const socket = this.req.socket as KeepAliveSocket | null;
  if (socket === null) return;
  const left = (socket[inFlight] ?? 1) - 1;
  socket[inFlight] = left;
  if (left > 0) return;
  socket[idleSince] = socket.bytesRead;
  // Node's own 'finish' handler ran first: after a `Connection: close` answer it has ended the
  // socket already (not writable). Else this answer's head left before the drain, so its client
  // was told nothing and may be sending its next request now: that one gets its 503 `not-started`
  // (then the close) if it arrives within LAST_ANSWER_QUIET_MS; closing at once reset it.
  if (socket[closeWhenIdle] === true && socket.writable) setTimeout(closeIfIdle, LAST_ANSWER_QUIET_MS, socket).unref();
}

function closeIfIdle(socket: KeepAliveSocket): void {
  if (!socket.destroyed && isIdle(socket)) socket.destroy();
}

function isIdle(socket: KeepAliveSocket): boolean {
  return socket[inFlight] === 0 && socket[idleSince] === socket.bytesRead;
}

/**
 * Marks every connection to close after its last answer, and closes the idle ones after one turn
 * of the event loop: bytes already in a socket's receive buffer (a request sent just before the
 * drain) are read first, so that connection is no longer idle and its request gets its 503
 * `not-started` instead of a reset. What remains is the race any keep-alive timeout has: a
 * request still on the wire when the FIN leaves.
 */
export function closeIdleKeepAlive(sockets: Iterable<Socket>): void {
  const all = [...sockets] as KeepAliveSocket[];
  for (const s of all) s[closeWhenIdle] = true;
  // Two immediates: the second runs after a whole poll phase that began after the drain did.
  setImmediate(() =>
    setImmediate(() => {
      for (const s of all) closeIfIdle(s);
    }),
  );
}
