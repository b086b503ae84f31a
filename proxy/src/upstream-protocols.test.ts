import { describe, expect, it } from 'vitest';
import { parseProxyConfig } from './config.ts';
import { parseUpstreamProtocols, protocolFor } from './upstream-protocols.ts';

const base = { id: 'p1', authDisabled: true, endpointsFile: '/tmp/e.json' };

describe('upstreamProtocols: cluster=protocol entries', () => {
  it.each([
    ['', null, [], 'gpu-east', 'http1'],
    ['*=h2', 'h2', [], 'gpu-east', 'h2'],
    ['gpu-east=h2', null, [['gpu-east', 'h2']], 'gpu-east', 'h2'],
    ['gpu-east=h2', null, [['gpu-east', 'h2']], 'gpu-west', 'http1'],
    [' *=auto , gpu-east = http1 ,', 'auto', [['gpu-east', 'http1']], 'gpu-west', 'auto'],
    ['*=auto,gpu-east=http1', 'auto', [['gpu-east', 'http1']], 'gpu-east', 'http1'],
  ] as const)('%j → fallback %s, named %j; cluster %s speaks %s', (raw, fallback, named, cluster, protocol) => {
    const r = parseUpstreamProtocols(raw);
    if (!r.ok) throw new Error(r.problems.join('; '));
    expect(r.value.fallback).toBe(fallback);
    expect([...r.value.byCluster]).toEqual(named);
    expect(protocolFor(r.value, false, cluster)).toBe(protocol);
  });

  it.each([
    ['gpu-east', ['"gpu-east": expected cluster=protocol']],
    ['gpu-east=h3', ['"gpu-east=h3": protocol "h3" is not one of http1, h2, auto']],
    ['=h2', ['"=h2": the cluster id before = is empty or has spaces']],
    ['gpu-east=h2,gpu-east=http1', ['"gpu-east=http1": cluster gpu-east is named twice']],
    ['a=h2c,b=http2,*=h2', ['"a=h2c": protocol "h2c" is not one of http1, h2, auto', '"b=http2": protocol "http2" is not one of http1, h2, auto']],
  ] as const)('%j is refused: %j', (raw, problems) => {
    expect(parseUpstreamProtocols(raw)).toEqual({ ok: false, problems });
  });

  it('upstreamAllowH2 (the older switch) means auto for clusters not named', () => {
    const r = parseUpstreamProtocols('gpu-east=h2');
    if (!r.ok) throw new Error('unexpected');
    expect(protocolFor(r.value, true, 'gpu-west')).toBe('auto');
    expect(protocolFor(r.value, true, 'gpu-east')).toBe('h2');
  });

  it('the proxy config reports every bad entry at once, naming the env var', () => {
    const r = parseProxyConfig({ flags: base, env: { PROXY_UPSTREAM_PROTOCOLS: 'gpu-east=h3,west' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]?.field).toBe('upstreamProtocols');
    expect(r.issues[0]?.source).toBe('env PROXY_UPSTREAM_PROTOCOLS');
    expect(r.issues[0]?.message).toContain('"gpu-east=h3": protocol "h3" is not one of http1, h2, auto');
    expect(r.issues[0]?.message).toContain('"west": expected cluster=protocol');
  });

  it('a * entry together with upstreamAllowH2 is a conflict, not a silent choice', () => {
    const r = parseProxyConfig({ flags: { ...base, upstreamAllowH2: true, upstreamProtocols: '*=h2' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.field)).toEqual(['upstreamAllowH2']);
  });

  it('valid entries reach the config; blank keeps the default (every cluster http1)', () => {
    const r = parseProxyConfig({ flags: { ...base, upstreamProtocols: 'gpu-east=h2' } });
    expect(r.ok && protocolFor(r.config.upstreamProtocols, r.config.upstreamAllowH2, 'gpu-east')).toBe('h2');
    const blank = parseProxyConfig({ flags: base, env: { PROXY_UPSTREAM_PROTOCOLS: ' ' } });
    expect(blank.ok && protocolFor(blank.config.upstreamProtocols, false, 'x')).toBe('http1');
  });
});
