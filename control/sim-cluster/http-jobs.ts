/**
 * `POST /v1/jobs`: a long-running job (training, batch) that holds the request
 * open for its whole duration, sending a heartbeat every `heartbeatMs` so
 * proxies and load balancers see a live connection, then a final result.
 * NDJSON by default; SSE when the client accepts `text/event-stream`.
 */
import type { ServerResponse } from 'node:http';
import { SimHttpError } from './errors.ts';
import { isAbort, sendError, writeFlushed } from './http-io.ts';
import { parseJobRequest } from './job-request.ts';
import { sleepUntil } from './sleep-until.ts';
import type { Replica, Ticket } from './replica.ts';

const now = performance.now.bind(performance);

export async function handleJob(replica: Replica, body: unknown, accept: string, res: ServerResponse, signal: AbortSignal): Promise<void> {
  const parsed = parseJobRequest(body, { durationMs: replica.config.jobDurationMs, heartbeatMs: replica.config.jobHeartbeatMs });
  if (!parsed.ok) {
    replica.counters.badRequests += 1;
    sendError(res, parsed.error);
    return;
  }
  const { durationMs, heartbeatMs } = parsed.job;
  const sse = accept.includes('text/event-stream');
  const line = (event: string, data: object): string => (sse ? `event: ${event}\ndata: ${JSON.stringify(data)}\n\n` : `${JSON.stringify({ type: event, ...data })}\n`);
  replica.counters.requests += 1;
  let ticket: Ticket | null = null;
  try {
    ticket = await replica.admit(signal);
    const jobId = `job-sim-${replica.config.replicaId}-${replica.nextSeq()}`;
    res.writeHead(200, { 'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/x-ndjson', 'cache-control': 'no-cache', 'x-sim-cold-start-ms': String(ticket.coldStartMs) });
    await writeFlushed(res, line('started', { jobId, durationMs, heartbeatMs }), signal);
    const start = performance.now();
    let beats = 0;
    // Heartbeat k is due at k*heartbeatMs; the result at durationMs.
    for (;;) {
      const nextBeat = (beats + 1) * heartbeatMs;
      if (nextBeat >= durationMs) break;
      await sleepUntil(start + nextBeat, now, signal);
      if (ticket.mode.dieMidStream && beats >= ticket.mode.dieAfterTokens) {
        replica.counters.died += 1;
        res.socket?.destroy();
        return;
      }
      beats += 1;
      await writeFlushed(res, line('heartbeat', { jobId, seq: beats, elapsedMs: Math.round(performance.now() - start) }), signal);
    }
    await sleepUntil(start + durationMs, now, signal);
    res.end(line('result', { jobId, status: 'succeeded', durationMs: Math.round(performance.now() - start), heartbeats: beats }));
    replica.counters.completed += 1;
  } catch (err) {
    if (err instanceof SimHttpError) sendError(res, err);
    else if (isAbort(err, signal)) replica.counters.aborted += 1;
    else throw err;
  } finally {
    ticket?.release();
  }
}
