/**
 * A key file or key directory that cannot be used is named, with what is wrong, by `keys
 * generate` and `proxy`: they said only "Expected property name … in JSON at position 1",
 * "EEXIST: file already exists, mkdir" or "Unexpected token 'k', "keys: …" is not valid JSON" —
 * and a proxy with several workers kept its primary up, serving nothing, while each worker failed.
 * The CLI in-process (run-cli-in-process.ts), real files; the proxy reads a real migrated database.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTempStore, type TempStore } from '../../store/test-fixtures.ts';
import { runCliInProcess } from '../run-cli-in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-key-files-'));
let store: TempStore;
beforeAll(async () => {
  store = await openTempStore();
});
afterAll(() => {
  store.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const badJwksDir = join(dir, 'bad-jwks');
mkdirSync(badJwksDir);
const badJwks = file('bad-jwks/public-keys.jwks.json', '{bad');
const aFile = file('a-file', 'not a directory');
const yamlJwks = file('jwks.yaml', 'keys:\n  - kid: a\n');
const rsaJwks = file(
  'rsa.json',
  JSON.stringify({ keys: [{ kty: 'RSA', kid: 'a', n: 'x', e: 'AQAB' }] }),
);

test.each([
  [
    'an --out whose JWKS is not JSON',
    ['keys', 'generate', '--out', badJwksDir],
    `${badJwks}: not valid JSON; it should be the JWKS ({"keys": [...]})`,
  ],
  [
    'an --out that is a file',
    ['keys', 'generate', '--out', aFile],
    `--out ${aFile} is a file, not a directory`,
  ],
  [
    'an --out under a file',
    ['keys', 'generate', '--out', join(aFile, 'sub')],
    `--out ${join(aFile, 'sub')}: cannot create the directory (ENOTDIR)`,
  ],
])(
  'keys generate with %s names the file',
  async (_what, args, said) => {
    const r = await runCliInProcess(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(said);
  },
  60_000,
);

test.each([
  [
    'a YAML file',
    '1',
    yamlJwks,
    `JWKS file ${yamlJwks}: not valid JSON (a JWKS is JSON, {"keys": [...]}`,
  ],
  [
    'a YAML file, two workers',
    '2',
    yamlJwks,
    `JWKS file ${yamlJwks}: not valid JSON (a JWKS is JSON, {"keys": [...]}`,
  ],
  [
    'a missing file',
    '1',
    join(dir, 'missing.json'),
    `JWKS file ${join(dir, 'missing.json')} (--jwks-file / PROXY_JWKS_FILE): cannot read it (no such file)`,
  ],
  [
    'an RSA key',
    '1',
    rsaJwks,
    `JWKS file ${rsaJwks}: verification key #0: expected an Ed25519 key`,
  ],
])(
  'proxy with --jwks-file naming %s refuses to start naming the file',
  async (_what, workers, jwks, said) => {
    const args = [
      'proxy',
      '--id',
      'p1',
      '--region',
      'eu-west',
      '--port',
      '0',
      '--workers',
      workers,
      '--db',
      `file:${store.path}`,
      '--jwks-file',
      jwks,
    ];
    const r = await runCliInProcess(args, { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(said);
  },
  60_000,
);
