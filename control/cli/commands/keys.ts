import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { generateKeyPair } from '../../../shared/tokens/keys.ts';
import { KEY_ID_RULE } from '../../../shared/domain/key-id.ts';
import { keyIdArgument } from '../key-id-argument.ts';
import { describeCommand } from '../command-index.ts';

export const SIGNING_KEY_FILE = 'signing-key.jwk.json';
export const PUBLIC_KEYS_FILE = 'public-keys.jwks.json';
const DEFAULT_OUT = '.switchyard/keys';

export interface GenerateKeysOptions {
  readonly kid: string;
  readonly outDir: string;
  /** Replace an existing signing key, keeping old public keys so in-flight tokens still verify. */
  readonly rotate: boolean;
}

/** The keys already in the JWKS at `path` (none if there is no file); every problem names the file. */
function readPublicKeys(path: string): unknown[] {
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    const reason = err instanceof SyntaxError ? 'not valid JSON' : `cannot read it (${String(err)})`;
    throw new Error(`${path}: ${reason}; it should be the JWKS ({"keys": [...]}) an earlier \`keys generate\` wrote: fix it or move it away and retry`);
  }
  const keys = typeof parsed === 'object' && parsed !== null ? (parsed as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) throw new Error(`${path} is not a JWKS ({"keys": [...]}); move it away and retry`);
  return keys;
}

/** A --out that is a file is named as such; mkdir said only EEXIST. */
function refuseFileAsOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new Error(`--out ${dir} is a file, not a directory: name a directory for the keys (default ${DEFAULT_OUT})`);
  }
}

/** `dir`, created if missing; a failure (a file on the way: ENOTDIR, no permission) names it. */
function makeOutDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`--out ${dir}: cannot create the directory (${code}): name a directory you can write`);
  }
}

/** Write a new Ed25519 signing key (mode 0600) and add its public key to the JWKS. Returns the paths. */
export async function generateKeys(
  options: GenerateKeysOptions,
): Promise<{ signingKey: string; publicKeys: string }> {
  const dir = resolve(options.outDir);
  // Before anything is read or generated: a bad --out is the first thing to fix.
  refuseFileAsOutDir(dir);
  const signingKey = join(dir, SIGNING_KEY_FILE);
  const publicKeys = join(dir, PUBLIC_KEYS_FILE);
  if (existsSync(signingKey) && !options.rotate) {
    throw new Error(
      `${signingKey} already exists: pass --rotate to replace it (old public keys stay trusted) or choose another --out`,
    );
  }
  const existing = readPublicKeys(publicKeys);
  if (
    existing.some(
      (k) => typeof k === 'object' && k !== null && (k as { kid?: unknown }).kid === options.kid,
    )
  ) {
    throw new Error(`kid ${options.kid} is already in ${publicKeys}: choose another --kid`);
  }
  const pair = await generateKeyPair(options.kid, '--kid');
  makeOutDir(dir);
  writeFileSync(signingKey, `${JSON.stringify(pair.privateJwk, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode applies only when creating; a rotated file keeps whatever mode it had.
  chmodSync(signingKey, 0o600);
  writeFileSync(
    publicKeys,
    `${JSON.stringify({ keys: [...existing, pair.publicJwk] }, null, 2)}\n`,
  );
  return { signingKey, publicKeys };
}

const defaultKid = (): string =>
  `k-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;

/** `switchyard keys generate [--kid ID] [--out DIR] [--rotate]` */
export function register(program: Command): void {
  const keys = program.command('keys').description(describeCommand('keys'));
  keys
    .command('generate')
    .description(
      `write an Ed25519 signing key (${SIGNING_KEY_FILE}, for the edge) and ${PUBLIC_KEYS_FILE} (for proxies)`,
    )
    .option('--kid <id>', `key id, ${KEY_ID_RULE} (default: k-<date>-<random>)`, keyIdArgument)
    .option('--out <dir>', 'output directory', DEFAULT_OUT)
    .option('--rotate', 'replace an existing signing key; its public key stays in the JWKS', false)
    .action(async (opts: { kid?: string; out: string; rotate: boolean }) => {
      const kid = opts.kid ?? defaultKid();
      const paths = await generateKeys({ kid, outDir: opts.out, rotate: opts.rotate });
      process.stdout.write(
        `generated Ed25519 key ${kid}\n` +
          `  signing key (keep secret, edge only): ${paths.signingKey}\n` +
          `  public keys (give to proxies):        ${paths.publicKeys}\n`,
      );
    });
}
