/**
 * Answers the edge got wrong for requests a client sends wrong (found by probing the edge with
 * hostile input): a raw backslash in the path was served (WHATWG URL parsing made it a `/`, where
 * the proxy refuses it); `/v4foo`, `/tokenx`, `/explainer` were 400 `bad-path` rather than 404;
 * two Authorization headers were told to send the header they sent; `/health` answered any
 * method; an unknown answer mode was echoed back at any length.
 */
import { createExecutionContext, env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../src/index.ts';
import { call, fixtures, type ErrorJson } from './helpers.ts';

/** A request whose target is `rawPath` byte for byte, as workerd gives a served request. */
async function raw(rawPath: string): Promise<Response> {
  const request = new Request(`https://edge.test/`, { headers: { authorization: `Bearer ${fixtures.keys.acme}` } });
  Object.defineProperty(request, 'url', { value: `https://edge.test${rawPath}` });
  return worker.fetch(request, env as never, createExecutionContext());
}

const code = async (res: Response): Promise<string> => ((await res.json()) as ErrorJson).error.code;

describe('malformed requests get precise answers', () => {
  it.each(['/v4/acme/chat/v1\\models', '/v4/acme/chat\\v1', '/token/v4/acme/chat/v1\\models'])('a raw backslash in %s is 400 bad-path', async (path) => {
    const res = await raw(path);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('bad-path');
  });

  it.each(['/v4foo', '/tokenx', '/tokens/v4/acme/chat/v1/models', '/explainer'])('%s only shares a prefix: 404 not-found', async (path) => {
    const res = await call(path);
    expect(res.status).toBe(404);
    expect(await code(res)).toBe('not-found');
  });

  it.each(['/v4', '/v4/', '/token/v4', '/explain'])('%s is a malformed app route: 400 bad-path', async (path) => {
    const res = await call(path);
    expect(res.status).toBe(400);
    expect(await code(res)).toBe('bad-path');
  });

  it('two Authorization headers are told so', async () => {
    const headers = new Headers();
    headers.append('authorization', `Bearer ${fixtures.keys.acme}`);
    headers.append('authorization', `Bearer ${fixtures.keys.acme}`);
    const res = await call('/v4/acme/chat/generate', { key: null, init: { headers } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as ErrorJson).error.message).toMatch(/more than one Authorization header/);
  });

  it.each(['POST', 'DELETE'])('%s /health is 405 with Allow', async (method) => {
    const res = await call('/health', { init: { method } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(await code(res)).toBe('method-not-allowed');
  });

  it('an unknown answer mode is echoed at most 64 characters long', async () => {
    const res = await call(`/v4/acme/chat/generate?sy_mode=${'a'.repeat(60_000)}`);
    expect(res.status).toBe(400);
    expect((await res.text()).length).toBeLessThan(300);
  });
});
