/**
 * Watches one delivered answer for the GenAI facts the metrics and the attempt span report:
 * when its first body chunk arrived (time to first chunk/token), its token usage (read from
 * the last few KB: the final usage chunk of a stream, the `usage` object of a JSON answer),
 * and how a stream ended. The body passes through untouched; per chunk it costs a counter and
 * a reference kept to the tail, and nothing for answers that are not OpenAI-style GenAI calls.
 */
import { genAiOperation, genAiUsageFromTail, timePerOutputTokenSeconds, type GenAiUsage } from '../../shared/tracing/genai.ts';
import { countStream } from './metrics.ts';
import type { ProxyRuntime } from './runtime.ts';
import type { StreamResult } from './stream-response.ts';
import type { UpstreamResponse } from './upstream-call.ts';

/** Bytes of the answer's end kept to find the usage object (a usage chunk is ~200 bytes). */
const TAIL_BYTES = 8 * 1024;

export interface GenAiOutcome {
  readonly streaming: boolean;
  /** Upstream request start to first body chunk, ms; null when no body arrived. */
  readonly firstChunkMs: number | null;
  readonly usage: GenAiUsage | null;
  readonly ended: 'completed' | 'cut' | 'client_closed';
}

function streamingType(up: UpstreamResponse): boolean {
  const ct = String(up.headers['content-type'] ?? '').toLowerCase();
  return ct.includes('text/event-stream') || ct.includes('application/x-ndjson') || ct.includes('application/jsonl');
}

export class GenAiWatch {
  /** The response to stream instead of the original: same head, body chunks seen on the way. */
  readonly upstream: UpstreamResponse;
  private readonly streaming: boolean;
  private readonly keepTail: boolean;
  private firstChunkAt: number | null = null;
  private tail: Buffer[] = [];
  private tailBytes = 0;

  constructor(
    private readonly rt: ProxyRuntime,
    private readonly app: string,
    fn: string,
    private readonly cluster: string,
    private readonly startedAt: number,
    up: UpstreamResponse,
  ) {
    this.streaming = streamingType(up);
    const ok = up.statusCode >= 200 && up.statusCode < 300;
    this.keepTail = ok && genAiOperation(fn) !== null;
    const onChunk = (chunk: Buffer): void => {
      this.firstChunkAt ??= rt.now();
      if (this.keepTail) this.keep(chunk);
    };
    this.upstream = {
      statusCode: up.statusCode,
      headers: up.headers,
      get bodyArrived() {
        return up.bodyArrived;
      },
      pipe: (sink) =>
        up.pipe({
          data: (chunk) => (onChunk(chunk), sink.data(chunk)),
          end: () => sink.end(),
          error: (err) => sink.error(err),
        }),
      resume: () => up.resume(),
      abort: (reason) => up.abort(reason),
    };
  }

  private keep(chunk: Buffer): void {
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    let head = this.tail[0];
    while (head !== undefined && this.tail.length > 1 && this.tailBytes - head.length >= TAIL_BYTES) {
      this.tail.shift();
      this.tailBytes -= head.length;
      head = this.tail[0];
    }
  }

  /** Records the GenAI metrics for this answer and returns what it saw (for the attempt span). */
  finish(result: StreamResult): GenAiOutcome {
    const m = this.rt.metrics;
    const labels = { app: this.app, cluster: this.cluster };
    const usage = this.keepTail && this.tail.length > 0 ? genAiUsageFromTail(Buffer.concat(this.tail).toString('utf8')) : null;
    this.tail = [];
    const firstChunkMs = this.firstChunkAt === null ? null : this.firstChunkAt - this.startedAt;
    // A client leaving is not a cut on the cluster's side (a client's fault never counts against a cluster).
    const ended = result.error === null ? 'completed' : result.error === 'client-closed' ? 'client_closed' : 'cut';
    if (usage !== null) {
      m.genAiTokens.inc({ ...labels, type: 'input' }, usage.inputTokens);
      m.genAiTokens.inc({ ...labels, type: 'output' }, usage.outputTokens);
    }
    if (this.streaming) {
      countStream(m, this.app, this.cluster, ended);
      if (firstChunkMs !== null) m.genAiTimeToFirstChunk.observe(labels, firstChunkMs / 1000);
      const tpot = usage === null || this.firstChunkAt === null ? null : timePerOutputTokenSeconds(this.firstChunkAt, this.rt.now(), usage.outputTokens);
      if (tpot !== null) m.genAiTimePerOutputToken.observe(labels, tpot);
    }
    return { streaming: this.streaming, firstChunkMs, usage, ended };
  }
}
