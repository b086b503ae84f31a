import { describe, expect, it } from 'vitest';
import { replicaIdAt, resolveCliConfig, type CliSources } from './cli-config.ts';

const none: CliSources = { flags: {}, env: {}, file: null };
const withId = (s: Partial<CliSources>): CliSources => ({ ...none, flags: { clusterId: 'us-east-1' }, ...s });

describe('resolveCliConfig', () => {
  it('fills defaults around the required cluster id', () => {
    const r = resolveCliConfig(withId({}));
    expect(r).toEqual({
      ok: true,
      replicas: [{ clusterId: 'us-east-1', replicaId: 'r0', host: '127.0.0.1', port: 0, model: 'demo-llm', slots: 4, queue: 8, tokensPerSecond: 50, coldStartMs: 0, gpuType: 'H100' }],
    });
  });

  it.each<[string, Partial<CliSources>, Record<string, unknown>]>([
    ['flag beats env and file', { flags: { clusterId: 'a', slots: '2' }, env: { SWITCHYARD_SIM_SLOTS: '3' }, file: { path: 'c.yaml', text: 'slots: 5' } }, { slots: 2 }],
    ['env beats file', { env: { SWITCHYARD_SIM_SLOTS: '3' }, file: { path: 'c.yaml', text: 'slots: 5\nclusterId: eu' } }, { slots: 3, clusterId: 'eu' }],
    ['file alone', { file: { path: 'c.yaml', text: 'clusterId: eu\nqueue: reject\ntokensPerSecond: 12.5' } }, { clusterId: 'eu', queue: 'reject', tokensPerSecond: 12.5 }],
    ['env cluster id', { env: { SWITCHYARD_SIM_CLUSTER_ID: 'ap', SWITCHYARD_SIM_COLD_START_MS: '250' } }, { clusterId: 'ap', coldStartMs: 250 }],
  ])('%s', (_name, sources, expected) => {
    const r = resolveCliConfig({ ...none, ...sources });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.replicas[0]).toMatchObject(expected);
  });

  it('--replicas N gives consecutive ports and counted ids', () => {
    const r = resolveCliConfig(withId({ flags: { clusterId: 'c', port: '9101', replicas: '3', replicaId: 'r0' } }));
    expect(r.ok && r.replicas.map((o) => [o.replicaId, o.port])).toEqual([
      ['r0', 9101],
      ['r1', 9102],
      ['r2', 9103],
    ]);
  });

  it.each<[string, Partial<CliSources>, string]>([
    ['missing cluster id', {}, '--cluster-id is required'],
    ['non-numeric slots', { flags: { clusterId: 'c', slots: 'four' } }, "--slots: expected a whole number, got 'four'"],
    ['zero slots', { flags: { clusterId: 'c', slots: '0' } }, '--slots: must be an integer from 1'],
    ['bad env names its variable', { flags: { clusterId: 'c' }, env: { SWITCHYARD_SIM_PORT: 'x' } }, '--port (from SWITCHYARD_SIM_PORT): expected a whole number'],
    ['bad queue', { flags: { clusterId: 'c', queue: 'later' } }, "--queue: expected 'reject' or a whole number"],
    ['rate zero', { flags: { clusterId: 'c', tokensPerSecond: '0' } }, '--tokens-per-second: must be a finite number > 0'],
    ['ports run out', { flags: { clusterId: 'c', port: '65535', replicas: '2' } }, '--port: must be an integer from 0 to 65535, got 65536 (replica 1 of 2'],
    ['unknown file key', { flags: { clusterId: 'c' }, file: { path: 'c.yaml', text: 'slot: 4' } }, "--config c.yaml: unknown key 'slot'"],
    ['file not a mapping', { flags: { clusterId: 'c' }, file: { path: 'c.yaml', text: '- 1' } }, '--config c.yaml: expected a mapping'],
    ['bad yaml', { flags: { clusterId: 'c' }, file: { path: 'c.yaml', text: 'a: [' } }, '--config c.yaml: not valid YAML'],
    ['too many replicas', { flags: { clusterId: 'c', replicas: '0' } }, '--replicas: must be from 1 to 64'],
  ])('%s', (_name, sources, message) => {
    const r = resolveCliConfig({ ...none, ...sources });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join('\n')).toContain(message);
  });
});

describe('replicaIdAt', () => {
  it.each([
    ['r0', 0, 1, 'r0'],
    ['r0', 2, 3, 'r2'],
    ['node7', 1, 2, 'node8'],
    ['gpu-a', 1, 2, 'gpu-a-1'],
  ])('%s #%i of %i → %s', (base, i, count, id) => {
    expect(replicaIdAt(base, i, count)).toBe(id);
  });
});
