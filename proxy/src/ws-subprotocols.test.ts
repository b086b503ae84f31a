import { describe, expect, it } from 'vitest';
import { parseSubprotocols } from './ws-subprotocols.ts';

describe('parseSubprotocols', () => {
  it.each([
    [undefined, ['ok', []]],
    ['chat', ['ok', ['chat']]],
    ['chat, superchat', ['ok', ['chat', 'superchat']]],
    ['v1.json,v2.json', ['ok', ['v1.json', 'v2.json']]],
    [
      ['a', 'b'],
      ['ok', ['a', 'b']],
    ],
    ['a, a', ['bad', /twice/]],
    [
      ['a', 'a'],
      ['bad', /twice/],
    ],
    ['', ['bad', /not one/]],
    ['a,,b', ['bad', /not one/]],
    ['a,', ['bad', /not one/]],
    ['a b', ['bad', /not one/]],
    ['a;b', ['bad', /not one/]],
    ['"quoted"', ['bad', /not one/]],
    ['ünïcode', ['bad', /not one/]],
  ] as const)('%j', (header, [kind, want]) => {
    const r = parseSubprotocols(header as string | string[] | undefined);
    if (kind === 'ok') expect(r).toEqual({ ok: true, protocols: want });
    else expect(r.ok ? 'accepted' : r.message).toMatch(want as RegExp);
  });
});
