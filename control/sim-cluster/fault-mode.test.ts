import { describe, expect, it } from 'vitest';
import { applyControlPatch, defaultFaultMode, parseControlPatch } from './fault-mode.ts';

const initial = defaultFaultMode(3);

describe('parseControlPatch', () => {
  it.each([[{ fail: true }], [{ serverErrors: true }], [{ slowdownMs: 250 }], [{ firstTokenDelayMs: 150_000 }], [{ hang: false, dieMidStream: true, dieAfterTokens: 0 }], [{ reset: true }], [{ unload: true }], [{}]])(
    'accepts %j',
    (body) => {
      expect(parseControlPatch(body)).toEqual({ ok: true, patch: body });
    },
  );

  it.each([
    [null, 'body'],
    [[1], 'body'],
    [{ fail: 'yes' }, 'fail'],
    [{ serverErrors: 1 }, 'serverErrors'],
    [{ slowdownMs: -1 }, 'slowdownMs'],
    [{ dieAfterTokens: 1.5 }, 'dieAfterTokens'],
    [{ firstTokenDelayMs: '150s' }, 'firstTokenDelayMs'],
    [{ explode: true }, 'explode'],
  ])('refuses %j naming %s', (body, param) => {
    const r = parseControlPatch(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.status, r.error.param]).toEqual([400, param]);
  });
});

describe('applyControlPatch', () => {
  it.each([
    ['sets fields, keeps others', { ...initial, hang: true }, { fail: true }, { ...initial, hang: true, fail: true }],
    ['reset returns to initial', { ...initial, fail: true, slowdownMs: 9 }, { reset: true }, initial],
    ['reset then apply', { ...initial, fail: true }, { reset: true, hang: true }, { ...initial, hang: true }],
    ['gray failure', initial, { serverErrors: true }, { ...initial, serverErrors: true }],
    ['slow first token (a long prefill)', initial, { firstTokenDelayMs: 150_000 }, { ...initial, firstTokenDelayMs: 150_000 }],
    ['die with K', initial, { dieMidStream: true, dieAfterTokens: 5 }, { ...initial, dieMidStream: true, dieAfterTokens: 5 }],
  ])('%s', (_name, current, patch, expected) => {
    expect(applyControlPatch(current, patch, initial)).toEqual(expected);
  });
});
