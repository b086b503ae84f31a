import { describe, expect, it } from 'vitest';
import { parseAggregatorYaml } from './aggregator-config.ts';

const good = `cluster:
  id: us-east-1
  region: us-east
  provider: coreweave
  proxyUrl: http://127.0.0.1:8101
  proxyId: proxy-us-east
gpus: { H100: 2.49 }
headroom: { warm: 8, cold: 64 }
apps:
  acme/chat:
    slotsPerReplica: 4
    replicas: [http://127.0.0.1:9001/, http://127.0.0.1:9002]
`;

describe('parseAggregatorYaml', () => {
  it('defaults and derives what the file leaves out', () => {
    const r = parseAggregatorYaml(good, 'agg.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.cluster).toEqual({
      id: 'us-east-1',
      region: 'us-east',
      continent: 'NA',
      country: 'US',
      provider: 'coreweave',
      location: { lat: 38.9, lon: -77.4 },
      proxyUrl: 'http://127.0.0.1:8101',
      proxyId: 'proxy-us-east',
    });
    expect(r.config.apps).toEqual([
      { appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: ['http://127.0.0.1:9001', 'http://127.0.0.1:9002'], warm: null, cold: null },
    ]);
    expect(r.config).toMatchObject({ intervalMs: 1000, scrapeTimeoutMs: 500, headroom: { warm: 8, cold: 64 }, pricesFile: null, backoff: { baseMs: 250, maxMs: 30_000 } });
  });

  it.each([
    ['unknown region', good.replace('region: us-east', 'region: us-eats'), 'cluster.region', 3, /unknown region 'us-eats'/],
    ['bad proxy URL', good.replace('proxyUrl: http://127.0.0.1:8101', 'proxyUrl: nope'), 'cluster.proxyUrl', 5, /http\(s\) URL/],
    ['zero slots', good.replace('slotsPerReplica: 4', 'slotsPerReplica: 0'), 'apps.acme/chat.slotsPerReplica', 11, /^must be above 0$/],
    ['replica not a URL', good.replace('http://127.0.0.1:9002', 'localhost:9002'), 'apps.acme/chat.replicas[1]', 12, /http\(s\) URL/],
    ['unpriced GPU type', good.replace('slotsPerReplica: 4', 'slotsPerReplica: 4\n    gpuType: B200'), 'apps.acme/chat.gpuType', 12, /'B200' has no price/],
    ['negative headroom', good.replace('warm: 8', 'warm: -1'), 'headroom.warm', 8, /^must be at least 0$/],
    ['bad app id', good.replace('acme/chat:', 'chat:'), 'apps.chat', 10, /project\/name/],
    ['unknown field', `${good}intervall: 5\n`, 'intervall', 13, /unknown field 'intervall'/],
    ['warm start not below cold', good.replace('slotsPerReplica: 4', 'slotsPerReplica: 4\n    warmStartMs: 60000\n    coldStartMs: 30000'), 'apps.acme/chat.warmStartMs', 12, /must be below coldStartMs \(30000\)/],
    ['zero start-up time', good.replace('slotsPerReplica: 4', 'slotsPerReplica: 4\n    coldStartMs: 0'), 'apps.acme/chat.coldStartMs', 12, /^must be above 0$/],
    // zod's own words ("Invalid input: expected string, received undefined") said neither what nor why.
    ['missing provider', good.replace('  provider: coreweave\n', ''), 'cluster.provider', 1, /^is required \(a string\)$/],
    ['timeout over interval', `${good}intervalMs: 100\nscrapeTimeoutMs: 200\n`, 'scrapeTimeoutMs', 14, /must not exceed intervalMs/],
  ])('%s', (_name, text, path, line, message) => {
    const r = parseAggregatorYaml(text, 'agg.yaml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const issue = r.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(r.issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
    expect(issue?.line).toBe(line);
  });

  it('reads per-app start-up time defaults', () => {
    const r = parseAggregatorYaml(good.replace('slotsPerReplica: 4', 'slotsPerReplica: 4\n    warmStartMs: 8000\n    coldStartMs: 180000'), 'agg.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.apps[0]).toMatchObject({ warmStartMs: 8000, coldStartMs: 180_000 });
  });

  it('needs gpuType when several GPU types are priced', () => {
    const r = parseAggregatorYaml(good.replace('{ H100: 2.49 }', '{ H100: 2.49, A100: 1.1 }'), 'agg.yaml');
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['apps.acme/chat.gpuType']);
  });
});
