/**
 * A CommonJS file loaded with V8's code cache, kept beside the packages (node_modules/.cache/switchyard/).
 * ECharts' single-file build is 1 MB of JavaScript that every report compiled afresh: ~0.1 s, a
 * fifth of replaying a small decision log end to end. V8 checks a cache against the source, its own
 * version and its flags (the file name carries `cachedDataVersionTag`, which covers both) and
 * rejects a mismatch; the file is then compiled as usual and the cache written again, and caches
 * of the file's earlier versions are removed. A cache that cannot be written (a read-only install)
 * costs only the saving. The cache sits with node_modules, not in a shared temporary directory:
 * compiled code is trusted as the packages are, and a cache file another account owns or may write
 * is not used.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, sep } from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';
import { threadId } from 'node:worker_threads';

export interface CachedModule {
  readonly exports: unknown;
  /** hit: compiled from the cache; miss: no cache yet; rejected: V8 refused the one there. */
  readonly cache: 'hit' | 'miss' | 'rejected';
  /**
   * Writes the cache when it was not used, best after the module's first real use: the functions
   * compiled by then are in it too. Later calls do nothing; failures are ignored.
   */
  save(): void;
}

/** Where a package file's cache lives: `<node_modules>/.cache/switchyard`, or null outside node_modules. */
export function cacheDirFor(file: string): string | null {
  const at = file.lastIndexOf(`${sep}node_modules${sep}`);
  return at < 0 ? null : join(file.slice(0, at), 'node_modules', '.cache', 'switchyard');
}

export function requireWithCodeCache(file: string, cacheDir: string | null = cacheDirFor(file)): CachedModule {
  const text = readFileSync(file, 'utf8');
  // As Node's loader: a leading byte-order mark is not JavaScript.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const cacheFile = cacheDir === null ? null : join(cacheDir, `${basename(file)}-${digest}-${cachedDataVersionTag()}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile !== null && ownedAlone(cacheFile)) cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  // Node's own CommonJS wrapper, so the file runs as `require` would run it.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const cache = cachedData === undefined ? 'miss' : script.cachedDataRejected === true ? 'rejected' : 'hit';
  let saved = cache === 'hit' || cacheFile === null;
  return {
    exports: module.exports,
    cache,
    save: () => {
      if (saved || cacheFile === null) return;
      saved = true;
      const tmp = `${cacheFile}.${process.pid}-${threadId}.tmp`;
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        // Written whole, then renamed: a reader never sees half a cache.
        writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
        renameSync(tmp, cacheFile);
        // Caches of the file's earlier versions are never read again (each V8 flag set keeps its own).
        const mine = new RegExp(`^${basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-([0-9a-f]{16})-\\d+\\.v8cache$`);
        for (const f of readdirSync(dirname(cacheFile))) {
          const version = mine.exec(f)?.[1];
          if (version !== undefined && version !== digest) rmSync(join(dirname(cacheFile), f), { force: true });
        }
      } catch {
        // read-only or full: the next load compiles again; a half-written file is not left behind
        try {
          rmSync(tmp, { force: true });
        } catch {
          // nothing more to do
        }
      }
    },
  };
}

/**
 * Whether a cache file is this user's and writable by nobody else: a cache is run as compiled code, so
 * one another account could have written (a shared or restored cache folder) is not used.
 */
function ownedAlone(file: string): boolean {
  const st = statSync(file);
  return (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o022) === 0;
}
