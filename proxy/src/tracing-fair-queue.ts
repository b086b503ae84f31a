/**
 * The span export queue shared fairly between apps. The SDK's BatchSpanProcessor holds every
 * finished span in one queue and, once it is full (the collector slow or down), drops whatever
 * ends next: one app's burst of sampled requests lost every other app's spans. Here a span is let
 * into the queue only within its app's fair share (fair-shares.ts); the queue's own bound is the
 * same, so the SDK never drops for lack of room. Spans of requests refused before their token
 * verified share one anonymous key: a flood naming made-up apps cannot claim a share per name.
 */
import { trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { FairShares } from './fair-shares.ts';

/** The key of spans that belong to no verified app. */
export const ANONYMOUS = '';

export class FairSpanQueue {
  readonly #shares: FairShares;
  /** Each live or queued span's key; children inherit their parent's at start. */
  readonly #keys = new WeakMap<object, string>();

  constructor(
    capacity: number,
    private readonly onShed: (key: string) => void,
  ) {
    this.#shares = new FairShares(capacity);
  }

  /** A request's server span belongs to `key` (its verified app, or ANONYMOUS). */
  assign(span: object, key: string): void {
    this.#keys.set(span, key);
  }

  /** Wraps the queue's processor: only spans within their app's share reach it. */
  processor(inner: SpanProcessor): SpanProcessor {
    const keys = this.#keys;
    const shares = this.#shares;
    const onShed = this.onShed;
    return {
      onStart(span: Span, parent: Context): void {
        const from = trace.getSpan(parent);
        if (from !== undefined && keys.has(from)) keys.set(span, keys.get(from) ?? ANONYMOUS);
        inner.onStart(span, parent);
      },
      onEnd(span: ReadableSpan): void {
        // Unsampled spans are not queued (the SDK skips them): nothing to count.
        if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return inner.onEnd(span);
        const key = keys.get(span) ?? ANONYMOUS;
        if (!shares.tryAdd(key)) return onShed(key);
        inner.onEnd(span);
      },
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
    };
  }

  /** Wraps the queue's exporter: a batch handed to it has left the queue. */
  exporter(inner: SpanExporter): SpanExporter {
    const keys = this.#keys;
    const shares = this.#shares;
    return {
      export(spans, done): void {
        for (const s of spans) shares.remove(keys.get(s) ?? ANONYMOUS);
        inner.export(spans, done);
      },
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
