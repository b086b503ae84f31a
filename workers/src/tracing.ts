/**
 * The edge's part of a request's trace, exported as OTLP/HTTP JSON from `ctx.waitUntil` after the
 * answer (one POST per sampled request; never on the hot path). Starts the trace or continues an
 * incoming `traceparent` (shared parent-based ratio sampling); hands the proxy its parent through
 * the routing token's `tp` claim and the forwarded `traceparent`. Every attribute passes the
 * shared attribute rules. A request that is not sampled records nothing but still carries the
 * "not sampled" flag on, so the proxy does not start a trace of its own.
 *
 * The OpenTelemetry JS SDK does load in workerd (checked), but its exporter sends on a timer from
 * a batch; here each request's spans must leave inside its own waitUntil, which this small
 * module does directly (see workers/README.md, "Traces").
 */
import { safeAttributes, type AttributeValue, type Attributes } from '../../shared/tracing/attributes.ts';
import { rootSampled, untrustedParentSampled } from '../../shared/tracing/sampling.ts';
import { formatTraceparent, parseTraceparent } from '../../shared/tracing/traceparent.ts';
import { otlpJson, SPAN_KIND, type FinishedSpan } from './tracing-otlp.ts';
import type { EdgeTracingConfig } from './shared-deps.ts';

export interface TraceDeps {
  readonly now: () => number;
  readonly randomHex: (bytes: number) => string;
  /** Uniform in [0, 1): the sampling draw under a client's parent (default Math.random). */
  readonly random?: () => number;
}

type Attrs = Readonly<Record<string, AttributeValue | null | undefined>>;

/** One open span; `end` records it (a no-op when the trace is not sampled). */
export interface EdgeSpan {
  readonly spanId: string;
  /** `traceparent` naming this span as the parent of the next hop. */
  readonly traceparent: string;
  set(attrs: Attrs): void;
  end(error?: string): void;
}

export class EdgeTrace {
  readonly traceId: string;
  readonly sampled: boolean;
  private readonly parentSpanId: string | null;
  private readonly finished: FinishedSpan[] = [];

  constructor(
    incoming: string | null,
    private readonly cfg: EdgeTracingConfig,
    private readonly deps: TraceDeps,
  ) {
    const parent = parseTraceparent(incoming);
    this.traceId = parent?.traceId ?? deps.randomHex(16);
    this.parentSpanId = parent?.spanId ?? null;
    // A client's traceparent may decline recording, not force it past EDGE_TRACE_SAMPLE_RATIO.
    this.sampled = parent === null ? rootSampled(this.traceId, cfg.sampleRatio) : untrustedParentSampled(parent, cfg.sampleRatio, (deps.random ?? Math.random)());
  }

  /** Starts a span; `parent` null means the request's own parent (the incoming context or none). */
  start(name: string, kind: keyof typeof SPAN_KIND, parent: EdgeSpan | null, attrs: Attrs = {}): EdgeSpan {
    const spanId = this.deps.randomHex(8);
    const startMs = this.deps.now();
    const attributes: Attributes = this.sampled ? safeAttributes(attrs, { allowContent: false }) : {};
    let done = false;
    const traceparent = formatTraceparent({ traceId: this.traceId, spanId, sampled: this.sampled });
    return {
      spanId,
      traceparent,
      set: (more) => {
        if (this.sampled) Object.assign(attributes, safeAttributes(more, { allowContent: false }));
      },
      end: (error) => {
        if (done || !this.sampled) return;
        done = true;
        if (error !== undefined) attributes['error.type'] = error;
        this.finished.push({
          traceId: this.traceId,
          spanId,
          parentSpanId: parent?.spanId ?? this.parentSpanId,
          name,
          kind: SPAN_KIND[kind],
          startMs,
          endMs: this.deps.now(),
          attributes,
          error: error !== undefined,
        });
      },
    };
  }

  /** Sends the finished spans; resolves (never rejects) when the receiver answered or failed. */
  async export(fetcher: typeof fetch, log: (line: string) => void): Promise<void> {
    if (this.finished.length === 0) return;
    const body = JSON.stringify(otlpJson(this.finished, { 'service.name': this.cfg.serviceName }, 'switchyard-edge'));
    this.finished.length = 0;
    try {
      const res = await fetcher(this.cfg.tracesUrl, { method: 'POST', headers: { ...this.cfg.headers, 'content-type': 'application/json' }, body });
      if (!res.ok) log(JSON.stringify({ level: 'warn', msg: 'trace export refused', status: res.status }));
      await res.body?.cancel();
    } catch (err) {
      log(JSON.stringify({ level: 'warn', msg: 'trace export failed', error: err instanceof Error ? err.message : String(err) }));
    }
  }
}

/** Random lowercase hex from the Web Crypto RNG (workerd and Node alike). */
export function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  crypto.getRandomValues(b);
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex;
}
