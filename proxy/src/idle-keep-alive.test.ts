import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { expect, it } from 'vitest';
import { countRequest } from './idle-keep-alive.ts';

// Seen in CI (an upload refused early, its connection let go before the 413 finished): the
// answer's 'finish' came with `req.socket` already null, and reading through it threw on the
// event loop, an uncaught exception in a running proxy.
it("an answer that finishes after its connection was let go is no error", () => {
  const req = new IncomingMessage(new Socket());
  req.httpVersionMajor = 1;
  const res = new ServerResponse(req);
  countRequest(req, res);
  (req as unknown as { socket: Socket | null }).socket = null;
  expect(() => res.emit('finish')).not.toThrow();
});
