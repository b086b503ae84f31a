/**
 * The in-region path answers 503 `store-unavailable` when it cannot read an app or a key. Its
 * message carried the foreign error's text to any caller, key or not: libSQL's errors name the
 * database's host, its answer, a file path (and any bug's TypeError named the proxy's code). The
 * caller now hears what to do; the cause goes to the operator's log, where it was never written.
 * Real libSQL (a migrated temp file) behind a switch that makes its reads fail.
 */
import type { Client } from '@libsql/client';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

const INTERNAL = 'SERVER_ERROR: Server returned HTTP status 502 from https://fleet-db-7.internal:8080';
let down = false;
const logged: string[] = [];
let f: InRegionFixture;

/** `client` whose reads fail while `down`, as libSQL's do when its server is unwell. */
function failingReads(client: Client): Client {
  return new Proxy(client, {
    get(target, name) {
      const own: unknown = Reflect.get(target, name);
      // The client's own methods run on it (its private fields), not on this wrapper.
      if (name !== 'batch') return typeof own === 'function' ? (own as (...a: unknown[]) => unknown).bind(target) : own;
      return (stmts: Parameters<Client['batch']>[0], mode: Parameters<Client['batch']>[1]) =>
        down && mode === 'read' ? Promise.reject(new Error(INTERNAL)) : target.batch(stmts, mode);
    },
  });
}

beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
  f = await startInRegionFixture('http://127.0.0.1:1', { wrapDb: failingReads, logger });
});
afterAll(() => f.close());

it('a caller gets 503 store-unavailable naming no host; the log has the cause', async () => {
  down = true;
  const res = await fetch(`${f.proxy.url}/v4/acme/never-read/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(res.status).toBe(503);
  expect(body.error.code).toBe('store-unavailable');
  expect(body.error.message).not.toContain('fleet-db-7');
  expect(body.error.message).not.toContain('SERVER_ERROR');
  expect(logged.some((l) => l.includes('fleet-db-7') && l.includes('acme/never-read'))).toBe(true);
});
