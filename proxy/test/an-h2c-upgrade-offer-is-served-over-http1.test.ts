/**
 * A client that offers `Upgrade: h2c` (`curl --http2` on an http:// URL, Java's HttpClient by
 * default) is served over HTTP/1.1, the upgrade ignored as RFC 9110 §7.8 allows; it was refused
 * 400 `not-found` ("only WebSocket upgrades are proxied"). The requests after it on the
 * connection are served too, on the cleartext and the TLS port, and a connection that offers it
 * on every request costs nothing per offer. An offer with a body, or with other requests
 * pipelined around it, is refused 400 `upgrade-unsupported`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../src/proxy.ts';
import { startEchoReplica, type EchoReplica } from './echo-replica.ts';
import { startTestProxy } from './harness.ts';
import { selfSignedCert } from './self-signed-cert.ts';

const OFFER = 'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n';

/** Where the first answer in `got` ends (Content-Length or chunked), or -1 while it is incomplete. */
function answerEnd(got: string): number {
  const head = got.indexOf('\r\n\r\n');
  if (head < 0) return -1;
  if (/transfer-encoding: chunked/i.test(got.slice(0, head))) {
    const last = got.indexOf('\r\n0\r\n\r\n', head);
    return last < 0 ? -1 : last + 7;
  }
  const length = Number(/content-length: (\d+)/i.exec(got.slice(0, head))?.[1] ?? 0);
  return got.length < head + 4 + length ? -1 : head + 4 + length;
}

/** Writes `bytes` and reads until `answers` HTTP answers have come. */
function exchange(socket: Socket, bytes: string, answers: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let got = '';
    const done: string[] = [];
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', finish);
      if (err === null) resolve(done);
      else reject(err);
    };
    const timer = setTimeout(() => finish(new Error(`${done.length} of ${answers} answers in 5 s: ${got.slice(0, 300)}`)), 5_000);
    const onData = (d: string): void => {
      got += d;
      for (let end = answerEnd(got); end >= 0; end = answerEnd(got)) {
        done.push(got.slice(0, end));
        got = got.slice(end);
        if (done.length === answers) return finish(null);
      }
    };
    socket.setEncoding('latin1');
    socket.on('data', onData);
    socket.on('error', finish);
    socket.write(bytes);
  });
}

function suite(name: string, tls: boolean): void {
  describe(name, () => {
    let replica: EchoReplica;
    let proxy: RunningProxy;
    let ca: Buffer | undefined;
    beforeAll(async () => {
      replica = await startEchoReplica();
      const cert = tls ? await selfSignedCert() : undefined;
      ca = cert?.ca;
      proxy = await startTestProxy({
        endpoints: [{ cluster: 'c1', url: replica.url }],
        ...(cert === undefined ? {} : { config: { tlsCertFile: cert.certFile, tlsKeyFile: cert.keyFile } }),
      });
    });
    afterAll(async () => {
      await proxy.close();
      await replica.close();
    });

    const open = async (): Promise<Socket> => {
      const { hostname, port } = new URL(proxy.url);
      const s = tls ? tlsConnect({ host: hostname, port: Number(port), ca, ALPNProtocols: ['http/1.1'], servername: 'localhost' }) : tcpConnect(Number(port), hostname);
      await new Promise((r) => s.once(tls ? 'secureConnect' : 'connect', r));
      return s;
    };

    it('serves a GET that offers h2c, and the request after it on the connection', async () => {
      const socket = await open();
      try {
        const [first] = await exchange(socket, `GET /v4/acme/chat/v1/offer?one HTTP/1.1\r\nHost: p\r\n${OFFER}\r\n`, 1);
        const [second] = await exchange(socket, `GET /v4/acme/chat/v1/offer?two HTTP/1.1\r\nHost: p\r\n\r\n`, 1);
        expect(first?.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
        expect(second?.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
        const seen = replica.received.find((r) => r.rawUrl === '/v1/offer?one');
        expect(seen?.headers['upgrade']).toBeUndefined();
        expect(seen?.headers['http2-settings']).toBeUndefined();
        expect(replica.received.some((r) => r.rawUrl === '/v1/offer?two')).toBe(true);
      } finally {
        socket.destroy();
      }
    });

    // Fed again, a body would be framed by whatever parser reads it (a newer Node's reads an upgrade
    // request's body itself), and a request pipelined around the offer would be queued behind an
    // answer the new connection state never sees end: refused, never forwarded.
    it.each([
      ['with a body', (b: string) => `POST /v4/acme/chat/v1/offer?${b} HTTP/1.1\r\nHost: p\r\n${OFFER}Content-Length: 2\r\n\r\n{}`],
      ['with a request pipelined after it', (b: string) => `GET /v4/acme/chat/v1/offer?${b} HTTP/1.1\r\nHost: p\r\n${OFFER}\r\nGET /v4/acme/chat/v1/offer?${b}-next HTTP/1.1\r\nHost: p\r\n\r\n`],
    ])('an offer %s is refused 400 upgrade-unsupported, nothing forwarded', async (name, bytes) => {
      const marker = name.replace(/\W+/g, '-');
      const socket = await open();
      try {
        const [answer] = await exchange(socket, bytes(marker), 1);
        expect(answer?.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
        expect(answer).toContain('"code":"upgrade-unsupported"');
        expect(replica.received.filter((r) => r.rawUrl.includes(marker))).toEqual([]);
      } finally {
        socket.destroy();
      }
    });

    it('serves 100 offers on one connection without growing anything per offer', async () => {
      const warnings: Error[] = [];
      const onWarning = (w: Error): number => warnings.push(w);
      process.on('warning', onWarning);
      const socket = await open();
      try {
        const heads = Array.from({ length: 100 }, (_, i) => `GET /v4/acme/chat/v1/offer?n=${i} HTTP/1.1\r\nHost: p\r\n${OFFER}\r\n`);
        let answers: string[] = [];
        for (const h of heads) answers = answers.concat(await exchange(socket, h, 1));
        expect(answers.map((a) => a.split('\r\n')[0])).toEqual(heads.map(() => 'HTTP/1.1 200 OK'));
      } finally {
        socket.destroy();
        process.off('warning', onWarning);
      }
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    });

    it.skipIf(tls || !existsSync('/usr/bin/curl'))('curl --http2 gets its answer', async () => {
      const { stdout } = await promisify(execFile)('curl', ['-s', '--http2', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', `${proxy.url}/v4/acme/chat/v1/offer?curl`]);
      expect(stdout).toBe('200 1.1');
    });
  });
}

suite('an h2c upgrade offer on the cleartext port', false);
suite('an h2c upgrade offer on the TLS port', true);
