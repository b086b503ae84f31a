/**
 * The span export queue shared fairly between tenants. The SDK's BatchSpanProcessor holds every
 * finished span in one queue and, once it is full (the collector slow or down), drops whatever
 * ends next: one app's burst of sampled requests lost every other app's spans. Here a span is let
 * into the queue only within its project's fair share, and within that its app's part
 * (fair-shares.ts): a project bursting through many apps holds one share, not one per app. The
 * queue's own bound is the same, so the SDK never drops for lack of room. Spans of requests
 * refused before their token verified share one anonymous tenant: a flood naming made-up apps
 * or projects cannot claim a share per name.
 */
import { trace, TraceFlags, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { FairShares } from '../../shared/caching/fair-shares.ts';

/** Whose share a span counts against: its project, and its app within it. */
export interface SpanOwner {
  readonly project: string;
  readonly app: string;
}

/** The owner of spans that belong to no verified app. */
export const ANONYMOUS: SpanOwner = { project: '', app: '' };

/** The owner of a verified app's spans (one object per request, shared by its spans). */
export const ownerOf = (appId: string): SpanOwner => ({ project: projectOfAppId(appId), app: appId });

export class FairSpanQueue {
  readonly #shares: FairShares;
  /** Each live or queued span's owner; children inherit their parent's at start. */
  readonly #keys = new WeakMap<object, SpanOwner>();

  constructor(
    capacity: number,
    private readonly onShed: (owner: SpanOwner) => void,
  ) {
    this.#shares = new FairShares(capacity);
  }

  /** A request's server span belongs to `owner` (its verified app's, or ANONYMOUS). */
  assign(span: object, owner: SpanOwner): void {
    this.#keys.set(span, owner);
  }

  /** Wraps the queue's processor: only spans within their project's share reach it. */
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
        const owner = keys.get(span) ?? ANONYMOUS;
        if (!shares.tryAdd(owner.project, owner.app)) return onShed(owner);
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
        for (const s of spans) {
          const owner = keys.get(s) ?? ANONYMOUS;
          shares.remove(owner.project, owner.app);
        }
        inner.export(spans, done);
      },
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    };
  }
}
