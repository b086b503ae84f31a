/**
 * The proxy's OpenTelemetry traces (official SDK, OTLP/HTTP JSON export). One server span per
 * request continues the edge's trace (the routing token's `tp` claim, else the `traceparent`
 * header; `shared/tracing` decides which), with the admission as a child and one CLIENT span
 * per upstream attempt that ends when the answer's body ends. Sampling is the shared
 * parent-based ratio rule; every attribute passes the shared attribute rules (no credential
 * ever, content only for apps listed in PROXY_TRACE_CONTENT_APPS). Off (null) without an endpoint.
 */
import type { IncomingMessage } from 'node:http';
import {
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  isSpanContextValid,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SamplingDecision,
  type ReadableSpan,
  type Sampler,
  type SamplingResult,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { PROJECT_ATTRIBUTE, safeAttributes, type AttributeValue } from '../../shared/tracing/attributes.ts';
import { projectOfAppId } from '../../shared/http/request-path.ts';
import { shouldSample, untrustedParentSampled } from '../../shared/tracing/sampling.ts';
import { chooseParent, formatTraceparent, parseTraceparent } from '../../shared/tracing/traceparent.ts';
import { tracesUrl } from '../../shared/tracing/trace-settings.ts';
import type { RoutingClaims } from '../../shared/tokens/types.ts';
import type { ClientRequest } from './client-io.ts';
import { parseRequestTarget } from './request-target.ts';
import { RequestTrace } from './tracing-request.ts';
import { ANONYMOUS, FairSpanQueue, ownerOf, type SpanOwner } from './tracing-fair-queue.ts';

export interface ProxyTracingConfig {
  /** OTLP/HTTP traces URL (`…/v1/traces`). */
  readonly tracesUrl: string;
  readonly sampleRatio: number;
  readonly serviceName: string;
  /** Apps (`project/app`) that opted in to prompt capture in spans. */
  readonly contentApps: ReadonlySet<string>;
  readonly proxyId: string;
  readonly region: string;
}

/** What the admission decided, as far as the trace needs it. */
export interface AdmissionFacts {
  readonly claims: RoutingClaims | null;
  readonly appId: string | null;
  readonly fn: string | null;
  /** The refusal's code and status, or null when admitted. */
  readonly refusal: { readonly code: string; readonly status: number } | null;
}

/** The shared parent-based ratio rule as an SDK sampler. */
class SharedRuleSampler implements Sampler {
  constructor(private readonly ratio: number) {}
  shouldSample(ctx: Context, traceId: string): SamplingResult {
    const parent = trace.getSpanContext(ctx);
    const p = parent === undefined || !isSpanContextValid(parent) ? null : { sampled: (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED };
    return { decision: shouldSample(p, traceId, this.ratio) ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.NOT_RECORD };
  }
  toString(): string {
    return `SwitchyardParentBasedRatio{${this.ratio}}`;
  }
}

const header = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Told when an export failed: how many spans were lost and why. */
export type DroppedSpans = (count: number, error: Error | undefined) => void;

/** What the tracing reports and, for tests, what it exports to and how many spans it queues. */
export interface TracingHooks {
  /** The exporter (tests); default OTLP/HTTP JSON to the configured URL. */
  readonly exporter?: SpanExporter;
  readonly onDropped?: DroppedSpans;
  /**
   * A span not queued because its project held its fair share, or its app its part of it
   * (ANONYMOUS: project and app ''; no verified app).
   */
  readonly onShed?: (owner: SpanOwner) => void;
  /** Spans waiting for export, all apps together. */
  readonly maxQueueSize?: number;
}

const MAX_QUEUED_SPANS = 8192;

/**
 * The SDK's exporter reports failures only to its `diag` logger, silent by default: an operator
 * whose collector is down or mistyped saw nothing at all. This passes every result on and tells
 * `onDropped` about the failures.
 */
class ReportingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly onDropped: DroppedSpans,
  ) {}
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      // ExportResultCode.SUCCESS is 0 (@opentelemetry/core).
      if (result.code !== 0) this.onDropped(spans.length, result.error);
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export class ProxyTracing {
  private constructor(
    private readonly provider: BasicTracerProvider,
    private readonly tracer: Tracer,
    private readonly cfg: ProxyTracingConfig,
    private readonly queue: FairSpanQueue,
  ) {}

  /** Tracing with the OTLP/HTTP JSON exporter, or the exporter given (tests). */
  static create(cfg: ProxyTracingConfig, hooks: TracingHooks = {}): ProxyTracing {
    const inner = hooks.exporter ?? new OTLPTraceExporter({ url: cfg.tracesUrl, timeoutMillis: 5_000 });
    const maxQueueSize = hooks.maxQueueSize ?? MAX_QUEUED_SPANS;
    const queue = new FairSpanQueue(maxQueueSize, hooks.onShed ?? (() => undefined));
    const reporting = hooks.onDropped === undefined ? inner : new ReportingExporter(inner, hooks.onDropped);
    const provider = new BasicTracerProvider({
      sampler: new SharedRuleSampler(cfg.sampleRatio),
      resource: resourceFromAttributes({ 'service.name': cfg.serviceName, 'service.instance.id': cfg.proxyId, 'cloud.region': cfg.region }),
      spanProcessors: [queue.processor(new BatchSpanProcessor(queue.exporter(reporting), { maxQueueSize, scheduledDelayMillis: 1_000 }))],
    });
    return new ProxyTracing(provider, provider.getTracer('switchyard-proxy'), cfg, queue);
  }

  /**
   * The request's trace, started at `startMs` (before admission), or null when this request is
   * not sampled. A refused request gets its server span and admission span ended here.
   */
  request(req: ClientRequest | IncomingMessage, startMs: number, admission: AdmissionFacts): RequestTrace | null {
    // A request refused before its token verified is anyone's: its traceparent would let an
    // unauthenticated flood pick its own sampling (force every refusal recorded, whatever the ratio).
    const trusted = admission.refusal === null || admission.claims !== null;
    const fromHeader = trusted ? parseTraceparent(header(req.headers['traceparent'])) : null;
    const fromToken = parseTraceparent(admission.claims?.tp);
    let parent = chooseParent(fromHeader, fromToken);
    // Only the edge's signed context may ask for recording past the ratio; a client's header may not.
    if (fromToken === null && parent?.sampled === true && !untrustedParentSampled(parent, this.cfg.sampleRatio, Math.random()))
      parent = { ...parent, sampled: false };
    const ctx = parent === null ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, {
      traceId: parent.traceId,
      spanId: parent.spanId,
      traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
      isRemote: true,
    });
    const method = (req.method ?? 'GET').toUpperCase();
    const appId = admission.appId;
    // The tenant only when the token verified: a path alone names any project.
    const project = admission.claims !== null && appId !== null ? projectOfAppId(appId) : undefined;
    const allowContent = appId !== null && this.cfg.contentApps.has(appId);
    const attrs = (a: Record<string, AttributeValue | null | undefined>) => safeAttributes(a, { allowContent });
    const server = this.tracer.startSpan(
      appId === null ? `${method}` : `${method} /v4/${appId}/${admission.fn ?? ''}`,
      {
        kind: SpanKind.SERVER,
        startTime: startMs,
        attributes: attrs({
          'http.request.method': method,
          'url.path': (req.url ?? '/').split('?', 1)[0],
          'network.protocol.version': req.httpVersion,
          'switchyard.proxy.id': this.cfg.proxyId,
          'switchyard.app': appId,
          [PROJECT_ATTRIBUTE]: project,
          'switchyard.function': admission.fn,
          'switchyard.decision.id': admission.claims?.did,
          'switchyard.cluster.chosen': admission.claims?.cluster,
        }),
      },
      ctx,
    );
    if (!server.isRecording()) {
      // Not sampled: the upstream still learns this trace and its "not sampled" flag, rather than
      // the client's header or a fresh sampled trace that would record an orphan upstream.
      const sc = server.spanContext();
      req.headers['traceparent'] = formatTraceparent({ traceId: sc.traceId, spanId: sc.spanId, sampled: false });
      if (fromHeader?.traceId !== sc.traceId) delete req.headers['tracestate'];
      return null;
    }
    // Its spans queue for export within its project's share; a request whose token did not
    // verify names an app only by its path, so its spans share the anonymous one.
    this.queue.assign(server, admission.claims !== null && appId !== null ? ownerOf(appId) : ANONYMOUS);
    const under = trace.setSpan(ROOT_CONTEXT, server);
    const admit: Span = this.tracer.startSpan('proxy admission', { startTime: startMs, attributes: attrs({ 'switchyard.admission.result': admission.refusal?.code ?? 'admitted' }) }, under);
    admit.end();
    const rt = new RequestTrace(this.tracer, server, under, { allowContent, fn: admission.fn, incomingTraceId: fromHeader?.traceId ?? null });
    if (admission.refusal !== null) rt.end(admission.refusal.status, admission.refusal.code);
    return rt;
  }

  /** Export what is buffered (drain, tests). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** Tracing as the config asks for it: null (off) unless an OTLP endpoint is set. */
export function tracingFromConfig(
  config: {
    readonly otlpTracesEndpoint: string | null;
    readonly otlpEndpoint: string | null;
    readonly traceSampleRatio: number;
    readonly serviceName: string;
    readonly traceContentApps: string;
    readonly id: string;
    readonly region: string;
  },
  hooks: TracingHooks = {},
): ProxyTracing | null {
  const url = tracesUrl(config.otlpTracesEndpoint, config.otlpEndpoint);
  if (url === null && hooks.exporter === undefined) return null;
  return ProxyTracing.create(
    {
      tracesUrl: url ?? '',
      sampleRatio: config.traceSampleRatio,
      serviceName: config.serviceName,
      contentApps: new Set(config.traceContentApps.split(',').map((a) => a.trim()).filter((a) => a !== '')),
      proxyId: config.id,
      region: config.region,
    },
    hooks,
  );
}

/** The admission's outcome as the trace records it (the refused request's app when its path parses). */
export function admissionFacts(
  req: ClientRequest | IncomingMessage,
  admitted:
    | { readonly ok: true; readonly claims: RoutingClaims; readonly target: { readonly appId: string; readonly fn: string } }
    | { readonly ok: false; readonly error: { readonly code: string; readonly status: number }; readonly claims?: RoutingClaims },
): AdmissionFacts {
  if (admitted.ok) return { claims: admitted.claims, appId: admitted.target.appId, fn: admitted.target.fn, refusal: null };
  const parsed = parseRequestTarget(req.url ?? '/');
  return {
    claims: admitted.claims ?? null,
    appId: parsed.ok ? parsed.target.appId : null,
    fn: parsed.ok ? parsed.target.fn : null,
    refusal: { code: admitted.error.code, status: admitted.error.status },
  };
}

/** Wall-clock ms with sub-ms precision, the timebase of the OpenTelemetry SDK's own span times. */
export const traceNow = (): number => performance.timeOrigin + performance.now();
