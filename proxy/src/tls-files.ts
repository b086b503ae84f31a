/**
 * The TLS listener's certificate and key files, checked once before the proxy opens anything (as
 * the JWKS is): each failure names the setting, the file and what is wrong with it, where Node's
 * own errors named neither (`EISDIR: illegal operation on a directory, read`,
 * `error:0480006C:PEM routines::no start line`, `key values mismatch`). In a cluster the check runs
 * in the primary, so a bad file fails the start before any worker is forked.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { ProxyConfig } from './config.ts';
import { unreadableReason } from './file-reasons.ts';

const CERT = 'tlsCertFile (PROXY_TLS_CERT_FILE)';
const KEY = 'tlsKeyFile (PROXY_TLS_KEY_FILE)';

/** A TLS certificate or key file the proxy cannot use; the message says which and why. */
export class TlsFileError extends Error {
  readonly code = 'tls-file-unusable';
  constructor(message: string) {
    super(message);
    this.name = 'TlsFileError';
  }
}

async function readSetting(setting: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new TlsFileError(`${setting} ${path}: cannot read it (${unreadableReason(err)})`);
  }
}

/** OpenSSL's reason without its numeric prefix: `error:0480006C:PEM routines::no start line` → `PEM routines::no start line`. */
function reasonOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^error:[0-9A-F]+:/, '');
}

/**
 * Reads and checks the configured certificate (first PEM block: the server's own) and private
 * key, and that the key is the certificate's. Nothing when TLS is off.
 */
export async function checkTlsFiles(config: Pick<ProxyConfig, 'tlsCertFile' | 'tlsKeyFile'>): Promise<void> {
  if (config.tlsCertFile === null || config.tlsKeyFile === null) return;
  const [certPem, keyPem] = [await readSetting(CERT, config.tlsCertFile), await readSetting(KEY, config.tlsKeyFile)];
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (err) {
    throw new TlsFileError(`${CERT} ${config.tlsCertFile}: not a PEM certificate (${reasonOf(err)})`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    throw new TlsFileError(`${KEY} ${config.tlsKeyFile}: not a PEM private key without a passphrase (${reasonOf(err)})`);
  }
  if (!cert.checkPrivateKey(key))
    throw new TlsFileError(`${KEY} ${config.tlsKeyFile}: not the private key of the certificate in ${config.tlsCertFile} (${CERT})`);
}
