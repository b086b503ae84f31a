import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../shared/tokens/index.ts';
import { EDGE_DEFAULTS, loadConfig } from './shared-deps.ts';

let base: Record<string, string>;

beforeAll(async () => {
  const { privateJwk } = await generateKeyPair('cfg-test');
  base = { LIBSQL_URL: 'http://127.0.0.1:8080', TOKEN_SIGNING_KEY: JSON.stringify(privateJwk) };
});

describe('loadConfig: valid', () => {
  it('fills every default when only the required variables are set', async () => {
    const r = await loadConfig(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({
      answerMode: EDGE_DEFAULTS.EDGE_ANSWER_MODE,
      refreshMs: EDGE_DEFAULTS.EDGE_REFRESH_MS,
      staleSnapshotMs: EDGE_DEFAULTS.EDGE_STALE_SNAPSHOT_MS,
      tokenTtlSeconds: 30,
      auth: true,
      libsqlAuthToken: undefined,
    });
    expect(r.config.signingKey.kid).toBe('cfg-test');
  });

  it.each([
    [{ EDGE_ANSWER_MODE: 'redirect' }, { answerMode: 'redirect' }],
    [{ EDGE_AUTH: 'off' }, { auth: false }],
    [{ EDGE_TOKEN_TTL_SECONDS: '300' }, { tokenTtlSeconds: 300 }],
    [{ EDGE_MAX_APPS: '5', EDGE_DECISION_BATCH: '1' }, { maxApps: 5, decisionBatch: 1 }],
    [{}, { maxFilteredKeys: 100_000 }],
    [{ EDGE_MAX_FILTERED_KEYS: '0' }, { maxFilteredKeys: 0 }],
    [{ LIBSQL_URL: 'libsql://db-org.turso.io', LIBSQL_AUTH_TOKEN: 'tok' }, { libsqlUrl: 'libsql://db-org.turso.io', libsqlAuthToken: 'tok' }],
    // Blank is unset, as on the proxy: a blank issuer was "", and proxies refused every token.
    [{ EDGE_TOKEN_ISSUER: '   ' }, { tokenIssuer: 'switchyard-edge' }],
    [{ EDGE_TOKEN_TTL_SECONDS: ' ' }, { tokenTtlSeconds: 30 }],
    // Switches read as the proxy reads them (shared/env): its PROXY_AUTH_DISABLED=yes works, so must EDGE_AUTH=no.
    [{ EDGE_AUTH: 'no' }, { auth: false }],
    [{ EDGE_AUTH: 'Yes' }, { auth: true }],
  ])('%j', async (vars, expected) => {
    const r = await loadConfig({ ...base, ...vars });
    expect(r.ok && r.config).toMatchObject(expected);
  });
});

describe('loadConfig: invalid (every problem reported at once)', () => {
  it.each([
    [{ EDGE_TOKEN_TTL_SECONDS: '301' }, ['EDGE_TOKEN_TTL_SECONDS']],
    [{ EDGE_TOKEN_TTL_SECONDS: '0' }, ['EDGE_TOKEN_TTL_SECONDS']],
    [{ EDGE_REFRESH_MS: '1.5', EDGE_MAX_APPS: 'many' }, ['EDGE_REFRESH_MS', 'EDGE_MAX_APPS']],
    [{ EDGE_LOG_DECISIONS: 'yes please' }, ['EDGE_LOG_DECISIONS']],
    [{ EDGE_MAX_FILTERED_KEYS: '1000001' }, ['EDGE_MAX_FILTERED_KEYS']],
    [{ LIBSQL_URL: 'ftp://x' }, ['LIBSQL_URL']],
    [{ LIBSQL_URL: undefined, TOKEN_SIGNING_KEY: undefined }, ['LIBSQL_URL', 'TOKEN_SIGNING_KEY']],
    [{ TOKEN_SIGNING_KEY: 'not json' }, ['TOKEN_SIGNING_KEY']],
    [{ ROUTE_MAX_FALLBACKS: '99', EDGE_ANSWER_MODE: 'x' }, ['ROUTE_MAX_FALLBACKS', 'EDGE_ANSWER_MODE']],
    // A misspelt override ran the default policy unannounced (replay and simulate refused it).
    [{ ROUTE_WEIGT_LATENCY: '2' }, ['ROUTE_WEIGT_LATENCY']],
    // And a misspelt canary variable left the canary off unannounced.
    [{ ROUTE_CANARY_PERCNT: '10', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"v2"}' }, ['ROUTE_CANARY_PERCNT']],
  ])('%j → %j', async (vars, names) => {
    const r = await loadConfig({ ...base, ...vars });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.variable).sort()).toEqual([...names].sort());
    expect(JSON.stringify(r.errors)).not.toContain('"d"'); // the private key is never echoed
  });
});

describe('loadConfig: policy variables', () => {
  it('names the variable a misspelt one was meant to be', async () => {
    const r = await loadConfig({ ...base, ROUTE_LATENCY_VALUE_UDS: '0.02' });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([expect.stringContaining('did you mean ROUTE_LATENCY_VALUE_USD?')]);
  });

  it('names the canary variable a misspelt one was meant to be', async () => {
    const r = await loadConfig({ ...base, ROUTE_CANARY_PRECENT: '5' });
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual([expect.stringContaining('did you mean ROUTE_CANARY_PERCENT?')]);
  });

  it('takes every policy variable and the canary variables', async () => {
    const r = await loadConfig({ ...base, ROUTE_LATENCY_VALUE_USD: '0.05', ROUTE_CANARY_PERCENT: '10', ROUTE_CANARY_POLICY: '{"ROUTE_POLICY_VERSION":"warm-v2","ROUTE_TEMPERATURE_MS":"30"}' });
    expect(r.ok ? [] : r.errors).toEqual([]);
  });
});
