import { describe, expect, it } from 'vitest';
import { describeProblems, functionPatternProblem, resolveRequestRules } from './request-rules.ts';
import { DEFAULT_STREAM_RULES } from './stream-rules.ts';
import { DEFAULT_REQUEST_RULES } from './types.ts';

describe('resolveRequestRules', () => {
  it.each([
    ['missing', undefined],
    ['null', null],
    ['empty object (rows written before the column existed)', {}],
  ])('%s → every default', (_name, value) => {
    expect(resolveRequestRules(value)).toEqual({ ok: true, rules: DEFAULT_REQUEST_RULES });
  });

  it('keeps what is given and defaults the rest', () => {
    const r = resolveRequestRules({ functions: ['generate', 'v1/*'], ttfbBudgetMs: 5000 });
    expect(r).toEqual({ ok: true, rules: { ...DEFAULT_REQUEST_RULES, functions: ['generate', 'v1/*'], ttfbBudgetMs: 5000 } });
  });

  it.each([
    ['not an object', [], ''],
    ['unknown key', { maxBody: 3 }, 'maxBody'],
    ['empty function list', { functions: [] }, 'functions'],
    ['non-string function', { functions: [3] }, 'functions[0]'],
    ['zero body limit', { maxBodyBytes: 0 }, 'maxBodyBytes'],
    ['fractional TTFB budget', { ttfbBudgetMs: 1.5 }, 'ttfbBudgetMs'],
    ['string boolean', { forwardAuthorization: 'yes' }, 'forwardAuthorization'],
    ['zero per-replica cap', { maxInFlightPerReplica: 0 }, 'maxInFlightPerReplica'],
    ['streams not an object', { streams: true }, 'streams'],
    ['unknown stream rule', { streams: { heartbeat: true } }, 'streams.heartbeat'],
    ['token budget with a bad field', { tokenBudget: { tokensPerMinute: 0 } }, 'tokenBudget.tokensPerMinute'],
    ['token budget on managed streams', { tokenBudget: { tokensPerMinute: 10 }, streams: { heartbeats: true } }, 'tokenBudget'],
    ['string heartbeats', { streams: { heartbeats: 'on' } }, 'streams.heartbeats'],
    ['heartbeat interval under 100 ms', { streams: { heartbeatIntervalMs: 10 } }, 'streams.heartbeatIntervalMs'],
    ['zero continuation cap', { streams: { continuationMaxChars: 0 } }, 'streams.continuationMaxChars'],
    ['unknown prompt cache scope', { promptCache: 'app' }, 'promptCache'],
    ['boolean prompt cache scope', { promptCache: false }, 'promptCache'],
  ])('%s is refused at %s', (_name, value, path) => {
    const r = resolveRequestRules(value);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(describeProblems(r.problems)).toContain(`${path}: `);
  });

  it("keeps each project's prompt cache apart unless the app says it may be shared", () => {
    expect(DEFAULT_REQUEST_RULES.promptCache).toBe('project');
    const r = resolveRequestRules({ promptCache: 'shared' });
    expect(r.ok && r.rules.promptCache).toBe('shared');
  });

  it('defaults the stream rules an app leaves out', () => {
    const r = resolveRequestRules({ streams: { heartbeats: true, continuation: true } });
    expect(r.ok && r.rules.streams).toEqual({ ...DEFAULT_STREAM_RULES, heartbeats: true, continuation: true });
  });

  it('reports every problem at once', () => {
    const r = resolveRequestRules({ maxBodyBytes: -1, ttfbBudgetMs: 'x', functions: ['a//b'] });
    expect(r.ok ? [] : r.problems.map((p) => p.path)).toEqual([['functions', 0], ['maxBodyBytes'], ['ttfbBudgetMs']]);
  });
});

describe('functionPatternProblem', () => {
  it.each(['*', 'v1/*', 'generate', 'v1/chat/completions', 'a/b-c_d.e~f'])('%s is canonical', (p) => {
    expect(functionPatternProblem(p)).toBeNull();
  });
  it.each(['', '/v1', 'v1/', 'a//b', './a', 'a/../b', '*/x', 'v1/**', 'a%2Fb', 'a\\b', 'a b'])('%j is refused', (p) => {
    expect(functionPatternProblem(p)).not.toBeNull();
  });
});
