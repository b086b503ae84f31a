/** `switchyard keys generate`, in-process (run-cli-in-process.ts); the written files are used for real. */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';
import type { CliResult } from '../run-cli.ts';
import { importSigningKey, importVerificationKeys } from '../../../shared/tokens/keys.ts';
import { signRoutingToken } from '../../../shared/tokens/sign.ts';
import { verifyRoutingToken } from '../../../shared/tokens/verify.ts';
import { generateKeys, PUBLIC_KEYS_FILE, SIGNING_KEY_FILE } from './keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-keys-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]): Promise<CliResult> => runCliInProcess(args, { cwd: dir });

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8')) as unknown;

test('generate writes a 0600 private JWK and a JWKS, never prints the key; --rotate keeps old public keys', async () => {
  const out = join(dir, 'k');
  const first = await cli(['keys', 'generate', '--kid', 'one', '--out', out]);
  expect(first.code).toBe(0);
  const signingPath = join(out, SIGNING_KEY_FILE);
  const publicPath = join(out, PUBLIC_KEYS_FILE);
  expect(first.stdout).toContain(signingPath);
  expect(first.stdout).toContain(publicPath);
  expect(statSync(signingPath).mode & 0o777).toBe(0o600);
  const privateJwk = readJson(signingPath) as { d: string };
  expect(first.stdout + first.stderr).not.toContain(privateJwk.d);

  // The files work: sign with the private key, verify with the JWKS.
  const key = await importSigningKey(privateJwk);
  const trusted = await importVerificationKeys(readJson(publicPath) as { keys: unknown[] });
  const claims = { aud: 'p', app: 'a/b', fn: '*', cluster: 'c', fallbacks: [], did: 'd' };
  const token = await signRoutingToken(claims, key, { now: 1_000_000, ttlSeconds: 30 });
  expect(await verifyRoutingToken(token, trusted, { now: 1_000_000, audience: 'p' })).toMatchObject(
    { ok: true, kid: 'one' },
  );

  const again = await cli(['keys', 'generate', '--kid', 'two', '--out', out]);
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('--rotate');

  // Rotation through the function the command calls.
  await generateKeys({ kid: 'two', outDir: out, rotate: true });
  const jwks = readJson(publicPath) as { keys: Array<{ kid: string; d?: string }> };
  expect(jwks.keys.map((k) => k.kid)).toEqual(['one', 'two']);
  expect(jwks.keys.every((k) => k.d === undefined)).toBe(true);
  expect((readJson(signingPath) as { kid: string }).kid).toBe('two');
  expect(statSync(signingPath).mode & 0o777).toBe(0o600);
  // A token signed before the rotation still verifies against the new JWKS.
  const afterRotation = await importVerificationKeys(jwks);
  expect(
    await verifyRoutingToken(token, afterRotation, { now: 1_000_000, audience: 'p' }),
  ).toMatchObject({ ok: true });

  await expect(generateKeys({ kid: 'one', outDir: out, rotate: true })).rejects.toThrow(
    'kid one is already in',
  );
});

test('a bad --kid is named as the option, not as an internal function: a usage error', async () => {
  const bad = await cli(['keys', 'generate', '--kid', 'has space', '--out', join(dir, 'bad')]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("option '--kid <id>' argument 'has space' is invalid. a key id must be 1-64 characters");
  expect(bad.stderr).not.toContain('generateKeyPair');
});
