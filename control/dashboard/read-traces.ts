import type { Client } from '@libsql/client';
import { getTrace as readTrace, listRecentTraces as readRecent, traceTableExists, type StoredSpan, type TraceSummary } from '../otlp-receiver/trace-store.ts';
import { guard } from '../store/errors.ts';

/**
 * The dashboard's view of the `trace_spans` table the OTLP receiver owns: the receiver's one
 * reader, with "no table" meaning tracing is not enabled (null, not an error) and database
 * failures turned into the dashboard's typed errors.
 */

export type { TraceSummary };

/** Newest traces first, at most `limit`; null when tracing is not enabled. */
export async function listRecentTraces(client: Client, limit: number): Promise<TraceSummary[] | null> {
  return guard('listing traces', async () => ((await traceTableExists(client)) ? readRecent(client, limit) : null));
}

/** Every span of one trace; null when tracing is not enabled, [] when the trace is unknown. */
export async function getTrace(client: Client, traceId: string): Promise<StoredSpan[] | null> {
  return guard('reading a trace', async () => ((await traceTableExists(client)) ? readTrace(client, traceId) : null));
}
