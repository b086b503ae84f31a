import { describe, expect, it } from 'vitest';
import { validateAggregatorConfig } from './aggregator-config.ts';
import { mergeAggregatorFlags } from './flags-to-config.ts';

const identity = { clusterId: 'eu-west-1', region: 'eu-west', provider: 'lambda', proxyUrl: 'http://127.0.0.1:8102', proxyId: 'proxy-eu-west' };

describe('mergeAggregatorFlags', () => {
  it('builds a whole config from flags alone', () => {
    const { raw, issues } = mergeAggregatorFlags(undefined, { ...identity, gpu: ['H100=2.49'], app: ['acme/chat=http://a:1,http://b:2'], slots: '4', warm: '2', interval: '500' });
    expect(issues).toEqual([]);
    const r = validateAggregatorConfig(raw, 'flags');
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.config.apps).toEqual([{ appId: 'acme/chat', gpuType: 'H100', slotsPerReplica: 4, replicas: ['http://a:1', 'http://b:2'], warm: null, cold: null }]);
    expect(r.config).toMatchObject({ intervalMs: 500, headroom: { warm: 2, cold: 0 }, gpuPrices: { H100: 2.49 } });
  });

  it('flags override the file field by field', () => {
    const file = { cluster: { id: 'x', region: 'us-east', provider: 'p', proxyUrl: 'http://p', proxyId: 'p' }, gpus: { H100: 1 }, apps: {} };
    const { raw } = mergeAggregatorFlags(file, { provider: 'crusoe', gpu: ['H100=3'] });
    expect(raw).toMatchObject({ cluster: { id: 'x', provider: 'crusoe' }, gpus: { H100: 3 } });
  });

  it.each([
    [{ gpu: ['H100'] }, '--gpu', /H100=2.49/],
    [{ app: ['acme/chat'] }, '--app', /acme\/chat=http/],
  ])('refuses malformed %j', (flags, path, message) => {
    const { issues } = mergeAggregatorFlags(undefined, flags);
    expect(issues[0]?.path).toBe(path);
    expect(issues[0]?.message).toMatch(message);
  });

  it('a malformed number is reported against its field', () => {
    const { raw } = mergeAggregatorFlags(undefined, { ...identity, gpu: ['H100=1'], app: ['acme/chat=http://a:1'], slots: 'four' });
    const r = validateAggregatorConfig(raw, 'flags');
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toEqual(['apps.acme/chat.slotsPerReplica']);
  });
});
