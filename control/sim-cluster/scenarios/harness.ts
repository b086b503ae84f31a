/** Test harness: start a replica with test-friendly defaults, and read raw HTTP responses with per-chunk timestamps. */
import { request } from 'node:http';
import { startSimCluster, type SimCluster } from '../server.ts';
import type { SimClusterOptions } from '../options.ts';

export async function startTestCluster(overrides: Partial<SimClusterOptions> = {}): Promise<SimCluster> {
  return startSimCluster({
    clusterId: 'test-cluster',
    replicaId: 'r0',
    port: 0,
    model: 'demo-llm',
    slots: 2,
    queue: 'reject',
    tokensPerSecond: 1000,
    coldStartMs: 0,
    gpuType: 'H100',
    ...overrides,
  });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** Each `data` event as it arrived, with its time relative to the request start. */
  readonly chunks: readonly { readonly at: number; readonly text: string }[];
  readonly body: string;
  /** False when the connection ended without a complete response (aborted / cut mid-body). */
  readonly complete: boolean;
}

/** Sends one request with node:http and collects the response chunk by chunk. */
export function rawRequest(
  url: string,
  init: { method?: string; path: string; body?: string; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(new URL(init.path, url), { method: init.method ?? 'POST', headers: { 'content-type': 'application/json', ...init.headers }, signal: init.signal }, (res) => {
      const chunks: { at: number; text: string }[] = [];
      let complete = false;
      res.setEncoding('utf8');
      res.on('data', (text: string) => chunks.push({ at: performance.now() - started, text }));
      res.on('end', () => {
        complete = true;
      });
      const done = (): void =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, body: chunks.map((c) => c.text).join(''), complete: complete && res.complete });
      res.on('close', done);
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The JSON payloads of an SSE body, `[DONE]` kept as a string. */
export function sseEvents(body: string): unknown[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => {
      const data = e.slice('data: '.length);
      return data === '[DONE]' ? data : (JSON.parse(data) as unknown);
    });
}

export const chatBody = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'say something nice' }], ...extra });

/** Polls until `check` is true (state changes driven by real sockets), failing after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
