import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { expect, it } from 'vitest';
import { RequestTrace } from './tracing-request.ts';

// A sampled request's body prefix (up to 256 KB, for model/stream) used to stay referenced until
// its answer ended: with thousands of minutes-long streams that is gigabytes held for nothing.
// The facts are read when the body has been sent; the bytes go then, and the span still gets them.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
const ATTEMPT = { number: 1, clusterId: 'c1', endpointUrl: 'http://127.0.0.1:9', method: 'POST', path: '/v1/chat/completions' };

function started(fn: string): RequestTrace {
  const server = tracer.startSpan('server');
  const rt = new RequestTrace(tracer, server, trace.setSpan(ROOT_CONTEXT, server), { allowContent: false, fn, incomingTraceId: null });
  rt.attemptHeaders(ATTEMPT, {});
  return rt;
}

it.each([
  ['a 200 KB prompt', 200_000],
  ['a prompt beyond the 256 KB read bound', 600_000],
])('%s: no body bytes held once sent, model and stream still on the attempt span', (_name, size) => {
  exporter.reset();
  const rt = started('v1/chat/completions');
  const body = Buffer.from(JSON.stringify({ model: 'demo-llm', stream: true, messages: [{ role: 'user', content: 'x'.repeat(size) }] }));
  for (let i = 0; i < body.length; i += 16_384) rt.requestChunk(body.subarray(i, i + 16_384));
  rt.requestEnded();
  expect(rt.heldBodyBytes()).toBe(0); // the stream may now run for minutes
  rt.attemptEnded(1, { kind: 'answered', status: 200, result: { bytesOut: 10, error: null, fault: null }, genAi: null });
  rt.end(200);
  const attempt = exporter.getFinishedSpans().find((s) => s.kind === 2);
  expect(attempt?.name).toBe('chat demo-llm');
  expect(attempt?.attributes).toMatchObject({ 'gen_ai.request.model': 'demo-llm', 'gen_ai.request.stream': true });
});

it('keeps nothing of a body that is not a GenAI call', () => {
  const rt = started('generate');
  rt.requestChunk(Buffer.alloc(100_000));
  expect(rt.heldBodyBytes()).toBe(0);
});
