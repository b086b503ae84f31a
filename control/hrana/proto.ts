/**
 * The JSON shapes of Hrana over HTTP (v2 and v3), as zod schemas for what
 * clients send and plain types for what we answer. Unknown fields are ignored
 * (the spec's forward-compatibility rule); missing or mistyped ones are a 400.
 */
import { z } from 'zod';

const int32 = z.number().int().min(-2147483648).max(2147483647);
const uint32 = z.number().int().min(0).max(4294967295);

export const valueSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('null') }),
  z.object({
    type: z.literal('integer'),
    value: z.string().regex(/^-?\d{1,19}$/, 'integer value must be a decimal string'),
  }),
  z.object({ type: z.literal('float'), value: z.number() }),
  z.object({ type: z.literal('text'), value: z.string() }),
  z.object({ type: z.literal('blob'), base64: z.string() }),
]);
export type ProtoValue = z.infer<typeof valueSchema>;

export const stmtSchema = z.object({
  sql: z.string().nullish(),
  sql_id: int32.nullish(),
  args: z.array(valueSchema).optional(),
  named_args: z.array(z.object({ name: z.string(), value: valueSchema })).optional(),
  want_rows: z.boolean().nullish(),
});
export type ProtoStmt = z.infer<typeof stmtSchema>;

export type ProtoBatchCond =
  | { type: 'ok'; step: number }
  | { type: 'error'; step: number }
  | { type: 'not'; cond: ProtoBatchCond }
  | { type: 'and'; conds: ProtoBatchCond[] }
  | { type: 'or'; conds: ProtoBatchCond[] }
  | { type: 'is_autocommit' };

export const batchCondSchema: z.ZodType<ProtoBatchCond> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('ok'), step: uint32 }),
    z.object({ type: z.literal('error'), step: uint32 }),
    z.object({ type: z.literal('not'), cond: batchCondSchema }),
    z.object({ type: z.literal('and'), conds: z.array(batchCondSchema) }),
    z.object({ type: z.literal('or'), conds: z.array(batchCondSchema) }),
    z.object({ type: z.literal('is_autocommit') }),
  ]),
);

export const batchSchema = z.object({
  steps: z.array(z.object({ condition: batchCondSchema.nullish(), stmt: stmtSchema })),
});
export type ProtoBatch = z.infer<typeof batchSchema>;

const sqlRef = { sql: z.string().nullish(), sql_id: int32.nullish() };

export const streamRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('close') }),
  z.object({ type: z.literal('execute'), stmt: stmtSchema }),
  z.object({ type: z.literal('batch'), batch: batchSchema }),
  z.object({ type: z.literal('sequence'), ...sqlRef }),
  z.object({ type: z.literal('describe'), ...sqlRef }),
  z.object({ type: z.literal('store_sql'), sql_id: int32, sql: z.string() }),
  z.object({ type: z.literal('close_sql'), sql_id: int32 }),
  z.object({ type: z.literal('get_autocommit') }),
]);
export type ProtoStreamRequest = z.infer<typeof streamRequestSchema>;

export const pipelineReqSchema = z.object({
  baton: z.string().nullish(),
  requests: z.array(streamRequestSchema),
});
export type PipelineReqBody = z.infer<typeof pipelineReqSchema>;

export const cursorReqSchema = z.object({ baton: z.string().nullish(), batch: batchSchema });
export type CursorReqBody = z.infer<typeof cursorReqSchema>;

export interface ProtoCol {
  name: string | null;
  decltype: string | null;
}

export interface StmtResult {
  cols: ProtoCol[];
  rows: ProtoValue[][];
  affected_row_count: number;
  last_insert_rowid: string | null;
}

export interface ErrorBody {
  message: string;
  code: string;
}

export interface BatchResult {
  step_results: Array<StmtResult | null>;
  step_errors: Array<ErrorBody | null>;
}

export interface DescribeResult {
  params: Array<{ name: string | null }>;
  cols: Array<{ name: string; decltype: string | null }>;
  is_explain: boolean;
  is_readonly: boolean;
}

export type ProtoStreamResponse =
  | { type: 'close' }
  | { type: 'execute'; result: StmtResult }
  | { type: 'batch'; result: BatchResult }
  | { type: 'sequence' }
  | { type: 'describe'; result: DescribeResult }
  | { type: 'store_sql' }
  | { type: 'close_sql' }
  | { type: 'get_autocommit'; is_autocommit: boolean };

export type StreamResult =
  { type: 'ok'; response: ProtoStreamResponse } | { type: 'error'; error: ErrorBody };

export interface PipelineRespBody {
  baton: string | null;
  base_url: string | null;
  results: StreamResult[];
}

export type CursorEntry =
  | { type: 'step_begin'; step: number; cols: ProtoCol[] }
  | { type: 'step_end'; affected_row_count: number; last_insert_rowid: string | null }
  | { type: 'step_error'; step: number; error: ErrorBody }
  | { type: 'row'; row: ProtoValue[] }
  | { type: 'error'; error: ErrorBody };

/** Parse `body` with `schema`, turning zod's issues into one readable 400 message. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
