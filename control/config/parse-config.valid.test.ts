import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashApiKey } from './api-key-hash.ts';
import { parseConfig } from './parse-config.ts';

const demoPath = new URL('../../examples/demo.yaml', import.meta.url);

describe('parseConfig: valid configs', () => {
  it('parses examples/demo.yaml into fully defaulted domain objects', () => {
    const r = parseConfig(readFileSync(demoPath, 'utf8'), 'demo.yaml');
    expect(r.errors).toEqual([]);
    if (!r.valid) throw new Error('demo config must be valid');
    const { config } = r;
    expect(config.projects).toEqual([{ id: 'acme', name: 'Acme Inc.' }]);
    expect(config.apiKeys).toEqual([{ id: 'acme-demo', projectId: 'acme', hash: hashApiKey('sk-acme-demo-0123456789abcdef'), revoked: false }]);
    expect(config.clusters.map((c) => c.id)).toEqual(['us-east-1', 'eu-west-1', 'eu-central-1', 'ap-southeast-1']);
    const eu = config.clusters.find((c) => c.id === 'eu-central-1');
    expect(eu).toMatchObject({ region: 'eu-central', continent: 'EU', country: 'DE', location: { lat: 50.1, lon: 8.7 } });
    const euChat = config.apps.find((a) => a.id === 'acme/eu-chat');
    expect(euChat?.residency).toEqual({ kind: 'continents', continents: ['EU'] });
    expect(euChat?.authRequired).toBe(true);
    expect(euChat?.strategy).toBeNull(); // omitted: the edge's ROUTE_DEFAULT_STRATEGY applies
    expect(euChat?.limits).toEqual({ maxConcurrency: 64, maxRps: null, scope: 'region' });
    expect(config.apps.map((a) => a.id)).toEqual(['acme/chat', 'acme/eu-chat', 'acme/train']);
  });

  it.each([
    ['any', { kind: 'any' }],
    ['client-continent', { kind: 'client-continent' }],
    ['na-only', { kind: 'continents', continents: ['NA'] }],
    ['{continents: [eu, NA]}', { kind: 'continents', continents: ['EU', 'NA'] }],
    ['{regions: [eu-west]}', { kind: 'regions', regions: ['eu-west'] }],
  ])('residency %s', (yaml, expected) => {
    const text = `projects: [{id: p}]
clusters: [{id: c1, region: eu-west, provider: x, proxyUrl: 'http://p', proxyId: p1}, {id: c2, region: us-east, provider: x, proxyUrl: 'http://p', proxyId: p1}]
apps: [{project: p, name: a, clusters: [c1, c2], residency: ${yaml}}]
`;
    const r = parseConfig(text, 'x.yaml');
    expect(r.errors).toEqual([]);
    expect(r.config?.apps[0]?.residency).toEqual(expected);
  });

  it('applies overrides and defaults for clusters and apps', () => {
    const text = `projects: [{id: p}]
apiKeys: [{id: k, project: p, hash: ${'a'.repeat(64)}, revoked: true}]
clusters:
  - {id: c1, region: us-west, provider: x, proxyUrl: 'https://p.example', proxyId: p1, country: mx, location: {lat: 1, lon: 2}}
apps:
  - {project: p, name: a, clusters: [c1], auth: false, strategy: consistent-hash, affinityHeader: X-User}
`;
    const r = parseConfig(text, 'x.yaml');
    expect(r.errors).toEqual([]);
    expect(r.config?.clusters[0]).toMatchObject({ continent: 'NA', country: 'MX', location: { lat: 1, lon: 2 } });
    expect(r.config?.apps[0]).toMatchObject({ authRequired: false, affinityHeader: 'x-user', residency: { kind: 'any' }, gpuTypes: [] });
    expect(r.config?.apiKeys[0]).toEqual({ id: 'k', projectId: 'p', hash: 'a'.repeat(64), revoked: true });
    expect(r.config?.projects[0]).toEqual({ id: 'p', name: 'p' });
  });

  it.each(['*', 'https://app.example.com', 'http://localhost:3000', 'https://[::1]:8443', 'chrome-extension://abcdefghijklmnop'])('accepts the CORS origin %s', (origin) => {
    const text = `projects: [{id: p}]\nclusters:\n  - {id: c1, region: us-west, provider: x, proxyUrl: 'https://p.example', proxyId: p1}\napps:\n  - {project: p, name: a, clusters: [c1], corsOrigins: ['${origin}']}\n`;
    const r = parseConfig(text, 'x.yaml');
    expect(r.errors).toEqual([]);
    expect(r.config?.apps[0]?.corsOrigins).toEqual([origin]);
  });

  it('accepts an empty file as an empty config', () => {
    expect(parseConfig('', 'empty.yaml')).toMatchObject({ valid: true, config: { projects: [], apps: [] } });
  });
});
