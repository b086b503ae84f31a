import { describe, expect, test } from 'vitest';
import { routeLimitKey, routeLimits } from './route-limits.ts';

const code = { name: 'code', when: { keywords: ['python'] }, target: { model: 'coder' }, clusters: ['c1'], limits: { maxConcurrency: 1 } };
const chat = { name: 'chat', when: {}, target: { model: 'chat' } };

describe('routeLimits', () => {
  test.each<[string, unknown, Record<string, unknown> | string]>([
    ['no routes: none', undefined, {}],
    ['only routes that declare limits', [code, chat], { code: { maxConcurrency: 1, maxRps: null } }],
    ['rps only', [{ ...chat, limits: { maxRps: 5 } }], { chat: { maxConcurrency: null, maxRps: 5 } }],
    ['a malformed route is a problem', [{ name: 'x' }], 'problem'],
  ])('%s', (_n, routes, want) => {
    const r = routeLimits(routes, undefined);
    if (want === 'problem') {
      expect(r.ok).toBe(false);
      return;
    }
    expect(r.ok).toBe(true);
    if (r.ok) expect(Object.fromEntries([...r.limits].map(([k, v]) => [k, { ...v }]))).toMatchObject(want as Record<string, unknown>);
  });

  test('keys never collide with an app id', () => {
    expect(routeLimitKey('acme/chat', 'code')).toBe('acme/chat#code');
  });
});
