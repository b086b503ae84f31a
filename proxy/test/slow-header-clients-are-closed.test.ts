/**
 * Slowloris: 200 connections dripping one header byte every 200 ms, connections that never say
 * anything, and an HTTP/2 session that never opens a stream are all closed within their
 * timeouts, while normal requests keep being served. (The HTTP/1 server is fed sockets by the
 * protocol sniffer and never listens, so Node's header deadline used to never run.)
 */
import { connect as h2connect } from 'node:http2';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import type { RunningProxy } from '../src/proxy.ts';
import { APP, rawRequest, startReplica, startTestProxy, testKeys } from './harness.ts';

const HEADERS_TIMEOUT_MS = 1000;
const SNIFF_TIMEOUT_MS = 500;
const SLACK_MS = 1500;

interface Watched {
  readonly socket: Socket;
  closedAt: number | null;
}

function open(port: number, first: string | null, dripMs: number | null): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const w: Watched = { socket, closedAt: null };
    let drip: NodeJS.Timeout | null = null;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      w.closedAt = performance.now();
      if (drip !== null) clearInterval(drip);
    });
    socket.once('connect', () => {
      if (first !== null) socket.write(first);
      if (dripMs !== null) drip = setInterval(() => socket.write('x'), dripMs);
      resolve(w);
    });
    socket.once('error', reject);
  });
}

describe('slow-header clients are closed within the timeout while normal traffic is served', () => {
  let sim: SimCluster;
  let proxy: RunningProxy;
  let token: string;
  beforeAll(async () => {
    const keys = await testKeys();
    token = await keys.mint();
    sim = await startReplica('c1', 'r0');
    proxy = await startTestProxy({
      endpoints: [{ cluster: 'c1', url: sim.url }],
      jwks: keys.jwks,
      config: { headersTimeoutMs: HEADERS_TIMEOUT_MS, sniffTimeoutMs: SNIFF_TIMEOUT_MS },
    });
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });

  it('closes 200 slowloris connections and 50 silent ones, serving every normal request', async () => {
    const started = performance.now();
    const slow = await Promise.all(
      Array.from({ length: 200 }, () => open(proxy.port, `GET /v4/${APP}/v1/models HTTP/1.1\r\nhost: p\r\nx-slow: `, 200)),
    );
    const silent = await Promise.all(Array.from({ length: 50 }, () => open(proxy.port, null, null)));
    let served = 0;
    while (performance.now() - started < HEADERS_TIMEOUT_MS + SLACK_MS) {
      const r = await rawRequest(proxy.url, { method: 'GET', path: `/v4/${APP}/v1/models`, headers: { 'x-switchyard-token': token } });
      expect(r.status).toBe(200);
      served += 1;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(served).toBeGreaterThan(10);
    const openSlow = slow.filter((w) => w.closedAt === null).length;
    const openSilent = silent.filter((w) => w.closedAt === null).length;
    for (const w of [...slow, ...silent]) w.socket.destroy();
    expect({ openSlow, openSilent }).toEqual({ openSlow: 0, openSilent: 0 });
    for (const w of silent) expect((w.closedAt ?? Infinity) - started).toBeLessThan(SNIFF_TIMEOUT_MS + SLACK_MS);
  });

  it('advertises HTTP/2 stream and header-list limits and refuses oversized HTTP/1 headers', async () => {
    const session = h2connect(proxy.url);
    session.on('error', () => undefined);
    const settings = await new Promise<{ maxConcurrentStreams?: number; maxHeaderListSize?: number }>((r) =>
      session.once('remoteSettings', (s) => r(s)),
    );
    session.close();
    expect(settings.maxConcurrentStreams).toBe(128);
    expect(settings.maxHeaderListSize).toBe(16_384);
    const r = await rawRequest(proxy.url, {
      method: 'GET',
      path: `/v4/${APP}/v1/models`,
      headers: { 'x-switchyard-token': token, 'x-big': 'a'.repeat(20_000) },
    }).catch(() => ({ status: 0 }));
    expect(r.status).toBe(431);
  });

  it('closes an HTTP/2 session that never opens a stream', async () => {
    const session = h2connect(proxy.url);
    session.on('error', () => undefined);
    const started = performance.now();
    await new Promise<void>((resolve) => session.once('close', () => resolve()));
    expect(performance.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + SLACK_MS);
  });
});
