import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { onConnectEvent } from './listener.ts';
import type { IncomingMessage } from 'node:http';

/** A raw socket whose peer has reset it: every write fails, as a real one's does with ECONNRESET. */
function resetSocket(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _enc, cb) {
      cb(Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' }));
    },
  });
}

describe('raw sockets Node hands over without an error handler', () => {
  it("an HTTP/1.1 CONNECT refused on a reset socket is destroyed, not an unhandled 'error' (was: the process exited)", async () => {
    const socket = resetSocket();
    const errors: unknown[] = [];
    // What an unhandled 'error' does to a process: Node throws it. Here it would be thrown from
    // the stream's error emit, which vitest reports as an uncaught exception.
    const onUncaught = (err: unknown): void => void errors.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      onConnectEvent(() => undefined)({ httpVersionMajor: 1 } as IncomingMessage, socket);
      await new Promise((r) => setTimeout(r, 20));
      expect(socket.destroyed).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
