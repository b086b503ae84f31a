/**
 * A replica reached over `https://` whose TLS handshake fails (a certificate this proxy does not
 * trust or that has expired, a name that does not match, a plain-HTTP port behind an https URL)
 * can never be served through, and nothing of the request was sent to it. It used to be an
 * unknown error blamed on the proxy: 502 `upstream-error` "cluster c1 failed", not marked
 * `not-started` and so never re-sent (a chat completion is a POST) to the next replica or by the
 * edge, no outlier failure (the same replica was picked again until a health round), yet recorded
 * against c1 (status 0: a replica error in the edge's snapshot). Now it is the replica's fault:
 * `upstream-tls`, the request moves to the next replica, the replica is ejected, and when no
 * replica is left the answer says what failed and how to trust a private CA.
 *
 * Real sockets, a real TLS listener with a self-signed certificate from the real openssl binary.
 */
import { readFile } from 'node:fs/promises';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import type { OutcomeRow } from '../src/store.ts';
import { APP, chatBody, rawRequest, scrapeMetrics, startTestProxy } from './harness.ts';
import { metricSum } from './proxy-processes.ts';
import { selfSignedCert } from './self-signed-cert.ts';

async function listen<T extends Server | HttpsServer>(server: T): Promise<T> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

const portOf = (s: Server | HttpsServer): number => (s.address() as AddressInfo).port;

describe('a replica whose TLS handshake fails', () => {
  let untrusted: HttpsServer;
  let plain: Server;
  let good: Server;
  const served: string[] = [];
  let untrustedUrl: string;
  let plainAsHttpsUrl: string;
  let goodUrl: string;

  beforeAll(async () => {
    const { certFile, keyFile } = await selfSignedCert();
    untrusted = await listen(
      createHttpsServer({ cert: await readFile(certFile), key: await readFile(keyFile) }, (req, res) => {
        served.push('untrusted');
        req.resume();
        res.end('{}');
      }),
    );
    plain = await listen(
      createServer((req, res) => {
        served.push('plain');
        req.resume();
        res.end('{}');
      }),
    );
    good = await listen(
      createServer((req, res) => {
        served.push('good');
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      }),
    );
    untrustedUrl = `https://127.0.0.1:${portOf(untrusted)}`;
    plainAsHttpsUrl = `https://127.0.0.1:${portOf(plain)}`;
    goodUrl = `http://127.0.0.1:${portOf(good)}`;
  });
  afterAll(() => {
    untrusted.close();
    plain.close();
    good.close();
  });

  async function proxyWith(urls: string[]): Promise<{ proxy: RunningProxy; outcomes: OutcomeRow[] }> {
    const proxy = await startTestProxy({
      endpoints: urls.map((url) => ({ cluster: 'c1', url })),
      config: { outlierConsecutiveFailures: 1, circuitFailureThreshold: 10, maxAttempts: 3 },
    });
    const outcomes: OutcomeRow[] = [];
    Object.assign(proxy.runtime, { recordOutcome: (row: OutcomeRow) => outcomes.push(row) });
    return { proxy, outcomes };
  }

  const post = (proxy: RunningProxy) =>
    rawRequest(`http://127.0.0.1:${proxy.port}`, { path: `/v4/${APP}/v1/chat/completions`, body: chatBody() });

  it.each([
    ['an untrusted certificate', () => untrustedUrl, /certificate was refused/],
    ['a plain-HTTP port behind https://', () => plainAsHttpsUrl, /does not speak TLS/],
  ])('%s: a POST moves on to the next replica, the failing one is ejected and recorded against', async (_, badUrl, why) => {
    const bad = badUrl();
    const { proxy, outcomes } = await proxyWith([bad, goodUrl]);
    try {
      // Replicas are picked by load, not in order: until the failing one has been tried.
      const answers = [];
      while (answers.length < 12 && !outcomes.some((o) => o.endpoint === bad)) answers.push(await post(proxy));
      expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(200));
      // Nothing of the request reached the failing replica's handler.
      expect(served.filter((s) => s !== 'good')).toEqual([]);

      expect(proxy.runtime.outliers.isEjected(APP, bad, proxy.runtime.now())).toBe(true);
      const failed = outcomes.filter((o) => o.endpoint === bad);
      expect(failed).toHaveLength(1);
      expect(failed[0]).toMatchObject({ clusterId: 'c1', status: 0 });
      expect(failed[0]?.error).toMatch(why);
      const metrics = await scrapeMetrics(proxy);
      expect(metricSum(metrics, 'switchyard_proxy_upstream_attempts_total', { cluster: 'c1', result: 'upstream-tls' })).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  // When no replica is left: the answer names the cluster, the cause and the remedy.
  it.each([
    ['an untrusted certificate', () => untrustedUrl, [/cluster c1/, /TLS certificate was refused/, /NODE_EXTRA_CA_CERTS/]],
    ['a plain-HTTP port behind https://', () => plainAsHttpsUrl, [/cluster c1/, /does not speak TLS/, /http:\/\//]],
  ])('%s alone: 502 upstream-tls, not-started, saying what to fix', async (_, badUrl, says) => {
    const { proxy } = await proxyWith([badUrl()]);
    try {
      const answer = await post(proxy);
      expect(answer.status).toBe(502);
      expect(answer.headers['x-switchyard-refused']).toBe('not-started');
      const error = (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;
      expect(error.code).toBe('upstream-tls');
      for (const s of says) expect(error.message).toMatch(s);
    } finally {
      await proxy.close();
    }
  });
});
