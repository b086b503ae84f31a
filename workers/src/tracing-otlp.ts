/**
 * Finished edge spans as an OTLP/JSON `ExportTraceServiceRequest`
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): hex ids, uint64 nanosecond
 * times as decimal strings, attributes as `AnyValue`s. Pure, so the encoding is tested apart from
 * any network.
 */
import type { AttributeValue, Attributes } from '../../shared/tracing/attributes.ts';

/** OTLP SpanKind numbers. */
export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;

export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly kind: number;
  /** Wall-clock ms since the epoch (fractions allowed). */
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Attributes;
  readonly error: boolean;
}

function anyValue(v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

const kv = (attrs: Attributes): Array<{ key: string; value: Record<string, unknown> }> =>
  Object.entries(attrs).map(([key, value]) => ({ key, value: anyValue(value) }));

/** ms (possibly fractional) → integer ns as a decimal string, exact beyond 2^53. */
export function msToNanos(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  return (BigInt(whole) * 1_000_000n + BigInt(frac)).toString();
}

export function otlpJson(spans: readonly FinishedSpan[], resource: Attributes, scope: string): unknown {
  return {
    resourceSpans: [
      {
        resource: { attributes: kv(resource) },
        scopeSpans: [
          {
            scope: { name: scope },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId === null ? {} : { parentSpanId: s.parentSpanId }),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: msToNanos(s.startMs),
              endTimeUnixNano: msToNanos(Math.max(s.endMs, s.startMs)),
              attributes: kv(s.attributes),
              status: { code: s.error ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}
