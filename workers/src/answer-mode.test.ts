import { describe, expect, it } from 'vitest';
import { chooseAnswerMode } from './answer-mode.ts';
import type { RouteKind } from '../../shared/http/request-path.ts';

describe('chooseAnswerMode', () => {
  it.each<[RouteKind, string, Record<string, string>, string]>([
    ['public', '/v4/p/a/f', {}, 'forward'],
    ['public', '/v4/p/a/f?sy_mode=redirect', {}, 'redirect'],
    ['public', '/v4/p/a/f', { 'x-switchyard-mode': 'token' }, 'token'],
    ['public', '/v4/p/a/f?sy_mode=token', { upgrade: 'websocket' }, 'token'],
    ['token', '/token/v4/p/a/f', { upgrade: 'websocket' }, 'token'],
    ['explain', '/explain/v4/p/a/f?sy_mode=forward', {}, 'explain'],
  ])('%s %s %j → %s', (kind, path, headers, mode) => {
    const r = chooseAnswerMode(kind, new URL(`https://e.test${path}`), new Headers(headers), 'forward');
    expect(r).toEqual({ ok: true, mode });
  });

  it.each<[string, Record<string, string>, string, number]>([
    ['/v4/p/a/f?sy_mode=teleport', {}, 'bad-mode', 400],
    ['/v4/p/a/f', { upgrade: 'websocket' }, 'upgrade-needs-token', 426],
  ])('%s %j → %s', (path, headers, code, status) => {
    const r = chooseAnswerMode('public', new URL(`https://e.test${path}`), new Headers(headers), 'forward');
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.code, r.error.status]).toEqual([code, status]);
  });
});
