/**
 * The `v2/pipeline` and `v3/pipeline` endpoints: find or open the stream named
 * by the baton, run every request in order, and answer with a fresh baton (or
 * null once the stream is closed).
 */
import { badRequest } from './errors.ts';
import {
  describeIssues,
  pipelineReqSchema,
  type PipelineRespBody,
  type StreamResult,
} from './proto.ts';
import type { HranaStream, StreamRegistry } from './stream-registry.ts';
import { runStreamRequest, type RequestContext } from './stream-request.ts';

export async function handlePipeline(
  body: unknown,
  registry: StreamRegistry,
  ctx: RequestContext,
): Promise<PipelineRespBody> {
  const parsed = pipelineReqSchema.safeParse(body);
  if (!parsed.success)
    throw badRequest(`Invalid pipeline request: ${describeIssues(parsed.error)}`);
  const { baton, requests } = parsed.data;
  const stream = acquire(registry, baton);
  const results: StreamResult[] = [];
  try {
    for (const req of requests) results.push(await runStreamRequest(stream, req, ctx));
  } catch (err) {
    // runStreamRequest turns failures into results; reaching here is a bug, and
    // the stream's state is unknown, so it is not handed back to the client.
    registry.release(stream);
    throw err;
  }
  return { baton: park(registry, stream), base_url: null, results };
}

export function acquire(registry: StreamRegistry, baton: string | null | undefined): HranaStream {
  return baton === undefined || baton === null ? registry.open() : registry.checkout(baton);
}

export function park(registry: StreamRegistry, stream: HranaStream): string | null {
  if (stream.closeRequested) {
    registry.release(stream);
    return null;
  }
  return registry.checkin(stream);
}
