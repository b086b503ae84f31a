/**
 * The forwarded response body, watched (issue 12 #1). Passed through unread it hides an upstream
 * cut: a proxy whose replica died mid-answer ends up as a cleanly ended body at the client, and
 * the OpenAI SDK's loop simply stops. So every chunk goes through this stream, and when the
 * upstream body errors:
 *   * a stream with records gets a last record saying so, because workerd (measured under
 *     `wrangler dev`) ends a chunked response cleanly even when the Worker's body errors: an event
 *     stream gets `event: error` with `{"error":{code,message}}` (what SSE clients and the OpenAI
 *     SDK raise on), an NDJSON / JSON-lines stream a last line `{"error":{code,message}}`;
 *   * then the client's body is errored, so a runtime that can abort the response does (and an
 *     answer with a Content-Length arrives short, which HTTP clients report as an error).
 * A client that goes away cancels this stream, which cancels the upstream body: the proxy sees
 * its connection close and stops the generation (issue 12 #2).
 * Chunks are passed on one by one as they arrive (highWaterMark 0, no re-chunking): a proxy's
 * heartbeat stream (SSE comments until the first token, issue 14) reaches the client comment by
 * comment, so nothing between client and edge sees an idle connection
 * (`heartbeat-first-stream-is-not-buffered.test.ts`, e2e `heartbeats-carry-a-slow-first-token-…`).
 */
const encoder = new TextEncoder();

/** How a cut is announced in the body: as an SSE event, as a JSON line, or not at all. */
export type StreamFormat = 'sse' | 'ndjson' | 'opaque';

export interface WatchOptions {
  readonly format: StreamFormat;
  /**
   * The body's length when the answer declares it (Content-Length, no content coding): the body
   * ends at its last byte. workerd delivers the end of a subrequest's answer only once its request
   * body is sent, so a proxy's early refusal of an upload the client stopped sending (as curl does
   * at an error status) never ended at the client, and the proxy's close after it read as a cut.
   */
  readonly length?: number | null;
  /** Called once when the upstream body fails mid-answer (logging). */
  readonly onCut: (message: string) => void;
}

/** The last record that tells a client the stream was cut, in the stream's own format. */
export function cutRecord(format: StreamFormat, message: string): Uint8Array | null {
  const data = JSON.stringify({ error: { code: 'upstream-cut', type: 'upstream_cut', message } });
  if (format === 'sse') return encoder.encode(`\n\nevent: error\ndata: ${data}\n\n`);
  if (format === 'ndjson') return encoder.encode(`\n${data}\n`);
  return null;
}

export function watchBody(upstream: ReadableStream<Uint8Array>, o: WatchOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  let left = o.length ?? Infinity;
  // The declared length arrived: ended here, the connection let go without waiting for the upload.
  const whole = (controller: ReadableStreamDefaultController<Uint8Array>): void => {
    controller.close();
    reader.cancel().catch(() => undefined);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller): Promise<void> {
      if (left <= 0) return whole(controller);
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        const message = `The upstream answer was cut mid-stream (${err instanceof Error ? err.message : String(err)}); the response is incomplete.`;
        o.onCut(message);
        const last = cutRecord(o.format, message);
        if (last !== null) controller.enqueue(last);
        controller.error(new Error(message));
        return;
      }
      if (chunk.done) return controller.close();
      left -= chunk.value.byteLength;
      controller.enqueue(chunk.value);
      if (left <= 0) whole(controller);
    },
    async cancel(reason: unknown): Promise<void> {
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/jsonlines', 'application/json-seq'];

/** The body's declared length, or null when it has none or a content coding changes it on the way. */
export function declaredBodyLength(headers: Headers): number | null {
  const coding = headers.get('content-encoding');
  if (coding !== null && coding.trim().toLowerCase() !== 'identity') return null;
  const raw = headers.get('content-length');
  if (raw === null || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

/** The stream format of a response, by content type. */
export function streamFormat(headers: Headers): StreamFormat {
  const type = (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/event-stream') return 'sse';
  return NDJSON_TYPES.includes(type) ? 'ndjson' : 'opaque';
}
