import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_RULES } from '../../shared/domain/types.ts';
import { parseAppPath } from '../../shared/http/request-path.ts';
import { admitRequest, pathRefusal } from './request-admission.ts';

// A GET with a body cannot be built with `new Request` (workerd refuses), but arrives from the
// network; the check reads only method, headers and body.
const req = (method: string, headers: Record<string, string>, body: unknown = null): Request =>
  ({ method, headers: new Headers(headers), body }) as unknown as Request;

describe('admitRequest', () => {
  it.each([
    ['GET without body', req('GET', {}), null],
    ['GET with content-length', req('GET', { 'content-length': '5' }), 'body-not-allowed'],
    ['HEAD chunked', req('HEAD', { 'transfer-encoding': 'chunked' }), 'body-not-allowed'],
    ['GET with a body stream', req('GET', {}, {}), 'body-not-allowed'],
    ['POST at the limit', req('POST', { 'content-length': String(DEFAULT_REQUEST_RULES.maxBodyBytes) }), null],
    ['POST over the limit', req('POST', { 'content-length': String(DEFAULT_REQUEST_RULES.maxBodyBytes + 1) }), 'body-too-large'],
  ])('%s → %s', (_name, request, expected) => {
    expect(admitRequest(request, 'acme/chat', 'v1/chat/completions', DEFAULT_REQUEST_RULES)?.code ?? null).toBe(expected);
  });

  it('refuses functions the app does not declare', () => {
    expect(admitRequest(req('GET', {}), 'acme/chat', '_control', DEFAULT_REQUEST_RULES)?.status).toBe(404);
  });

  it('keeps the declared functions out of the answer and in the log detail (L8)', () => {
    const rules = { ...DEFAULT_REQUEST_RULES, functions: ['v1/chat/completions', 'v1/models'] };
    const err = admitRequest(req('GET', {}), 'acme/chat', '_control', rules);
    expect(err?.message).not.toContain('v1/');
    expect(err?.details).toBeUndefined();
    expect(err?.logDetail).toContain('v1/chat/completions, v1/models');
  });
});

describe('pathRefusal', () => {
  // "/v4/acme/chat" (no function) used to read "… expected /v4/<project>/<app>/<function>. Use
  // /v4/<project>/<app>/<function>.": the shape said twice.
  it.each(['/v4/acme/chat', '/v4/acme', '/v4/acme/chat/a//b'])('%s: names the path and the shape once', (path) => {
    const parsed = parseAppPath(path);
    if (parsed.ok) throw new Error(`${path} parsed`);
    const err = pathRefusal(path, parsed);
    expect(err.status).toBe(400);
    expect(err.message).toContain(`"${path}" is not a canonical app path`);
    expect(err.message.split('/v4/<project>/<app>/<function>').length - 1).toBe(1);
  });
});
