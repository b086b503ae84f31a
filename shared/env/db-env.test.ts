import { describe, expect, test } from 'vitest';
import { DbEnvError, readDbEnv, requireDbEnv } from './db-env.ts';

describe('readDbEnv: LIBSQL_* canonical, SWITCHYARD_DB_* accepted as aliases', () => {
  test.each([
    ['nothing set', {}, { url: undefined, authToken: undefined }],
    ['canonical names', { LIBSQL_URL: 'file:a.db', LIBSQL_AUTH_TOKEN: 't' }, { url: 'file:a.db', authToken: 't' }],
    ['aliases only', { SWITCHYARD_DB_URL: 'file:a.db', SWITCHYARD_DB_AUTH_TOKEN: 't' }, { url: 'file:a.db', authToken: 't' }],
    ['both names, same value', { LIBSQL_URL: 'file:a.db', SWITCHYARD_DB_URL: 'file:a.db' }, { url: 'file:a.db', authToken: undefined }],
    ['a blank canonical name leaves the alias', { LIBSQL_URL: ' ', SWITCHYARD_DB_URL: 'file:a.db' }, { url: 'file:a.db', authToken: undefined }],
    ['a blank alias is unset', { LIBSQL_URL: 'file:a.db', SWITCHYARD_DB_URL: '' }, { url: 'file:a.db', authToken: undefined }],
  ])('%s', (_name, env, want) => {
    expect(readDbEnv(env)).toEqual({ ok: true, value: want });
  });

  test.each([
    ['urls differ', { LIBSQL_URL: 'file:a.db', SWITCHYARD_DB_URL: 'file:b.db' }, ['LIBSQL_URL and SWITCHYARD_DB_URL are both set, to different values: set only LIBSQL_URL (SWITCHYARD_DB_URL is its older alias)']],
    ['tokens differ', { LIBSQL_AUTH_TOKEN: 'secret-1', SWITCHYARD_DB_AUTH_TOKEN: 'secret-2' }, ['LIBSQL_AUTH_TOKEN and SWITCHYARD_DB_AUTH_TOKEN are both set, to different values: set only LIBSQL_AUTH_TOKEN (SWITCHYARD_DB_AUTH_TOKEN is its older alias)']],
    [
      'both differ',
      { LIBSQL_URL: 'file:a.db', SWITCHYARD_DB_URL: 'file:b.db', LIBSQL_AUTH_TOKEN: 'x', SWITCHYARD_DB_AUTH_TOKEN: 'y' },
      [expect.stringMatching(/^LIBSQL_URL and SWITCHYARD_DB_URL/), expect.stringMatching(/^LIBSQL_AUTH_TOKEN and SWITCHYARD_DB_AUTH_TOKEN/)],
    ],
  ])('refused when %s, every conflict named, no value printed', (_name, env, messages) => {
    const r = readDbEnv(env);
    expect(r.ok ? [] : r.errors.map((e) => e.message)).toEqual(messages);
    expect(JSON.stringify(r)).not.toMatch(/secret-|file:/);
    expect(() => requireDbEnv(env)).toThrow(DbEnvError);
  });
});
