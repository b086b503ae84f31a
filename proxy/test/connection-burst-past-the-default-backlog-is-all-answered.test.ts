/**
 * A burst of new connections while the proxy is not accepting (a GC pause, a busy tick, a
 * reconnect storm after another proxy drained) waits in the kernel's accept queue, whose length
 * is the listen backlog. With Node's default of 511 the kernel drops the rest of the burst's
 * handshakes (and, once SYN cookies are in play, resets some of those clients: session 7's
 * 9,500-stream hold lost 797 that way). The proxy listens with PROXY_LISTEN_BACKLOG (default
 * 65,535, capped by net.core.somaxconn), so a 1,500-connection burst against a stopped proxy is
 * queued whole and every client is answered once it runs again; one process and a node:cluster
 * primary (which owns the port for its workers) alike.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { peakQueue } from './accept-queue.ts';
import { APP } from './harness.ts';
import { spawnProxy, type ProxyProcess } from './proxy-processes.ts';

/** More than Node's default backlog (511), under somaxconn (4,096 here) and the fd limit. */
const BURST = 1_500;
/** The kernel's cap on any backlog: below the burst no proxy setting could queue it whole. */
const SOMAXCONN = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());

interface Outcome {
  answered: number;
  errors: Record<string, number>;
}

/** Opens `n` connections, each sending one request; an answer is any HTTP status line. */
function burst(port: number, n: number): { outcome: Outcome; settled: Promise<void>; sockets: Socket[] } {
  const outcome: Outcome = { answered: 0, errors: {} };
  const sockets: Socket[] = [];
  const settled: Array<Promise<void>> = [];
  for (let i = 0; i < n; i += 1) {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    settled.push(
      new Promise((resolve) => {
        let head = '';
        s.setEncoding('utf8');
        // A refused function (404): answered by the proxy itself, no replica involved.
        s.on('connect', () => s.write(`GET /v4/${APP}/_control HTTP/1.1\r\nhost: proxy\r\nconnection: close\r\n\r\n`));
        s.on('data', (d: string) => {
          if (/^HTTP\/1\.1 \d{3} /.test(head)) return;
          head += d;
          if (/^HTTP\/1\.1 \d{3} /.test(head)) outcome.answered += 1;
        });
        s.on('error', (err: NodeJS.ErrnoException) => {
          const code = err.code ?? err.message;
          outcome.errors[code] = (outcome.errors[code] ?? 0) + 1;
        });
        s.on('close', () => resolve());
      }),
    );
  }
  return { outcome, sockets, settled: Promise.all(settled).then(() => undefined) };
}

describe('a connection burst past the default listen backlog is all answered', () => {
  let proxy: ProxyProcess | null = null;
  let sockets: Socket[] = [];
  afterEach(() => {
    for (const s of sockets) s.destroy();
    sockets = [];
    proxy?.child.kill('SIGCONT');
    proxy?.child.kill('SIGKILL');
    proxy = null;
  });

  it.skipIf(SOMAXCONN <= BURST).each([
    ['one process', '1'],
    ['a primary with two workers', '2'],
  ])('%s', async (_name, workers) => {
    const p = await spawnProxy([{ cluster: 'c1', url: 'http://127.0.0.1:9' }], { PROXY_WORKERS: workers });
    proxy = p;
    const port = Number(new URL(p.url).port);
    // The process that owns the port stops accepting, as a blocked event loop would.
    expect(p.child.kill('SIGSTOP')).toBe(true);
    const b = burst(port, BURST);
    sockets = b.sockets;
    // The burst is in once the queue holds it all, or stops growing (the kernel drops the rest).
    const queued = await peakQueue(port, BURST);
    p.child.kill('SIGCONT');
    await b.settled;
    expect({ queued, answered: b.outcome.answered, errors: b.outcome.errors }).toEqual({ queued: BURST, answered: BURST, errors: {} });
  }, 120_000);
});
