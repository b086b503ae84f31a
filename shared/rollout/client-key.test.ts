import { describe, expect, test } from 'vitest';
import { cluster, request, snapshot } from '../decision/test-fixtures.ts';
import type { AppSnapshot } from '../domain/types.ts';
import { clientKeyMaterial, sessionCookie, type ClientHints } from './client-key.ts';
import { routeRollout } from './select-version.ts';
import type { RolloutView } from './types.ts';

const none: ClientHints = { sessionHeader: null, cookie: null, ip: null, userAgent: null };

describe('clientKeyMaterial', () => {
  test.each<[string, Partial<ClientHints>, string | null]>([
    ['nothing: none', {}, null],
    ['session header wins over everything', { sessionHeader: 'abc', cookie: 'sy_session=zzz', ip: '1.2.3.4', userAgent: 'ua' }, 'session-header'],
    ['session cookie next', { cookie: 'a=1; sy_session=zzz; b=2', ip: '1.2.3.4', userAgent: 'ua' }, 'session-cookie'],
    ['ip + user agent last', { ip: '1.2.3.4', userAgent: 'curl/8' }, 'ip-user-agent'],
    ['ip alone is not an identity (a whole NAT)', { ip: '1.2.3.4' }, null],
    ['user agent alone is not an identity', { userAgent: 'curl/8' }, null],
    ['blank session header falls through', { sessionHeader: '  ', ip: '1.2.3.4', userAgent: 'ua' }, 'ip-user-agent'],
    ['other cookies only', { cookie: 'sy_sessionx=1; a=2', ip: '1.2.3.4', userAgent: 'ua' }, 'ip-user-agent'],
  ])('%s', (_n, hints, source) => {
    expect(clientKeyMaterial('acme/chat', { ...none, ...hints })?.source ?? null).toBe(source);
  });

  test.each<[string, Partial<ClientHints>, Partial<ClientHints>, boolean]>([
    ['same ip + ua: same', { ip: '1.2.3.4', userAgent: 'ua' }, { ip: '1.2.3.4', userAgent: 'ua' }, true],
    ['other ip: different', { ip: '1.2.3.4', userAgent: 'ua' }, { ip: '1.2.3.5', userAgent: 'ua' }, false],
    ['other ua: different', { ip: '1.2.3.4', userAgent: 'ua' }, { ip: '1.2.3.4', userAgent: 'ub' }, false],
    ['same session from two ips: same', { sessionHeader: 's', ip: '1.1.1.1', userAgent: 'ua' }, { sessionHeader: 's', ip: '2.2.2.2', userAgent: 'ub' }, true],
    ['header and cookie of the same value: same', { sessionHeader: 's' }, { cookie: 'sy_session=s' }, true],
  ])('%s', (_n, a, b, same) => {
    expect(clientKeyMaterial('acme/chat', { ...none, ...a })?.material === clientKeyMaterial('acme/chat', { ...none, ...b })?.material).toBe(same);
  });

  test('apps do not share identities', () => {
    const h = { ...none, ip: '1.2.3.4', userAgent: 'ua' };
    expect(clientKeyMaterial('a/x', h)?.material).not.toBe(clientKeyMaterial('a/y', h)?.material);
  });

  test.each([
    [null, null],
    ['sy_session=abc', 'abc'],
    ['x=1;  sy_session = abc ; y=2', 'abc'],
    ['sy_session=', null],
  ] as const)('sessionCookie(%j) = %j', (cookie, want) => {
    expect(sessionCookie(cookie)).toBe(want);
  });
});

describe('keyless requests under a rollout', () => {
  const base = snapshot({ clusters: [cluster('us', 'us-east'), cluster('eu', 'eu-central')] });
  const versions = new Map([
    ['us', [{ clusterId: 'us', model: 'm', version: 'v1' }]],
    ['eu', [{ clusterId: 'eu', model: 'm', version: 'v2' }]],
  ]);
  const R: RolloutView = { id: 'ro', model: 'm', stable: 'v1', canary: 'v2', status: 'running', weightPct: 50, heldRegions: [] };
  const snap: AppSnapshot = { ...base, versions, rollout: R };
  const draws = Array.from({ length: 40 }, (_, i) => i / 40);

  test.each<[string, string | null, number]>([
    ['with a client key: one version over every draw', 'c:client-a', 1],
    ['another client key: one version too', 'c:client-b', 1],
    ['without one: the per-request draw flips between both', null, 2],
  ])('%s', (_n, clientKey, distinct) => {
    const seen = new Set(draws.map((r) => routeRollout(request({ affinityKey: null, jobKeyHash: null, clientKey }), snap, r).note?.version));
    expect(seen.size).toBe(distinct);
  });

  test('a job key still wins over the client key', () => {
    const a = routeRollout(request({ jobKeyHash: 'job-1', clientKey: 'c:x' }), snap, 0.1).note;
    const b = routeRollout(request({ jobKeyHash: 'job-1', clientKey: 'c:y' }), snap, 0.9).note;
    expect(a?.version).toBe(b?.version);
    expect(a?.reason).toBe('sticky-hash');
  });

});
