import type { Client } from '@libsql/client';
import { int, intOrNull, str, strOrNull, type Row } from '../../shared/snapshot/row-values.ts';
import { guard } from '../store/errors.ts';
import type { SpanRow } from './waterfall-view.ts';

/**
 * Read-only queries on the `trace_spans` table that the OTLP receiver (control/otlp-receiver/)
 * owns and migrates. The dashboard keeps its own small queries so it does not depend on the
 * receiver's code; when the table does not exist, tracing is simply not enabled.
 * Nanosecond timestamps exceed 2^53, so they are read as text and parsed as bigint.
 */

export interface TraceSummary {
  readonly traceId: string;
  readonly rootName: string | null;
  readonly services: string;
  readonly spans: number;
  readonly startMs: number;
  readonly durationMs: number;
  readonly errors: number;
}

export async function tracingEnabled(client: Client): Promise<boolean> {
  return guard('checking for trace_spans', async () => {
    const rs = await client.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trace_spans'");
    return rs.rows.length > 0;
  });
}

/** Newest traces first (by their earliest span), at most `limit`; null when tracing is not enabled. */
export async function listRecentTraces(client: Client, limit: number): Promise<TraceSummary[] | null> {
  if (!(await tracingEnabled(client))) return null;
  return guard('listing traces', async () => {
    const rs = await client.execute({
      sql: `SELECT trace_id, COUNT(*) AS spans,
              CAST(MIN(start_unix_nano) / 1000000 AS INTEGER) AS start_ms,
              CAST((MAX(end_unix_nano) - MIN(start_unix_nano)) / 1000 AS INTEGER) AS duration_us,
              SUM(CASE WHEN status_code = 2 THEN 1 ELSE 0 END) AS errors,
              GROUP_CONCAT(DISTINCT service) AS services,
              (SELECT r.name FROM trace_spans r WHERE r.trace_id = t.trace_id AND (r.parent_span_id IS NULL OR r.parent_span_id = '')
               ORDER BY r.start_unix_nano LIMIT 1) AS root_name
            FROM trace_spans t GROUP BY trace_id ORDER BY MIN(start_unix_nano) DESC LIMIT CAST(? AS INTEGER)`,
      args: [limit],
    });
    return (rs.rows as unknown as Row[]).map((r) => {
      const traceId = str(r, 'trace_id', 'trace');
      return {
        traceId,
        rootName: strOrNull(r, 'root_name', traceId),
        services: strOrNull(r, 'services', traceId) ?? '',
        spans: int(r, 'spans', traceId),
        startMs: intOrNull(r, 'start_ms', traceId) ?? 0,
        durationMs: (intOrNull(r, 'duration_us', traceId) ?? 0) / 1000,
        errors: int(r, 'errors', traceId),
      };
    });
  });
}

function toBigInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v));
  return 0n;
}

/** Every span of one trace; null when tracing is not enabled, [] when the trace is unknown. */
export async function getTrace(client: Client, traceId: string): Promise<SpanRow[] | null> {
  if (!(await tracingEnabled(client))) return null;
  return guard('reading a trace', async () => {
    const rs = await client.execute({
      sql: `SELECT trace_id, span_id, parent_span_id, name, service, kind,
              CAST(start_unix_nano AS TEXT) AS start_ns, CAST(end_unix_nano AS TEXT) AS end_ns, status_code, attributes_json
            FROM trace_spans WHERE trace_id = ? LIMIT 5000`,
      args: [traceId],
    });
    return (rs.rows as unknown as Row[]).map((r) => {
      const parent = strOrNull(r, 'parent_span_id', traceId);
      return {
        traceId,
        spanId: str(r, 'span_id', traceId),
        parentSpanId: parent === '' ? null : parent,
        name: strOrNull(r, 'name', traceId) ?? '',
        service: strOrNull(r, 'service', traceId) ?? '',
        kind: intOrNull(r, 'kind', traceId) ?? 0,
        startUnixNano: toBigInt(r['start_ns']),
        endUnixNano: toBigInt(r['end_ns']),
        statusCode: intOrNull(r, 'status_code', traceId) ?? 0,
        attributesJson: strOrNull(r, 'attributes_json', traceId) ?? '{}',
      };
    });
  });
}
