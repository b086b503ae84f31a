/**
 * P1: a client's fault never counts against a replica. When this process has no open file left
 * (EMFILE: clients holding its connections, a limit set too low), its connect to a healthy
 * replica fails before a byte is sent. That is the proxy's own state, not the replica's: it used
 * to answer 502 `upstream-error` "cluster c1 failed" (`x-switchyard-refused: 1`, so the edge
 * would not re-send a POST), record the attempt against c1 (status 0: a replica error in the
 * edge's snapshot), count it as c1's attempt, and a health check in that moment marked the
 * replica down at once (reported unhealthy for every app). Now: 503 `proxy-out-of-files`,
 * `not-started`, no cluster named anywhere, the replica's health untouched.
 *
 * Real sockets; the exhaustion is real too: this test process (which runs the proxy) opens
 * /dev/null until open() fails with EMFILE, then sends on a client connection opened before.
 */
import { closeSync, openSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAllOnce } from '../src/health-checker.ts';
import type { RunningProxy } from '../src/proxy.ts';
import type { OutcomeRow } from '../src/store.ts';
import { APP, chatBody, scrapeMetrics, startTestProxy } from './harness.ts';
import { metricSum } from './proxy-processes.ts';

/**
 * Every open() this process may still make, held until `release`; `topUp` takes again what was
 * freed meanwhile (a failed exchange closes what it had opened).
 */
function exhaustOpenFiles(): { topUp: () => number; release: () => void } {
  const fds: number[] = [];
  const topUp = (): number => {
    try {
      for (;;) fds.push(openSync('/dev/null', 'r'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EMFILE' && code !== 'ENFILE') throw err;
    }
    return fds.length;
  };
  const release = (): void => fds.splice(0).forEach((fd) => closeSync(fd));
  try {
    topUp();
  } catch (err) {
    release();
    throw err;
  }
  return { topUp, release };
}

/** One HTTP/1.1 request on an already open socket; resolves with the raw answer once it is whole. */
function send(socket: Socket, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer): void => {
      text += d.toString('utf8');
      const head = text.indexOf('\r\n\r\n');
      const m = /content-length: (\d+)/i.exec(text);
      if (head >= 0 && m !== null && Buffer.byteLength(text.slice(head + 4)) >= Number(m[1])) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(
      `POST /v4/${APP}/v1/chat/completions HTTP/1.1\r\nhost: proxy\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

describe('a proxy out of open files', () => {
  let replica: Server;
  let replicaUrl: string;
  let proxy: RunningProxy;
  const outcomes: OutcomeRow[] = [];
  beforeAll(async () => {
    // A replica that closes every connection after its answer: no pooled upstream connection
    // survives to be reused, so the request below needs a new connect.
    replica = createServer((req, res) => {
      req.resume();
      res.setHeader('connection', 'close');
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 11 }).end('{"ok":true}');
    });
    replica.listen(0, '127.0.0.1');
    await once(replica, 'listening');
    replicaUrl = `http://127.0.0.1:${(replica.address() as AddressInfo).port}`;
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: replicaUrl }],
      // One failure would eject the replica and open the circuit, if it were counted.
      config: { outlierConsecutiveFailures: 1, circuitFailureThreshold: 1, maxAttempts: 3 },
    });
    Object.assign(proxy.runtime, { recordOutcome: (row: OutcomeRow) => outcomes.push(row) });
  });
  afterAll(async () => {
    await proxy.close();
    replica.close();
  });

  it('answers 503 proxy-out-of-files, not-started, and blames no replica or cluster', async () => {
    const client = connect(proxy.port, '127.0.0.1');
    await once(client, 'connect');
    // The client's connection is accepted and sniffed before the files run out.
    client.write('');
    const endpoint = proxy.runtime.registry.allEndpoints()[0]?.endpoint;
    expect(endpoint?.checkedHealthy).toBe(true);
    const files = exhaustOpenFiles();
    let answer: string;
    try {
      answer = await send(client, chatBody());
      // A health round in the same moment: its connects fail with EMFILE too.
      files.topUp();
      await checkAllOnce(proxy.runtime);
    } finally {
      files.release();
    }
    client.destroy();
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nx-switchyard-refused: not-started\r\n/i);
    expect(head).toMatch(/\r\nretry-after: 1\r\n/i);
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'proxy-out-of-files' } });
    expect(JSON.parse(body).error.message).not.toMatch(/cluster c1/);

    const now = proxy.runtime.now();
    expect(proxy.runtime.outliers.isEjected(APP, replicaUrl, now)).toBe(false);
    expect([...proxy.runtime.breakers.values()].map((b) => b.current(now))).not.toContain('open');
    expect(endpoint?.checkedHealthy).toBe(true);
    expect(outcomes.length).toBeGreaterThan(0);
    for (const o of outcomes) expect(o).toMatchObject({ clusterId: null, endpoint: null, status: 503 });
    const metrics = await scrapeMetrics(proxy);
    expect(metricSum(metrics, 'switchyard_proxy_upstream_attempts_total', { cluster: 'c1' })).toBe(0);
    expect(metricSum(metrics, 'switchyard_proxy_upstream_attempts_total', { cluster: 'none', result: 'proxy-out-of-files' })).toBe(1);

    // With files again, the same replica serves at once: nothing was held against it.
    const again = connect(proxy.port, '127.0.0.1');
    await once(again, 'connect');
    const ok = await send(again, chatBody());
    again.destroy();
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
  });
});
