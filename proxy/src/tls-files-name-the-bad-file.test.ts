/**
 * An unusable TLS certificate or key is a startup error that names the setting, the file and what
 * is wrong, before the proxy opens anything, where Node said `EISDIR: illegal operation on a
 * directory, read` or `error:0480006C:PEM routines::no start line` and named no file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCert } from '../test/self-signed-cert.ts';
import { serveProxy } from './server.ts';
import { checkTlsFiles } from './tls-files.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-proxy-tls-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS files the proxy cannot use', () => {
  let cert: string;
  let key: string;
  let otherKey: string;
  const garbage = join(dir, 'garbage.pem');
  const missing = join(dir, 'missing.pem');
  beforeAll(async () => {
    ({ certFile: cert, keyFile: key } = await selfSignedCert());
    otherKey = (await selfSignedCert()).keyFile;
    writeFileSync(garbage, 'not a pem\n');
  });

  const start = (certFile: string, keyFile: string): Promise<unknown> =>
    serveProxy({
      env: { PROXY_ID: 'p1', PROXY_AUTH_DISABLED: 'true', PROXY_ENDPOINTS_FILE: missing, PROXY_TLS_CERT_FILE: certFile, PROXY_TLS_KEY_FILE: keyFile },
    });

  it.each([
    { what: 'a missing certificate', files: () => [missing, key], says: () => `tlsCertFile (PROXY_TLS_CERT_FILE) ${missing}: cannot read it (no such file)` },
    { what: 'a directory as the key', files: () => [cert, dir], says: () => `tlsKeyFile (PROXY_TLS_KEY_FILE) ${dir}: cannot read it (it is a directory)` },
    { what: 'a certificate that is not PEM', files: () => [garbage, key], says: () => `tlsCertFile (PROXY_TLS_CERT_FILE) ${garbage}: not a PEM certificate (PEM routines::no start line)` },
    { what: 'a key that is not PEM', files: () => [cert, garbage], says: () => `tlsKeyFile (PROXY_TLS_KEY_FILE) ${garbage}: not a PEM private key without a passphrase (` },
    { what: "another certificate's key", files: () => [cert, otherKey], says: () => `tlsKeyFile (PROXY_TLS_KEY_FILE) ${otherKey}: not the private key of the certificate in ${cert}` },
  ])('$what is named before anything opens', async ({ files, says }) => {
    const [c, k] = files() as [string, string];
    await expect(start(c, k)).rejects.toThrow(says());
  });

  it('passes a certificate with its own key', async () => {
    await expect(checkTlsFiles({ tlsCertFile: cert, tlsKeyFile: key })).resolves.toBeUndefined();
  });
});
