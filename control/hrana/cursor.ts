/**
 * The `v3/cursor` endpoint: runs a batch and reports it as cursor entries
 * (step_begin, row..., step_end or step_error). The batch is run to completion
 * first and then streamed; results of a local development database fit in
 * memory, and this keeps one batch executor for both endpoints.
 */
import { executeBatch } from './batch.ts';
import { badRequest, toProtoError } from './errors.ts';
import { acquire, park } from './pipeline.ts';
import { cursorReqSchema, describeIssues, type BatchResult, type CursorEntry } from './proto.ts';
import type { StreamRegistry } from './stream-registry.ts';
import type { RequestContext } from './stream-request.ts';

export interface CursorResponse {
  head: { baton: string | null; base_url: string | null };
  entries: CursorEntry[];
}

export async function handleCursor(
  body: unknown,
  registry: StreamRegistry,
  ctx: RequestContext,
): Promise<CursorResponse> {
  const parsed = cursorReqSchema.safeParse(body);
  if (!parsed.success) throw badRequest(`Invalid cursor request: ${describeIssues(parsed.error)}`);
  const stream = acquire(registry, parsed.data.baton);
  let entries: CursorEntry[];
  try {
    entries = batchToEntries(await executeBatch(stream.conn, parsed.data.batch, ctx.busy));
  } catch (err) {
    // A malformed condition fails the whole batch: report it as the final `error` entry.
    entries = [{ type: 'error', error: toProtoError(err) }];
  }
  return { head: { baton: park(registry, stream), base_url: null }, entries };
}

export function batchToEntries(result: BatchResult): CursorEntry[] {
  const entries: CursorEntry[] = [];
  result.step_results.forEach((stepResult, step) => {
    const stepError = result.step_errors[step];
    if (stepResult !== null && stepResult !== undefined) {
      entries.push({ type: 'step_begin', step, cols: stepResult.cols });
      for (const row of stepResult.rows) entries.push({ type: 'row', row });
      entries.push({
        type: 'step_end',
        affected_row_count: stepResult.affected_row_count,
        last_insert_rowid: stepResult.last_insert_rowid,
      });
    } else if (stepError !== null && stepError !== undefined) {
      entries.push({ type: 'step_error', step, error: stepError });
    }
  });
  return entries;
}
