/**
 * Node's HTTP server takes its error handler off a socket it hands to 'upgrade' or 'connect'.
 * Until something else owns such a raw socket (the WebSocket library, or our refusal's end), a
 * reset by the client or a write after its end is an unhandled 'error', and an unhandled 'error'
 * ends the process: every tenant's streams on it, for one client's connection. One shared
 * function, no closure per socket.
 */
import type { Duplex } from 'node:stream';

export function guardRawSocket(socket: Duplex): void {
  socket.on('error', destroyOnError);
}

function destroyOnError(this: Duplex): void {
  this.destroy();
}
