/**
 * Runs one stream request (execute, batch, sequence, describe, store_sql,
 * close_sql, get_autocommit, close) and wraps its outcome as a StreamResult.
 * SQL failures are results, not HTTP errors: the pipeline goes on.
 */
import { executeBatch } from './batch.ts';
import { withBusyRetry, type BusyPolicy } from './busy-retry.ts';
import { toProtoError } from './errors.ts';
import { describeSql, executeStmt } from './execute-stmt.ts';
import type { ProtoStreamRequest, ProtoStreamResponse, StreamResult } from './proto.ts';
import type { HranaStream } from './stream-registry.ts';

export interface RequestContext {
  busy: BusyPolicy;
  /** Called for failures that are bugs rather than SQL or client errors. */
  onInternalError: (err: unknown) => void;
}

export async function runStreamRequest(
  stream: HranaStream,
  req: ProtoStreamRequest,
  ctx: RequestContext,
): Promise<StreamResult> {
  if (stream.closeRequested) {
    return {
      type: 'error',
      error: { message: 'The stream was closed earlier in this pipeline', code: 'STREAM_CLOSED' },
    };
  }
  try {
    return { type: 'ok', response: await respond(stream, req, ctx) };
  } catch (err) {
    const error = toProtoError(err);
    if (error.code === 'INTERNAL_ERROR') ctx.onInternalError(err);
    return { type: 'error', error };
  }
}

async function respond(
  stream: HranaStream,
  req: ProtoStreamRequest,
  ctx: RequestContext,
): Promise<ProtoStreamResponse> {
  const conn = stream.conn;
  switch (req.type) {
    case 'close':
      stream.closeRequested = true;
      return { type: 'close' };
    case 'execute':
      return {
        type: 'execute',
        result: await withBusyRetry(
          () => executeStmt(conn, req.stmt),
          ctx.busy,
          () => conn.recoverFromBusy(),
        ),
      };
    case 'batch':
      return { type: 'batch', result: await executeBatch(conn, req.batch, ctx.busy) };
    case 'sequence': {
      const sql = conn.resolveSql(req.sql, req.sql_id);
      // Not retried on BUSY: a sequence may fail half-way, and re-running the
      // statements that already succeeded would apply them twice.
      conn.db.exec(sql);
      return { type: 'sequence' };
    }
    case 'describe':
      return { type: 'describe', result: describeSql(conn, conn.resolveSql(req.sql, req.sql_id)) };
    case 'store_sql':
      conn.storeSql(req.sql_id, req.sql);
      return { type: 'store_sql' };
    case 'close_sql':
      conn.closeSql(req.sql_id);
      return { type: 'close_sql' };
    case 'get_autocommit':
      return { type: 'get_autocommit', is_autocommit: conn.isAutocommit };
  }
}
