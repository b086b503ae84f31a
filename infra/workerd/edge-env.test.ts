import { describe, expect, it } from 'vitest';
import { DbEnvError } from '../../shared/env/db-env.ts';
import { edgeWorkerEnv } from './edge-env.ts';

const VARS = { LIBSQL_URL: 'http://127.0.0.1:8080', EDGE_AUTH: 'on' };
const VARIABLES = ['LIBSQL_URL', 'LIBSQL_AUTH_TOKEN', 'EDGE_AUTH'];
type Raw = Record<string, string | undefined>;

describe('the edge reads its database by the one DB env rule (shared/env/db-env.ts)', () => {
  it.each<[string, Raw, Raw, { LIBSQL_URL: string; LIBSQL_AUTH_TOKEN?: string }]>([
    ['nothing set: wrangler.toml default', {}, {}, { LIBSQL_URL: 'http://127.0.0.1:8080' }],
    ['LIBSQL_URL in the environment', { LIBSQL_URL: 'libsql://a' }, {}, { LIBSQL_URL: 'libsql://a' }],
    ['the alias SWITCHYARD_DB_URL in the environment', { SWITCHYARD_DB_URL: 'libsql://b' }, {}, { LIBSQL_URL: 'libsql://b' }],
    ['the token alias SWITCHYARD_DB_AUTH_TOKEN', { SWITCHYARD_DB_URL: 'libsql://b', SWITCHYARD_DB_AUTH_TOKEN: 't' }, {}, { LIBSQL_URL: 'libsql://b', LIBSQL_AUTH_TOKEN: 't' }],
    ['both names, equal', { LIBSQL_URL: 'libsql://a', SWITCHYARD_DB_URL: 'libsql://a' }, {}, { LIBSQL_URL: 'libsql://a' }],
    ['the alias in the env file', {}, { SWITCHYARD_DB_URL: 'libsql://c' }, { LIBSQL_URL: 'libsql://c' }],
    ['the env file over the environment, whichever name each uses', { LIBSQL_URL: 'libsql://a' }, { SWITCHYARD_DB_URL: 'libsql://c' }, { LIBSQL_URL: 'libsql://c' }],
    ['a blank alias counts as unset', { LIBSQL_URL: 'libsql://a', SWITCHYARD_DB_URL: ' ' }, {}, { LIBSQL_URL: 'libsql://a' }],
  ])('%s', (_name, processEnv, fileEnv, want) => {
    const env = edgeWorkerEnv(VARS, VARIABLES, processEnv, fileEnv);
    expect(env).toMatchObject({ ...want, EDGE_AUTH: 'on' });
    if (want.LIBSQL_AUTH_TOKEN === undefined) expect(env['LIBSQL_AUTH_TOKEN']).toBeUndefined();
  });

  it.each<[string, Raw, Raw]>([
    ['in the environment', { LIBSQL_URL: 'libsql://a', SWITCHYARD_DB_URL: 'libsql://b' }, {}],
    ['in the env file', {}, { LIBSQL_URL: 'libsql://a', SWITCHYARD_DB_URL: 'libsql://b' }],
  ])('refuses both names set to different values %s, naming both', (_name, processEnv, fileEnv) => {
    expect(() => edgeWorkerEnv(VARS, VARIABLES, processEnv, fileEnv)).toThrow(DbEnvError);
    expect(() => edgeWorkerEnv(VARS, VARIABLES, processEnv, fileEnv)).toThrow(
      'LIBSQL_URL and SWITCHYARD_DB_URL are both set, to different values: set only LIBSQL_URL',
    );
  });
});
