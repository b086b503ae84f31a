/**
 * The dashboard shows fleet internals, so everything but /health, /login and static files needs
 * the operator key: in a header, or through the sign-in form's HttpOnly SameSite=Strict session
 * cookie. The key never appears in a URL, a cookie or an answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_KEY_CHALLENGE } from '../../shared/http/operator-key-refusal.ts';
import { startTestDashboard, TEST_OPERATOR_KEY, withKey, type TestDashboard } from './test-fixtures.ts';

let d: TestDashboard;
beforeAll(async () => {
  d = await startTestDashboard();
});
afterAll(async () => d.close());

const form = (token: string, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  redirect: 'manual',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams({ token }).toString(),
});

describe('operator gate', () => {
  it.each<{ path: string; headers: Record<string, string>; status: number; code: string }>([
    { path: '/api/state', headers: {}, status: 401, code: 'operator-key-missing' },
    { path: '/api/state', headers: { 'x-switchyard-operator-key': 'wrong-key-wrong-key' }, status: 401, code: 'operator-key-wrong' },
    { path: '/api/state', headers: { authorization: 'Bearer wrong' }, status: 401, code: 'operator-key-wrong' },
    { path: '/events', headers: {}, status: 401, code: 'operator-key-missing' },
    { path: '/api/decisions/x', headers: {}, status: 401, code: 'operator-key-missing' },
    { path: '/api/traces', headers: {}, status: 401, code: 'operator-key-missing' },
  ])('$path with $headers → $status $code', async ({ path, headers, status, code }) => {
    const res = await fetch(`${d.url}${path}`, { headers });
    expect(res.status).toBe(status);
    // The edge answers a missing or wrong operator key the same way (shared/http/operator-key-refusal.ts).
    expect(res.headers.get('www-authenticate')).toBe(OPERATOR_KEY_CHALLENGE);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it.each(['/', '/traces', '/reports/x/report.html'])('a browser without a session asking for %s is sent to the sign-in form', async (path) => {
    const res = await fetch(`${d.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login');
  });

  it.each<{ name: string; headers: Record<string, string> }>([
    { name: 'header', headers: withKey },
    { name: 'bearer', headers: { authorization: `Bearer ${TEST_OPERATOR_KEY}` } },
  ])('the key in a $name opens the API', async ({ headers }) => {
    const res = await fetch(`${d.url}/api/state`, { headers });
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain(TEST_OPERATOR_KEY);
  });

  it('health, the sign-in form and static files need no key and reveal nothing', async () => {
    for (const path of ['/health', '/login', '/assets/dashboard.js', '/assets/echarts.min.js', '/assets/dashboard.css']) {
      const res = await fetch(`${d.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).not.toContain(TEST_OPERATOR_KEY);
    }
  });

  it('a wrong key at the form gets the form again with 401 and no cookie', async () => {
    const res = await fetch(`${d.url}/login`, form('nope'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(OPERATOR_KEY_CHALLENGE);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('not the operator key');
  });

  it.each<Record<string, string>>([
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1' },
  ])('a cross-site form post is refused: %j', async (headers) => {
    const res = await fetch(`${d.url}/login`, form(TEST_OPERATOR_KEY, headers));
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('signing in sets an HttpOnly SameSite=Strict session (not the key); signing out ends it', async () => {
    const res = await fetch(`${d.url}/login`, form(TEST_OPERATOR_KEY, { origin: d.url }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^switchyard_session=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=\//);
    expect(cookie).not.toContain(TEST_OPERATOR_KEY);
    const session = cookie.split(';')[0] ?? '';
    const page = await fetch(`${d.url}/`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const body = await page.text();
    expect(body).toContain('/assets/echarts.min.js');
    expect(body).not.toContain(TEST_OPERATOR_KEY);
    const out = await fetch(`${d.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session } });
    expect(out.status).toBe(303);
    expect((await fetch(`${d.url}/api/state`, { headers: { cookie: session } })).status).toBe(401);
  });

  it('signing out ends an open event stream', async () => {
    const login = await fetch(`${d.url}/login`, form(TEST_OPERATOR_KEY));
    const session = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const stream = await fetch(`${d.url}/events`, { headers: { cookie: session } });
    expect(stream.status).toBe(200);
    await fetch(`${d.url}/logout`, { method: 'POST', redirect: 'manual', headers: { cookie: session } });
    // The poller ticks every 100 ms; the next tick sees the session gone and ends the stream.
    const text = await stream.text();
    expect(text).toContain('event: state');
  });

  it('the chart library is served gzipped from node_modules when the browser accepts it', async () => {
    const res = await fetch(`${d.url}/assets/echarts.min.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBeGreaterThan(500_000);
  });

  it.each([
    { path: '/api/decisions/bad%20id', status: 400 },
    { path: '/api/decisions/unknown', status: 404 },
    { path: '/nope', status: 404 },
    { path: '/reports/..%2F..%2Fetc/passwd', status: 404 },
    { path: '/reports/x/other.txt', status: 404 },
  ])('$path → $status', async ({ path, status }) => {
    expect((await fetch(`${d.url}${path}`, { headers: withKey })).status).toBe(status);
  });

  it.each([
    { method: 'PUT', path: '/api/state', status: 405 },
    { method: 'GET', path: '/logout', status: 405 },
  ])('$method $path → $status', async ({ method, path, status }) => {
    expect((await fetch(`${d.url}${path}`, { method, headers: withKey })).status).toBe(status);
  });
});
