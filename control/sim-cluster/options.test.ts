import { describe, expect, it } from 'vitest';
import { SimOptionsError } from './errors.ts';
import { resolveSimClusterOptions, validateSimClusterOptions, type SimClusterOptions } from './options.ts';

const good: SimClusterOptions = {
  clusterId: 'us-east-1',
  replicaId: 'r0',
  port: 0,
  model: 'demo-llm',
  slots: 4,
  queue: 'reject',
  tokensPerSecond: 50,
  coldStartMs: 0,
  gpuType: 'H100',
};

describe('validateSimClusterOptions', () => {
  it('defaults every optional field', () => {
    expect(resolveSimClusterOptions(good)).toEqual({
      ...good,
      queue: undefined,
      host: '127.0.0.1',
      queueLimit: 0,
      queueMode: 'reject',
      defaultMaxTokens: 16,
      idleUnloadMs: null,
      jobDurationMs: 10_000,
      jobHeartbeatMs: 1_000,
      dieAfterTokens: 3,
      kvBlocks: 4096,
      kvBlockTokens: 16,
      prefillTokensPerSecond: 50_000,
      metricNames: 'vllm',
      h2cMaxStreams: 0,
      apiLoopMsPerRequest: 0,
      modelVersion: null,
      logger: null,
    });
  });

  it.each<[string, Partial<Record<keyof SimClusterOptions, unknown>>, string]>([
    ['empty cluster id', { clusterId: '' }, 'clusterId'],
    ['missing replica id', { replicaId: undefined }, 'replicaId'],
    ['port out of range', { port: 70000 }, 'port'],
    ['fractional port', { port: 1.5 }, 'port'],
    ['zero slots', { slots: 0 }, 'slots'],
    ['queue word', { queue: 'wait' }, 'queue'],
    ['negative queue', { queue: -1 }, 'queue'],
    ['zero rate', { tokensPerSecond: 0 }, 'tokensPerSecond'],
    ['infinite rate', { tokensPerSecond: Infinity }, 'tokensPerSecond'],
    ['negative cold start', { coldStartMs: -5 }, 'coldStartMs'],
    ['no gpu type', { gpuType: ' ' }, 'gpuType'],
    ['zero default tokens', { defaultMaxTokens: 0 }, 'defaultMaxTokens'],
    ['zero idle unload', { idleUnloadMs: 0 }, 'idleUnloadMs'],
    ['negative loop work', { apiLoopMsPerRequest: -1 }, 'apiLoopMsPerRequest'],
  ])('%s is refused naming %s', (_name, patch, field) => {
    const r = validateSimClusterOptions({ ...good, ...patch } as SimClusterOptions);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.field)).toEqual([field]);
  });

  it('reports every bad field at once in one typed error', () => {
    const bad = { ...good, slots: -1, model: '', queue: 3.5 } as unknown as SimClusterOptions;
    expect(() => resolveSimClusterOptions(bad)).toThrow(SimOptionsError);
    try {
      resolveSimClusterOptions(bad);
    } catch (err) {
      expect((err as SimOptionsError).code).toBe('SIM_INVALID_OPTIONS');
      expect((err as SimOptionsError).issues.map((i) => i.field).sort()).toEqual(['model', 'queue', 'slots']);
    }
  });

  it('a numeric queue is a queue limit', () => {
    expect(resolveSimClusterOptions({ ...good, queue: 8 })).toMatchObject({ queueLimit: 8, queueMode: 'queue' });
  });
});
