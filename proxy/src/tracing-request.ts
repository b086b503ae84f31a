/**
 * One sampled request's spans after the server span exists: an upstream CLIENT span per
 * attempt (started when the attempt is dispatched, carrying its own `traceparent` upstream,
 * ended when the answer's body ends or the attempt fails), the GenAI attributes of each
 * attempt, and the server span's end. Every attribute passes the shared attribute rules.
 */
import { SpanKind, SpanStatusCode, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { safeAttributes, type AttributeValue } from '../../shared/tracing/attributes.ts';
import { genAiOperation, genAiRequestFacts } from '../../shared/tracing/genai.ts';
import { formatTraceparent } from '../../shared/tracing/traceparent.ts';
import type { AttemptFault } from './errors.ts';
import type { HeaderMap } from './headers.ts';
import type { StreamResult } from './stream-response.ts';
import type { GenAiOutcome } from './tracing-genai-watch.ts';
import { endedByClient } from '../../shared/http/client-ended.ts';

/** Request body bytes kept to read `model` / `stream` (and, opted in, the messages). */
const BODY_BYTES = 256 * 1024;

export interface AttemptFacts {
  readonly number: number;
  readonly clusterId: string;
  readonly endpointUrl: string;
  readonly method: string;
  readonly path: string;
}

export type AttemptEnd =
  | { readonly kind: 'failed'; readonly fault: AttemptFault }
  | { readonly kind: 'answered'; readonly status: number; readonly result: StreamResult; readonly genAi: GenAiOutcome | null };

export class RequestTrace {
  private readonly attempts = new Map<number, Span>();
  private readonly genAi = new Map<number, GenAiOutcome>();
  private body: Buffer[] = [];
  private bodyBytes = 0;
  /** Read once from the body's first bytes, which are then let go (not held for the whole stream). */
  private facts: { readonly model: string | null; readonly stream: boolean | null; readonly messages: string | undefined } | null = null;
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly server: Span,
    private readonly under: Context,
    private readonly opts: { readonly allowContent: boolean; readonly fn: string | null; readonly incomingTraceId: string | null },
  ) {}

  private attrs(a: Record<string, AttributeValue | null | undefined>): Record<string, AttributeValue> {
    return safeAttributes(a, { allowContent: this.opts.allowContent });
  }

  /** Starts the attempt's CLIENT span; returns the headers to send, with its `traceparent`. */
  attemptHeaders(a: AttemptFacts, headers: HeaderMap): HeaderMap {
    let url: URL | null = null;
    try {
      url = new URL(a.endpointUrl);
    } catch {
      // A registry URL that does not parse: the span goes without server.* attributes.
    }
    const op = this.opts.fn === null ? null : genAiOperation(this.opts.fn);
    const span = this.tracer.startSpan(
      a.method,
      {
        kind: SpanKind.CLIENT,
        attributes: this.attrs({
          'http.request.method': a.method,
          'server.address': url?.hostname,
          'server.port': url === null ? undefined : Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
          'url.full': `${a.endpointUrl.replace(/\/+$/, '')}${a.path}`,
          'switchyard.cluster': a.clusterId,
          'switchyard.attempt': a.number,
          'gen_ai.operation.name': op,
        }),
      },
      this.under,
    );
    this.attempts.set(a.number, span);
    const ctx = span.spanContext();
    const out: HeaderMap = { ...headers, traceparent: formatTraceparent({ traceId: ctx.traceId, spanId: ctx.spanId, sampled: true }) };
    // A client's tracestate belongs to its own trace; keep it only when we continue that trace.
    if (this.opts.incomingTraceId !== ctx.traceId) delete out['tracestate'];
    return out;
  }

  /** A request body chunk on its way upstream (kept up to a bound, for the GenAI facts). */
  requestChunk(chunk: Buffer): void {
    if (this.facts !== null || this.opts.fn === null || genAiOperation(this.opts.fn) === null) return;
    const part = chunk.length <= BODY_BYTES - this.bodyBytes ? chunk : chunk.subarray(0, BODY_BYTES - this.bodyBytes);
    this.body.push(part);
    this.bodyBytes += part.length;
    if (this.bodyBytes >= BODY_BYTES) this.readFacts();
  }

  /** The request body was sent whole: read its facts now and let the bytes go. */
  requestEnded(): void {
    this.readFacts();
  }

  /** Request body bytes held (tests: none once the body has been sent). */
  heldBodyBytes(): number {
    return this.body.reduce((n, b) => n + b.length, 0);
  }

  private readFacts(): NonNullable<RequestTrace['facts']> {
    if (this.facts !== null) return this.facts;
    const text = Buffer.concat(this.body).toString('utf8');
    this.body = [];
    const facts = text === '' ? { model: null, stream: null } : genAiRequestFacts(text);
    let messages: string | undefined;
    if (this.opts.allowContent && text !== '') {
      try {
        const parsed = JSON.parse(text) as { messages?: unknown; prompt?: unknown };
        messages = JSON.stringify(parsed.messages ?? parsed.prompt ?? null);
      } catch {
        // Cut or invalid body: no content attribute.
      }
    }
    this.facts = { model: facts.model, stream: facts.stream, messages };
    return this.facts;
  }

  /** What the answer's watch saw; set before the attempt ends. */
  attemptGenAi(number: number, outcome: GenAiOutcome): void {
    this.genAi.set(number, outcome);
  }

  private requestFacts(span: Span): void {
    const op = this.opts.fn === null ? null : genAiOperation(this.opts.fn);
    if (op === null || (this.bodyBytes === 0 && this.facts === null)) return;
    const facts = this.readFacts();
    span.setAttributes(this.attrs({ 'gen_ai.request.model': facts.model, 'gen_ai.request.stream': facts.stream, 'gen_ai.input.messages': facts.messages }));
    if (facts.model !== null) span.updateName(`${op} ${facts.model}`);
  }

  /** Ends the attempt's span: a failure without answer, or an answer whose body has ended. */
  attemptEnded(number: number, end: AttemptEnd): void {
    const span = this.attempts.get(number);
    if (span === undefined) return;
    this.attempts.delete(number);
    this.requestFacts(span);
    if (end.kind === 'failed') {
      span.setAttributes(this.attrs({ 'error.type': end.fault.code }));
      span.setStatus({ code: SpanStatusCode.ERROR, message: end.fault.code });
      span.end();
      return;
    }
    const g = this.genAi.get(number) ?? end.genAi;
    span.setAttributes(this.attrs({
      'http.response.status_code': end.status,
      'http.response.body.size': end.result.bytesOut,
      'gen_ai.usage.input_tokens': g?.usage?.inputTokens,
      'gen_ai.usage.output_tokens': g?.usage?.outputTokens,
      'gen_ai.response.time_to_first_chunk': g === null || g === undefined || g.firstChunkMs === null ? undefined : g.firstChunkMs / 1000,
      'switchyard.stream.end': g?.streaming === true ? g.ended : undefined,
    }));
    const failed = end.status >= 500 ? String(end.status) : end.result.error !== null && !endedByClient(end.result.error) ? (end.result.fault?.code ?? end.result.error) : null;
    if (failed !== null) {
      span.setAttribute('error.type', failed);
      span.setStatus({ code: SpanStatusCode.ERROR, message: failed });
    } else if (endedByClient(end.result.error)) span.setAttribute('switchyard.client_closed', true);
    span.end();
  }

  /** A WebSocket attempt's handshake completed (101): its CLIENT span ends; the session is the server span's. */
  attemptUpgraded(number: number): void {
    const span = this.attempts.get(number);
    if (span === undefined) return;
    this.attempts.delete(number);
    span.setAttribute('http.response.status_code', 101);
    span.end();
  }

  /** A WebSocket session's end, on the server span (ended with the 101 by `end`). */
  sessionEnded(s: { readonly closeCode: number; readonly bytesIn: number; readonly bytesOut: number; readonly error: string | null }): void {
    this.server.setAttributes(this.attrs({
      'switchyard.websocket.close_code': s.closeCode,
      'switchyard.websocket.bytes_in': s.bytesIn,
      'switchyard.websocket.bytes_out': s.bytesOut,
    }));
    if (s.error !== null) {
      this.server.setAttribute('error.type', s.error);
      this.server.setStatus({ code: SpanStatusCode.ERROR, message: s.error });
    }
  }

  /** Ends the server span (and any attempt span a path forgot, so nothing leaks). */
  end(status: number, code?: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const [, span] of this.attempts) span.end();
    this.attempts.clear();
    this.body = [];
    serverStatus(this.server, status, code);
    this.server.end();
  }
}

/** The span status for an HTTP status seen by a server span (5xx only: a 4xx is the client's). */
function serverStatus(span: Span, status: number, code?: string): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) {
    span.setAttribute('error.type', code ?? String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  } else if (code !== undefined) span.setAttribute('error.type', code);
}
