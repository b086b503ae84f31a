/**
 * Lingering close for an HTTP/1.1 connection that ends with a refusal while its client is still
 * sending a body the proxy will not read (413 over the app's limit, 401 on a large upload, an
 * error before the body was consumed).
 *
 * Node's server ends such a connection with `socket.destroySoon()`: FIN after the answer, then the
 * file descriptor closed with the client's bytes unread in its receive buffer, for which the kernel
 * sends a RST. A client that has not yet read the answer loses it (its kernel drops the receive
 * queue on the RST, or its next write fails with EPIPE and the socket is destroyed): it sees a
 * connection error instead of the status that says what to fix. So, as nginx and Apache do, the
 * proxy half-closes and keeps reading and dropping what arrives until the client closes its side,
 * sends nothing for a LINGER_IDLE_MS check, or LINGER_MAX_MS have passed, then closes.
 */
import type { Socket } from 'node:net';
import type { ClientRequest, ClientResponse } from './client-io.ts';

/** A lingering connection is checked this often and closed when nothing arrived since the last check (nginx's lingering_timeout is 5 s). */
export const LINGER_IDLE_MS = 1_000;
/** And none lingers longer than this, however fast its client sends (nginx's lingering_time is 30 s). */
export const LINGER_MAX_MS = 5_000;

/**
 * Makes the end of this HTTP/1.1 exchange's connection a lingering close when its request body was
 * not read to the end. Call before the answer is written (Node closes the connection from the
 * answer's 'finish'). No effect on HTTP/2 (a refused stream is reset, the session lives on) or
 * when the body is complete (nothing is left to read, so nothing would be reset).
 */
export function lingerIfBodyUnread(req: ClientRequest, res: ClientResponse): void {
  if ('stream' in res || req.complete) return;
  const socket = res.socket as Socket | null;
  if (socket === null || socket.destroyed) return;
  // What still arrives for this request is dropped, not buffered (a paused request would stall the socket).
  req.resume();
  socket.destroySoon = lingeringDestroySoon;
}

function lingeringDestroySoon(this: Socket): void {
  // After this FIN the socket stays readable, and Node's HTTP parser goes on reading it (the resumed
  // request drops the body). The client's FIN ends the readable side and the socket closes itself
  // (most clients close when they see ours); otherwise it is closed when it goes quiet or at the cap.
  this.end();
  const started = Date.now();
  let seen = this.bytesRead;
  const check = setInterval(() => {
    const quiet = this.bytesRead === seen;
    seen = this.bytesRead;
    if (quiet || Date.now() - started + LINGER_IDLE_MS > LINGER_MAX_MS) this.destroy();
  }, LINGER_IDLE_MS).unref();
  this.once('close', () => clearInterval(check));
}
