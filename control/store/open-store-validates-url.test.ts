import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openStore, validateStoreUrl } from './open-store.ts';

const accepted = [
  ':memory:',
  'file:relative/path.db',
  'file:/abs/path.db',
  'http://127.0.0.1:8080',
  'https://db.example.com',
  'libsql://db-org.turso.io',
  'ws://127.0.0.1:8080',
  'wss://user:pass@db.example.com',
];
const refused: Array<[string, RegExp]> = [
  ['', /is not supported/],
  ['switchyard.db', /is not supported/],
  // A bare path is the common slip: the message says what to write instead.
  ['.switchyard/dev/switchyard.db', /did you mean file:\.switchyard\/dev\/switchyard\.db\?/],
  ['/var/lib/sy.db', /did you mean file:\/var\/lib\/sy\.db\?/],
  ['postgres://localhost/db', /is not supported: it has scheme postgres:; use file:PATH, libsql:\/\/HOST, http\(s\):\/\/HOST\[:PORT\], ws\(s\)/],
  ['file:', /needs a path/],
  ['http://', /no valid host/],
  // fetch refused it with an error that printed the password.
  ['http://user:secret@127.0.0.1:8080', /"http:\/\/127\.0\.0\.1:8080" carries a user name or password: give the database token with --auth-token or LIBSQL_AUTH_TOKEN/],
];

test.each(accepted)('accepts %s', (url) => {
  expect(() => validateStoreUrl(url)).not.toThrow();
});

test.each(refused)('refuses %j with invalid-url', (url, message) => {
  expect(() => openStore({ url })).toThrow(message);
  expect(() => openStore({ url })).toThrow(expect.objectContaining({ code: 'invalid-url' }));
});

test(':memory: and file: stores execute statements', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-open-'));
  for (const url of [':memory:', `file:${join(dir, 'a.db')}`]) {
    const store = openStore({ url });
    try {
      const rs = await store.client.execute('SELECT 1 + 1 AS two');
      expect(rs.rows[0]?.['two']).toBe(2);
    } finally {
      store.close();
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test('a file: URL whose directory is missing names that directory, not a bare libSQL code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-open-'));
  try {
    const missing = join(dir, 'no-such-dir');
    const url = `file:${join(missing, 'x.db')}`;
    expect(() => openStore({ url })).toThrow(`its directory ${missing} does not exist`);
    expect(() => openStore({ url })).toThrow(expect.objectContaining({ code: 'invalid-url' }));
    expect(() => openStore({ url: `file:${dir}` })).toThrow(`${dir} is a directory`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
