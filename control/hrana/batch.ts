/**
 * Executes a Hrana batch: steps run in order, each only if its condition holds.
 * A failing step is recorded in `step_errors` and does not stop the batch; the
 * client's conditions (ok/error/not/and/or/is_autocommit) decide what follows,
 * which is how @libsql/client makes batches atomic (BEGIN ... COMMIT/ROLLBACK).
 */
import { withBusyRetry, type BusyPolicy } from './busy-retry.ts';
import type { Connection } from './connection.ts';
import { badRequest, toProtoError } from './errors.ts';
import { executeStmt } from './execute-stmt.ts';
import type { BatchResult, ProtoBatch, ProtoBatchCond } from './proto.ts';

type StepOutcome = 'ok' | 'error' | 'skipped';

export function evalCond(
  cond: ProtoBatchCond,
  outcomes: readonly StepOutcome[],
  conn: Connection,
): boolean {
  switch (cond.type) {
    case 'ok':
    case 'error': {
      const outcome = outcomes[cond.step];
      if (outcome === undefined) {
        throw badRequest(
          `Batch condition refers to step ${cond.step}, which has not run before this step`,
        );
      }
      return outcome === cond.type;
    }
    case 'not':
      return !evalCond(cond.cond, outcomes, conn);
    case 'and':
      return cond.conds.every((c) => evalCond(c, outcomes, conn));
    case 'or':
      return cond.conds.some((c) => evalCond(c, outcomes, conn));
    case 'is_autocommit':
      return conn.isAutocommit;
  }
}

export async function executeBatch(
  conn: Connection,
  batch: ProtoBatch,
  busy: BusyPolicy,
): Promise<BatchResult> {
  const result: BatchResult = { step_results: [], step_errors: [] };
  const outcomes: StepOutcome[] = [];
  for (const step of batch.steps) {
    const run =
      step.condition === undefined || step.condition === null
        ? true
        : evalCond(step.condition, outcomes, conn);
    if (!run) {
      outcomes.push('skipped');
      result.step_results.push(null);
      result.step_errors.push(null);
      continue;
    }
    try {
      result.step_results.push(
        await withBusyRetry(
          () => executeStmt(conn, step.stmt),
          busy,
          () => conn.recoverFromBusy(),
        ),
      );
      result.step_errors.push(null);
      outcomes.push('ok');
    } catch (err) {
      result.step_results.push(null);
      result.step_errors.push(toProtoError(err));
      outcomes.push('error');
    }
  }
  return result;
}
