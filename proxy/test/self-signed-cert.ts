/** A throwaway self-signed certificate for 127.0.0.1 from the real openssl binary (for the proxy's TLS listener in tests). */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function selfSignedCert(): Promise<{ certFile: string; keyFile: string; ca: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'sy-proxy-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile, ca: await readFile(certFile) };
}
