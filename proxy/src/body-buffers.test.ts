import { describe, expect, it } from 'vitest';
import type { ClientRequest } from './client-io.ts';
import { BodyBuffers, bufferedBodyBytes, type BufferedBodyFacts } from './body-buffers.ts';
import { ProxyError } from './errors.ts';

const req = (method: string, headers: Record<string, string>): ClientRequest => ({ method, headers }) as unknown as ClientRequest;
const facts = (f: Partial<Omit<BufferedBodyFacts, 'budgeted'>> & { budgeted?: boolean }): BufferedBodyFacts => ({
  asyncJob: false,
  readsPrompt: () => false,
  saltsPrompt: () => false,
  managedStreams: false,
  maxBodyBytes: 8_000_000,
  ...f,
  budgeted: () => f.budgeted === true,
});

describe('bufferedBodyBytes: which bodies the proxy holds whole, and how many bytes it charges', () => {
  it.each([
    ['a plain POST streams through', 'POST', { 'content-length': '5000' }, {}, 0],
    ['a GET never', 'GET', {}, { budgeted: true, asyncJob: true }, 0],
    ['a budgeted POST: its declared length', 'POST', { 'content-length': '5000' }, { budgeted: true }, 5000],
    ['a budgeted POST without a length is refused 411 unread', 'POST', { 'transfer-encoding': 'chunked' }, { budgeted: true }, 0],
    ['an empty body', 'POST', { 'content-length': '0' }, { budgeted: true }, 0],
    ['an async job, any method with a body', 'PUT', { 'content-length': '700' }, { asyncJob: true }, 700],
    ['a managed stream, JSON: read whole', 'POST', { 'content-length': '900', 'content-type': 'application/json' }, { managedStreams: true }, 900],
    ['a managed stream, chunked JSON: up to the app limit', 'POST', { 'transfer-encoding': 'chunked' }, { managedStreams: true }, 8_000_000],
    ['a managed app, multipart upload: streams through', 'POST', { 'content-length': '900', 'content-type': 'multipart/form-data; boundary=x' }, { managedStreams: true }, 0],
    ['an inference-aware prompt it reads', 'POST', { 'content-length': '1200' }, { readsPrompt: () => true }, 1200],
    ["a body that gets its project's cache salt", 'POST', { 'content-length': '1300' }, { saltsPrompt: (): boolean => true }, 1300],
    ["a chunked body that gets its project's cache salt: up to the app limit", 'POST', { 'transfer-encoding': 'chunked' }, { saltsPrompt: (): boolean => true }, 8_000_000],
  ])('%s', (_name, method, headers, f, bytes) => {
    expect(bufferedBodyBytes(req(method, headers), facts(f))).toBe(bytes);
  });
});

describe('BodyBuffers', () => {
  it('holds a project to half alone, lets another in, and gives bytes back once', () => {
    const b = new BodyBuffers(100);
    const first = b.hold('acme', 'acme/a', 40);
    expect(typeof first).toBe('function');
    expect(b.hold('acme', 'acme/b', 20)).toBeInstanceOf(ProxyError);
    expect(typeof b.hold('other', 'other/x', 30)).toBe('function');
    if (typeof first !== 'function') throw new Error('held');
    first();
    first();
    expect(b.held).toBe(30);
  });
  it('says when one body is more than a project may ever hold', () => {
    const r = new BodyBuffers(100).hold('acme', 'acme/a', 60);
    expect(r).toBeInstanceOf(ProxyError);
    expect((r as ProxyError).message).toMatch(/more than a project may hold/);
    expect((r as ProxyError).status).toBe(413);
  });
});
