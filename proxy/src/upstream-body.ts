/**
 * The body half of an upstream exchange, shared by the HTTP/1.1 call (upstream-call.ts, undici)
 * and the HTTP/2 call (h2-upstream-call.ts): chunks that arrive before the sink is attached are
 * kept and delivered first, backpressure pauses the source, and the outcome (end or error) reaches
 * the sink exactly once, whether it came before or after `pipe()`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { BodySink } from './upstream-call.ts';

export type Outcome = { readonly kind: 'end' } | { readonly kind: 'error'; readonly err: Error };

/** What `headers` reads once the client's head is written (frozen: a late write is a bug). */
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

export abstract class UpstreamBody {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  protected sink: BodySink | null = null;
  /** Chunks that came before the sink; null for none (a held stream keeps no empty array). */
  protected early: Buffer[] | null = null;
  protected outcome: Outcome | null = null;
  protected headSeen = false;

  /** Stop reading the upstream until `resume()`: the sink is full. */
  protected abstract pauseSource(): void;
  /** The exchange has its outcome: drop timers and watchers. */
  protected abstract cleanup(): void;

  get bodyArrived(): boolean {
    return this.early !== null || this.outcome !== null;
  }

  /** The parsed head (~200 B) would otherwise stay on a held stream's call for hours. */
  headWritten(): void {
    this.headers = NO_HEADERS;
  }

  pipe(sink: BodySink): void {
    this.sink = sink;
    const early = this.early;
    this.early = null;
    let flowing = true;
    if (early !== null) for (const chunk of early) flowing = sink.data(chunk) && flowing;
    if (!flowing) this.pauseSource();
    if (this.outcome !== null) this.deliver(this.outcome);
  }

  /** A body chunk: kept until the sink is attached (the head's continuation runs a tick later). */
  protected push(chunk: Buffer): void {
    if (this.sink === null) {
      if (this.early === null) this.early = [chunk];
      else this.early.push(chunk);
    } else if (!this.sink.data(chunk)) this.pauseSource();
  }

  finish(outcome: Outcome): void {
    if (this.outcome !== null) return;
    this.outcome = outcome;
    this.cleanup();
    if (this.sink !== null) this.deliver(outcome);
  }

  private deliver(outcome: Outcome): void {
    const sink = this.sink;
    if (sink === null) return;
    this.sink = null;
    if (outcome.kind === 'end') sink.end();
    else sink.error(outcome.err);
  }
}
