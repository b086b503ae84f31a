/**
 * OTLP/JSON (`ExportTraceServiceRequest`, https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding)
 * to `trace_spans` rows. Pure. OTLP/JSON writes trace and span ids as hex, 64-bit times as
 * decimal strings or numbers, attribute values as `AnyValue` objects; all of those are read here.
 * A malformed span is skipped and counted (the OTLP partial-success answer reports it).
 */

import { PROJECT_ATTRIBUTE } from '../../shared/tracing/attributes.ts';

export interface SpanRow {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  readonly service: string;
  readonly kind: number;
  /** Nanoseconds since the epoch as a decimal string (exceeds 2^53). */
  readonly startUnixNano: string;
  readonly endUnixNano: string;
  /** 0 unset, 1 ok, 2 error (OTLP `Status.code`). */
  readonly statusCode: number;
  readonly attributes: Record<string, unknown>;
  /**
   * The tenant the span's trace belongs to: its `switchyard.project` attribute, which the edge and
   * the proxy set on a request's server span only once its key or token verified ('' otherwise).
   */
  readonly project: string;
}

export interface DecodedSpans {
  readonly rows: SpanRow[];
  readonly rejected: number;
  /** Why the first rejected span was rejected, for the partial-success message. */
  readonly firstProblem: string | null;
}

const HEX32 = /^[\da-f]{32}$/;
const HEX16 = /^[\da-f]{16}$/;
const KINDS: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS: Readonly<Record<string, number>> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * How deep `arrayValue`/`kvlistValue` may nest before the rest is dropped (null). Real attributes
 * nest a level or two; a hostile export of a few hundred KB could otherwise nest deep enough to
 * overflow the stack, which answered 503 and made the exporter retry the same body forever.
 */
export const MAX_VALUE_DEPTH = 16;

/** An `AnyValue` as plain JSON. */
export function anyValue(v: unknown, depth = 0): unknown {
  if (!isObj(v)) return null;
  if ('stringValue' in v) return typeof v['stringValue'] === 'string' ? v['stringValue'] : null;
  if ('boolValue' in v) return v['boolValue'] === true;
  if ('intValue' in v) return Number(v['intValue']);
  if ('doubleValue' in v) return Number(v['doubleValue']);
  if ('bytesValue' in v) return typeof v['bytesValue'] === 'string' ? v['bytesValue'] : null;
  if (depth >= MAX_VALUE_DEPTH) return null;
  if ('arrayValue' in v) return list(isObj(v['arrayValue']) ? v['arrayValue']['values'] : []).map((x) => anyValue(x, depth + 1));
  if ('kvlistValue' in v) return attributeMap(isObj(v['kvlistValue']) ? v['kvlistValue']['values'] : [], depth + 1);
  return null;
}

export function attributeMap(kvs: unknown, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list(kvs)) {
    if (isObj(kv) && typeof kv['key'] === 'string') out[kv['key']] = anyValue(kv['value'], depth);
  }
  return out;
}

/** A uint64 nanosecond time: decimal string, safe integer, or protobufjs `{low, high}`. */
function nanos(v: unknown): string | null {
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v).toString();
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (isObj(v) && typeof v['low'] === 'number' && typeof v['high'] === 'number') {
    return ((BigInt(v['high'] >>> 0) << 32n) | BigInt(v['low'] >>> 0)).toString();
  }
  return null;
}

function enumValue(v: unknown, names: Readonly<Record<string, number>>): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string') return names[v] ?? 0;
  return 0;
}

function decodeSpan(s: unknown, service: string, latestStartNs: bigint | null): SpanRow | string {
  if (!isObj(s)) return 'a span is not an object';
  const traceId = String(s['traceId'] ?? '').toLowerCase();
  const spanId = String(s['spanId'] ?? '').toLowerCase();
  const parent = String(s['parentSpanId'] ?? '').toLowerCase();
  if (!HEX32.test(traceId)) return 'traceId must be 32 hex characters (OTLP/JSON)';
  if (!HEX16.test(spanId)) return 'spanId must be 16 hex characters (OTLP/JSON)';
  if (parent !== '' && !HEX16.test(parent)) return 'parentSpanId must be empty or 16 hex characters';
  const start = nanos(s['startTimeUnixNano']);
  const end = nanos(s['endTimeUnixNano']);
  if (start === null || end === null) return 'startTimeUnixNano/endTimeUnixNano must be uint64 nanoseconds';
  // Retention keeps the newest starts and ages by start: a span dated far ahead would never age
  // out and would push real spans out of the row cap.
  if (latestStartNs !== null && BigInt(start) > latestStartNs) return 'startTimeUnixNano is more than an hour ahead of the receiver\'s clock: check the sender\'s clock';
  const attributes = attributeMap(s['attributes']);
  const project = attributes[PROJECT_ATTRIBUTE];
  return {
    traceId,
    spanId,
    parentSpanId: parent === '' ? null : parent,
    name: typeof s['name'] === 'string' && s['name'] !== '' ? s['name'] : '(unnamed)',
    service,
    kind: enumValue(s['kind'], KINDS),
    startUnixNano: start,
    endUnixNano: end,
    statusCode: enumValue(isObj(s['status']) ? s['status']['code'] : 0, STATUS),
    attributes,
    project: typeof project === 'string' && project.length <= 256 ? project : '',
  };
}

/** Every span in an export request, with its resource's `service.name`. */
export function decodeOtlpJson(body: unknown, latestStartNs: bigint | null = null): DecodedSpans | string {
  if (!isObj(body)) return 'the body must be a JSON ExportTraceServiceRequest object';
  // Absent is an empty export (valid OTLP); anything but a list is a malformed one, not "no spans".
  const resourceSpans = body['resourceSpans'];
  if (resourceSpans !== undefined && resourceSpans !== null && !Array.isArray(resourceSpans)) return 'resourceSpans must be a list (OTLP/JSON ExportTraceServiceRequest)';
  const rows: SpanRow[] = [];
  let rejected = 0;
  let firstProblem: string | null = null;
  for (const rs of list(body['resourceSpans'])) {
    if (!isObj(rs)) continue;
    const resource = attributeMap(isObj(rs['resource']) ? rs['resource']['attributes'] : []);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : 'unknown_service';
    for (const ss of list(rs['scopeSpans'])) {
      for (const span of list(isObj(ss) ? ss['spans'] : [])) {
        const row = decodeSpan(span, service, latestStartNs);
        if (typeof row === 'string') {
          rejected++;
          firstProblem ??= row;
        } else rows.push(row);
      }
    }
  }
  return { rows, rejected, firstProblem };
}
