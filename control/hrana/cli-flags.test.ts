import { describe, expect, test } from 'vitest';
import { parseLibsqlServerFlags } from './cli-flags.ts';

describe('parseLibsqlServerFlags', () => {
  test.each([
    {
      name: 'defaults',
      flags: { db: 'a.db' },
      env: {},
      config: {
        dbPath: 'a.db',
        host: '127.0.0.1',
        port: 8080,
        authToken: undefined,
        streamIdleMs: 10000,
      },
    },
    {
      name: 'all flags',
      flags: { db: 'a.db', host: '0.0.0.0', port: '0', authToken: 't', streamIdleMs: '500' },
      env: {},
      config: { dbPath: 'a.db', host: '0.0.0.0', port: 0, authToken: 't', streamIdleMs: 500 },
    },
    {
      name: 'loopback without a token',
      flags: { db: 'a.db', host: 'localhost' },
      env: {},
      config: { host: 'localhost', authToken: undefined },
    },
    {
      name: 'token from env',
      flags: { db: 'a.db' },
      env: { LIBSQL_SERVER_AUTH_TOKEN: 'e' },
      config: { authToken: 'e' },
    },
    {
      name: 'flag beats env',
      flags: { db: 'a.db', authToken: 'f' },
      env: { LIBSQL_SERVER_AUTH_TOKEN: 'e' },
      config: { authToken: 'f' },
    },
  ])('valid: $name', ({ flags, env, config }) => {
    const parsed = parseLibsqlServerFlags(flags, env);
    expect(parsed).toMatchObject({ ok: true, config });
  });

  test.each([
    { name: 'missing db', flags: {}, errors: [/--db/] },
    { name: 'memory db', flags: { db: ':memory:' }, errors: [/--db must be a file/] },
    { name: 'port not a number', flags: { db: 'a.db', port: 'http' }, errors: [/--port/] },
    { name: 'port too big', flags: { db: 'a.db', port: '70000' }, errors: [/--port/] },
    { name: 'empty token', flags: { db: 'a.db', authToken: ' ' }, errors: [/--auth-token/] },
    // Auth was off unless a token was given, whatever the host: any SQL for the whole network.
    { name: 'another host without a token', flags: { db: 'a.db', host: '0.0.0.0' }, errors: [/^--host 0\.0\.0\.0 without --auth-token \(or LIBSQL_SERVER_AUTH_TOKEN\) would serve every SQL statement to anyone/] },
    {
      name: 'everything at once',
      flags: { port: '-1', streamIdleMs: '0' },
      errors: [/--db/, /--port/, /--stream-idle-ms/],
    },
  ])('invalid: $name', ({ flags, errors }) => {
    const parsed = parseLibsqlServerFlags(flags, {});
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toHaveLength(errors.length);
    errors.forEach((re, i) => expect(parsed.errors[i]).toMatch(re));
  });
});
