/**
 * The forwarded response body, watched (issue 12 #1). Passed through unread it hides an upstream
 * cut: a proxy whose replica died mid-answer ends up as a cleanly ended body at the client, and
 * the OpenAI SDK's loop simply stops. So every chunk goes through this stream, and when the
 * upstream body errors:
 *   * an event stream first gets an `event: error` with `{"error":{code,message}}` (what SSE
 *     clients and the OpenAI SDK raise on, even if a runtime ends the connection cleanly), then
 *   * the client's body is errored, so the runtime aborts the response instead of ending it.
 * A client that goes away cancels this stream, which cancels the upstream body: the proxy sees
 * its connection close and stops the generation (issue 12 #2).
 */
const encoder = new TextEncoder();

export interface WatchOptions {
  readonly sse: boolean;
  /** Called once when the upstream body fails mid-answer (logging). */
  readonly onCut: (message: string) => void;
}

/** The SSE event that tells a client the stream was cut. */
export function sseErrorEvent(message: string): Uint8Array {
  const data = JSON.stringify({ error: { code: 'upstream-cut', type: 'upstream_cut', message } });
  return encoder.encode(`\n\nevent: error\ndata: ${data}\n\n`);
}

export function watchBody(upstream: ReadableStream<Uint8Array>, o: WatchOptions): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller): Promise<void> {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        const message = `The upstream answer was cut mid-stream (${err instanceof Error ? err.message : String(err)}); the response is incomplete.`;
        o.onCut(message);
        if (o.sse) controller.enqueue(sseErrorEvent(message));
        controller.error(new Error(message));
        return;
      }
      if (chunk.done) controller.close();
      else controller.enqueue(chunk.value);
    },
    async cancel(reason: unknown): Promise<void> {
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** Is this response an event stream (by content type)? */
export function isEventStream(headers: Headers): boolean {
  return (headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}
