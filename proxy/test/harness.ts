/**
 * Test harness for proxy scenarios: real sim-cluster replicas, real Ed25519
 * keys and tokens, a real proxy on 127.0.0.1:0 reading a real endpoints file,
 * and a raw HTTP/1.1 client that records chunks as they arrive.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import pino from 'pino';
import { startSimCluster, type SimCluster } from '../../control/sim-cluster/server.ts';
import type { SimClusterOptions } from '../../control/sim-cluster/options.ts';
import { parseProxyConfig, type ProxyConfig } from '../src/config.ts';
import { startProxy, type ProxyDeps, type RunningProxy } from '../src/proxy.ts';

export const APP = 'acme/chat';
export const PROXY_ID = 'proxy-test';

export async function startReplica(clusterId: string, replicaId: string, overrides: Partial<SimClusterOptions> = {}): Promise<SimCluster> {
  return startSimCluster({
    clusterId,
    replicaId,
    port: 0,
    model: 'demo-llm',
    slots: 8,
    queue: 64,
    tokensPerSecond: 200,
    coldStartMs: 0,
    gpuType: 'H100',
    ...overrides,
  });
}

export interface TestKeys {
  readonly jwks: string;
  mint(claims?: Partial<{ aud: string; app: string; fn: string; cluster: string; fallbacks: string[]; did: string; exp: number; iat: number }>): Promise<string>;
}

async function keyPair(kid: string): Promise<{ priv: CryptoKey; jwk: Record<string, unknown> }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { priv: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

/** Keys the proxy trusts, and a second pair it does not (for forged tokens). */
export async function testKeys(kid = 'k1'): Promise<TestKeys & { forge: TestKeys['mint'] }> {
  const good = await keyPair(kid);
  const evil = await keyPair(kid); // same kid, different key: a forgery
  const sign = (priv: CryptoKey) => async (claims: Parameters<TestKeys['mint']>[0] = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const body = { app: APP, fn: '*', cluster: 'c1', fallbacks: [], did: randomUUID(), ...claims };
    return new SignJWT({ app: body.app, fn: body.fn, cluster: body.cluster, fallbacks: body.fallbacks, did: body.did })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer('switchyard-edge')
      .setAudience(claims.aud ?? PROXY_ID)
      .setJti(body.did)
      .setIssuedAt(claims.iat ?? now)
      .setExpirationTime(claims.exp ?? now + 60)
      .sign(priv);
  };
  return { jwks: JSON.stringify({ keys: [good.jwk] }), mint: sign(good.priv), forge: sign(evil.priv) };
}

export interface ProxyFixture {
  readonly endpoints: ReadonlyArray<{ cluster: string; app?: string; url: string }>;
  readonly apps?: ReadonlyArray<Record<string, unknown>>;
  readonly config?: Record<string, unknown>;
  readonly jwks?: string;
  readonly deps?: ProxyDeps;
}

export async function testConfig(dir: string, f: ProxyFixture): Promise<ProxyConfig> {
  const endpointsFile = join(dir, 'endpoints.json');
  await writeFile(endpointsFile, JSON.stringify({ endpoints: f.endpoints.map((e) => ({ app: APP, ...e })), apps: f.apps ?? [] }));
  const parsed = parseProxyConfig({
    flags: {
      id: PROXY_ID,
      port: 0,
      endpointsFile,
      logLevel: 'silent',
      healthCheckIntervalMs: 60_000,
      ...(f.jwks !== undefined ? { jwks: f.jwks } : { authDisabled: true }),
      ...f.config,
    },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.config;
}

export async function startTestProxy(f: ProxyFixture): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-'));
  return startProxy(await testConfig(dir, f), { logger: pino({ level: 'silent' }), ...f.deps });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly chunks: readonly { readonly at: number; readonly text: string }[];
  readonly body: string;
  /** False when the response ended without a clean end (aborted / cut mid-body). */
  readonly complete: boolean;
}

export function rawRequest(
  baseUrl: string,
  init: { method?: string; path: string; body?: string; headers?: Record<string, string>; onChunk?: (text: string) => void },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(new URL(init.path, baseUrl), { method: init.method ?? 'POST', headers: { 'content-type': 'application/json', ...init.headers } }, (res) => {
      const chunks: { at: number; text: string }[] = [];
      let ended = false;
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        chunks.push({ at: performance.now() - started, text });
        init.onChunk?.(text);
      });
      res.on('end', () => (ended = true));
      res.on('error', () => undefined);
      res.on('close', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks, body: chunks.map((c) => c.text).join(''), complete: ended && res.complete }),
      );
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

export const chatBody = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ model: 'demo-llm', messages: [{ role: 'user', content: 'say something nice' }], ...extra });

export function sseData(body: string): string[] {
  return body
    .split('\n\n')
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
