/**
 * The client side of a managed SSE stream: headers sent before any replica answered, SSE
 * comment heartbeats until the replica's first body byte, then the spliced events, and — when
 * the stream cannot go on — an `event: error` in the OpenAI error format before a clean end, so
 * no client mistakes a cut for a finished answer. Heartbeats are written to the client only: no
 * upstream timer sees them.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ClientResponse } from './client-io.ts';

/** The OpenAI error object (`{"error": {...}}`) the SDKs raise from an `error` event. */
export interface OpenAiError {
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

export class SseDownstream {
  private timer: NodeJS.Timeout | null = null;
  private opening: NodeJS.Timeout | null = null;
  heartbeatsSent = 0;

  constructor(private readonly res: ClientResponse) {}

  get opened(): boolean {
    return this.res.headersSent;
  }

  get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /**
   * Opens the stream and starts heartbeats after `graceMs`, unless a replica answered (or the
   * exchange was refused) first: a refusal within the grace still reaches the edge as a status
   * it can fail over on (`x-switchyard-refused: not-started`), not as an error inside a 200.
   */
  openSoon(graceMs: number, extra: OutgoingHttpHeaders, intervalMs: number, onOpen: () => void): void {
    this.opening = setTimeout(() => {
      this.opening = null;
      if (this.gone || this.opened) return;
      this.open(extra);
      this.write(': heartbeat\n\n');
      this.startHeartbeats(intervalMs);
      onOpen();
    }, graceMs);
  }

  /** Answers `200 text/event-stream` now, before any replica did. */
  open(extra: OutgoingHttpHeaders): void {
    this.cancelOpen();
    if (this.res.headersSent) return;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...extra,
    });
    if (!('stream' in this.res)) (this.res as ServerResponse).flushHeaders();
  }

  /** A comment every `intervalMs` (skipped while the client is not reading) until `stopHeartbeats`. */
  startHeartbeats(intervalMs: number): void {
    this.stopHeartbeats();
    this.timer = setInterval(() => {
      if (this.gone || this.res.writableNeedDrain) return;
      this.heartbeatsSent += 1;
      this.write(': heartbeat\n\n');
    }, intervalMs);
  }

  stopHeartbeats(): void {
    this.cancelOpen();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private cancelOpen(): void {
    if (this.opening !== null) clearTimeout(this.opening);
    this.opening = null;
  }

  /** Writes to the client; false = wait for `drain` (the caller pauses the upstream). */
  write(chunk: string | Buffer): boolean {
    if (this.gone) return true;
    return (this.res as { write(c: string | Buffer): boolean }).write(chunk);
  }

  comment(text: string): void {
    this.write(`: ${text.replace(/[\r\n]+/g, ' ')}\n\n`);
  }

  /** The stream cannot go on: an `error` event the OpenAI SDKs raise, then a clean end. */
  fail(err: OpenAiError): void {
    this.stopHeartbeats();
    if (this.gone) return;
    this.write(`event: error\ndata: ${JSON.stringify({ error: err })}\n\n`);
    this.res.end();
  }

  end(rest = ''): void {
    this.stopHeartbeats();
    if (this.gone) return;
    if (rest !== '') this.write(rest);
    this.res.end();
  }
}
