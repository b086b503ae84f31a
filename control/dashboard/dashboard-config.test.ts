import { describe, expect, it } from 'vitest';
import { DASHBOARD_DEFAULTS, parseDashboardConfig } from './dashboard-config.ts';

const KEY = 'k'.repeat(24);

describe('parseDashboardConfig (valid)', () => {
  it.each([
    { name: 'defaults', flags: { db: 'http://x' }, env: { SWITCHYARD_OPERATOR_KEY: KEY }, want: { ...DASHBOARD_DEFAULTS, dbUrl: 'http://x', operatorKey: KEY, dbAuthToken: undefined } },
    {
      name: 'env fallbacks',
      flags: {},
      env: { EDGE_OPERATOR_KEY: KEY, LIBSQL_URL: 'file:a.db', LIBSQL_AUTH_TOKEN: 't', SWITCHYARD_DASHBOARD_PORT: '9000' },
      want: { dbUrl: 'file:a.db', dbAuthToken: 't', port: 9000 },
    },
    {
      name: 'every flag',
      flags: { db: 'http://x', host: '0.0.0.0', port: '0', pollMs: '250', bucketMs: '2000', keepBuckets: '30', feedSize: '50', reportsDir: 'r', authToken: 'a' },
      env: { SWITCHYARD_OPERATOR_KEY: KEY },
      want: { host: '0.0.0.0', port: 0, pollMs: 250, bucketMs: 2000, keepBuckets: 30, feedSize: 50, reportsDir: 'r', dbAuthToken: 'a' },
    },
  ])('$name', ({ flags, env, want }) => {
    const r = parseDashboardConfig(flags, env);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config).toMatchObject(want);
  });
});

describe('parseDashboardConfig (invalid: every problem reported at once)', () => {
  it.each([
    { name: 'no key, no db', flags: {}, env: {}, want: ['SWITCHYARD_OPERATOR_KEY is required', '--db (or LIBSQL_URL) is required'] },
    { name: 'short key', flags: { db: 'http://x' }, env: { SWITCHYARD_OPERATOR_KEY: 'short' }, want: ['at least 16'] },
    {
      name: 'bad numbers',
      flags: { db: 'http://x', port: 'abc', pollMs: '5', bucketMs: '1.5', keepBuckets: '1', feedSize: '5000', host: '' },
      env: { SWITCHYARD_OPERATOR_KEY: KEY },
      want: ['--port', '--poll-ms', '--bucket-ms', '--keep-buckets', '--feed-size', '--host'],
    },
    // A URL libSQL cannot open is one of the problems, named by where it came from.
    { name: 'bad db URL', flags: { db: 'ftp://x', port: 'abc' }, env: { SWITCHYARD_OPERATOR_KEY: KEY }, want: ['--port', '--db "ftp://x" is not supported: it has scheme ftp:'] },
    { name: 'bad LIBSQL_URL', flags: {}, env: { SWITCHYARD_OPERATOR_KEY: KEY, LIBSQL_URL: 'a.db' }, want: ['LIBSQL_URL "a.db" is not supported: it has no scheme (did you mean file:a.db?)'] },
  ])('$name', ({ flags, env, want }) => {
    const r = parseDashboardConfig(flags, env);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(want.length);
      want.forEach((w, i) => expect(r.errors[i]).toContain(w));
    }
  });
});
