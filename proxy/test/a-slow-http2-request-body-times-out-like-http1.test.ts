/**
 * An HTTP/2 stream whose request body never finishes arriving is refused when the proxy's
 * `requestTimeoutMs` runs out, as an HTTP/1.1 request is (Node's request timeout, 408): a 408
 * `request-timeout` refusal and the stream closed, its in-flight slot freed, no replica blamed.
 * HTTP/2 streams had no such deadline: a client that opened streams and dripped (or stopped
 * sending) their bodies held the proxy's in-flight slots and the replicas' connections forever.
 */
import http2 from 'node:http2';
import { expect, it } from 'vitest';
import { APP, scrapeMetrics } from './harness.ts';
import { useSignedProxy } from './signed-proxy-fixture.ts';
import { metricSum } from './proxy-processes.ts';

const PATH = `/v4/${APP}/v1/chat/completions`;
const REQUEST_TIMEOUT_MS = 1_500;
const SLACK_MS = 1_500;

// One failure would open the circuit or eject the replica.
const f = useSignedProxy({ headersTimeoutMs: 1_000, requestTimeoutMs: REQUEST_TIMEOUT_MS, circuitFailureThreshold: 1, outlierConsecutiveFailures: 1 });

interface Ended {
  status: number;
  body: string;
  at: number;
}

/** A POST whose body starts and then stops coming: the stream is never ended by the client. */
async function stalledUpload(session: http2.ClientHttp2Session, drip: boolean): Promise<Ended> {
  const started = performance.now();
  const stream = session.request({ ':method': 'POST', ':path': PATH, 'content-type': 'application/json', 'x-switchyard-token': await f.keys.mint() });
  stream.write('{"model":"demo-llm","messages":[');
  const dripping = drip ? setInterval(() => stream.write(' '), 200) : null;
  return new Promise((resolve) => {
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => (body += d));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (dripping !== null) clearInterval(dripping);
      resolve({ status, body, at: performance.now() - started });
    });
  });
}

it('refuses a stalled or dripping HTTP/2 upload with 408 at the request timeout, blaming no replica', async () => {
  const session = http2.connect(f.proxy.url);
  session.on('error', () => undefined);
  const ended = await Promise.race([
    Promise.all([stalledUpload(session, false), stalledUpload(session, true)]),
    new Promise<null>((r) => setTimeout(() => r(null), REQUEST_TIMEOUT_MS + 2 * SLACK_MS)),
  ]);
  const during = await scrapeMetrics(f.proxy);
  session.destroy();
  expect(ended, 'the streams were still open').not.toBeNull();
  for (const e of ended ?? []) {
    expect(e.status).toBe(408);
    expect(JSON.parse(e.body)).toMatchObject({ error: { code: 'request-timeout' } });
    expect(e.at).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 100);
    expect(e.at).toBeLessThan(REQUEST_TIMEOUT_MS + SLACK_MS);
  }
  expect(metricSum(during, 'switchyard_proxy_in_flight')).toBe(0);
  expect(during).toMatch(/^switchyard_proxy_circuit_open\{cluster="c1"\} 0$/m);
  expect(metricSum(during, 'switchyard_proxy_outlier_ejections_total')).toBe(0);
}, 15_000);
