/**
 * Pumps one upstream response to the client: headers first (so SSE clients
 * see the stream open), then the body with backpressure both ways, an idle
 * watch only for non-streaming bodies, and an abort the client cannot mistake
 * for a clean end when the upstream dies mid-body. Resolves with what
 * happened instead of stashing it anywhere.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { abortResponse, writeChunk, type ClientResponse } from './client-io.ts';
import { classifyUpstreamError, type AttemptFault } from './errors.ts';
import { downstreamResponseHeaders } from './headers.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { UpstreamAbort } from './upstream-abort.ts';
import type { UpstreamResponse } from './upstream-call.ts';

export interface StreamResult {
  readonly bytesOut: number;
  /** Why the body did not end cleanly (`client-closed`, `idle-timeout`, an upstream error), or null. */
  readonly error: string | null;
  /** A replica fault that cut the body (counted against the replica), or null. */
  readonly fault: AttemptFault | null;
}

function isStreamingResponse(headers: Record<string, string | string[] | undefined>): boolean {
  const ct = String(headers['content-type'] ?? '').toLowerCase();
  return (
    ct.includes('text/event-stream') ||
    ct.includes('application/x-ndjson') ||
    ct.includes('application/jsonl')
  );
}

function writeHead(
  rt: ProxyRuntime,
  res: ClientResponse,
  up: UpstreamResponse,
  clusterId: string,
): void {
  // A fresh map per answer already: the cluster header goes into it, not into a second copy.
  const outHeaders: OutgoingHttpHeaders = downstreamResponseHeaders(up.headers);
  outHeaders['x-switchyard-cluster'] = clusterId;
  if (rt.draining && !('stream' in res)) outHeaders['connection'] = 'close';
  res.writeHead(up.statusCode, outHeaders);
  // Headers at once when no body byte is here yet, so SSE clients see the stream open before the
  // first event. When the first event arrived with the replica's head (usual on loopback and in
  // one region) they leave together in one write: flushing the head alone cost a second write and
  // a second wake-up of the client before its first chunk (first-sse-chunk-is-not-held.test.ts).
  if (!('stream' in res) && !up.bodyArrived) (res as ServerResponse).flushHeaders();
}

/**
 * Node's HTTP/1.1 `write` corks the socket and uncorks it on the next tick; called from a promise
 * continuation, as the body's first chunks are, that tick comes only after every other queued
 * microtask (the rest of the delivery, other exchanges' work). A stream's first event is what the
 * client waits for: send it now.
 */
function flushNow(res: ClientResponse): void {
  if ('stream' in res) return; // HTTP/2 frames leave on their own schedule
  const socket = (res as ServerResponse).socket;
  while (socket !== null && socket.writableCorked > 0) socket.uncork();
}

export function streamResponse(
  rt: ProxyRuntime,
  res: ClientResponse,
  up: UpstreamResponse,
  clusterId: string,
  ac: UpstreamAbort,
): Promise<StreamResult> {
  return new Promise((resolve) => {
    if (res.writableEnded || res.destroyed) {
      up.abort(new Error('client gone'));
      resolve({ bytesOut: 0, error: 'client-closed', fault: null });
      return;
    }
    const streaming = isStreamingResponse(up.headers);
    writeHead(rt, res, up, clusterId);
    let bytes = 0;
    let done = false;
    let error: string | null = null;
    let fault: AttemptFault | null = null;
    let idle: NodeJS.Timeout | null = null;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (idle !== null) clearTimeout(idle);
      res.off('close', onClose);
      resolve({ bytesOut: bytes, error, fault });
    };
    const onClose = (): void => {
      if (res.writableEnded) return;
      error ??= 'client-closed';
      ac.abort();
      up.abort(new Error('client closed'));
      finish();
    };
    res.once('close', onClose);
    up.pipe({
      data(chunk) {
        bytes += chunk.length;
        if (idle !== null) idle.refresh();
        if (writeChunk(res, chunk)) return true;
        res.once('drain', () => up.resume());
        return false;
      },
      end() {
        res.end();
        finish();
      },
      error(err) {
        if (done) return;
        // Our own abort (client left, drain) is recorded as the client's doing, not the upstream's.
        if (ac.aborted && error === null) error = 'client-closed';
        if (error === null) {
          fault = classifyUpstreamError(err);
          error = fault.detail;
        }
        // Upstream died (or went idle) mid-response: the client must see an error, never a clean end.
        // (Already ended: a drain hand-off wrote its final event and cut the upstream after it.)
        if (!res.writableEnded) abortResponse(res);
        finish();
      },
    });
    // The chunks that came with the head were written (corked) inside pipe(): out in one write now.
    if (streaming && !done && bytes > 0) flushNow(res);
    // Armed only now: a small response usually ended inside pipe(), and then needs no timer.
    if (!done && !streaming && rt.config.idleTimeoutMs > 0)
      idle = setTimeout(() => {
        error = 'idle-timeout';
        fault = {
          code: 'upstream-timeout',
          blame: 'replica',
          beforeSend: false,
          status: 504,
          detail: 'idle-timeout',
        };
        up.abort(new Error('idle timeout'));
      }, rt.config.idleTimeoutMs);
  });
}
