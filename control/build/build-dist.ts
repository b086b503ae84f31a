/**
 * `npm run build`: the `switchyard` CLI as plain JavaScript in `dist/` (ESM, one chunk per command,
 * packages left to node_modules), for production: `node dist/main.mjs proxy`. Run through tsx, every
 * process (a proxy's primary and each of its workers) spent ~1 s of CPU and ~37 MB of memory on
 * tsx's loader thread and on compiling ~430 modules at start; from `dist/` none of that. The
 * worker threads' entries are built too (`dist/threads/`), so the built CLI needs neither tsx nor
 * esbuild at run time. `npm start` and the tests keep running the TypeScript through tsx.
 *
 * `dist/` must stay beside the sources it was built from: `import.meta.url` in a module becomes
 * that module's own source URL, relative to the output file (assets, thread entries and child
 * commands are found next to the .ts file), and packages resolve from the repository's node_modules.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { THREAD_BUNDLE, tsxEsbuild } from '../../proxy/src/typescript-thread.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The CLI's entry module; `dist/main.mjs` is built from it. */
const ENTRY = join(ROOT, 'control/cli/main.ts');

/**
 * Every module `threadBoot` starts a thread from (proxy/src/typescript-thread.ts): each is built
 * into one self-contained script in dist/threads/, so the built CLI needs neither esbuild nor tsx
 * at run time. A thread entry missing here fails the built CLI with a message naming this list.
 */
export const THREAD_ENTRIES: readonly string[] = ['proxy/src/body-parse-thread.ts', 'backtest/replay/replay-worker.ts'];

export interface BuiltDist {
  readonly outDir: string;
  /** `node <entry> <command> …` runs the CLI. */
  readonly entry: string;
  readonly files: number;
  readonly ms: number;
}

/** Builds the CLI into `outDir` (emptied first); it must lie inside the repository (its node_modules). */
export async function buildDist(outDir: string = join(ROOT, 'dist')): Promise<BuiltDist> {
  const out = resolve(outDir);
  if (!out.startsWith(ROOT + sep)) throw new Error(`build: the output directory must be inside ${ROOT} (packages resolve from its node_modules), got ${out}`);
  const esbuild = tsxEsbuild();
  if (esbuild === null) throw new Error('build: esbuild (installed with tsx) cannot be loaded; run npm ci');
  const t0 = performance.now();
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const threads = await buildThreads(esbuild, out);
  const result = await esbuild.build({
    entryPoints: { main: ENTRY },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    // Class and function names survive bundling: errors and logs name them.
    keepNames: true,
    sourcemap: 'linked',
    logLevel: 'silent',
    define: { SWITCHYARD_BUILT_THREADS: JSON.stringify(threads) },
    plugins: [ownSourceUrls(out)],
  });
  if (result.warnings.length > 0) throw new Error(`build: ${result.warnings.map((w) => w.text).join('; ')}`);
  // Node reads .mjs as ESM wherever it lies; the marker keeps tools that look for one from guessing.
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
  const files = Object.keys(result.metafile?.outputs ?? {}).length + THREAD_ENTRIES.length;
  return { outDir: out, entry: join(out, 'main.mjs'), files, ms: performance.now() - t0 };
}

/**
 * Builds each thread entry into `outDir/threads/<name>.cjs` as the run-time bundle would make it;
 * returns entry (from the root) → built file relative to the entry, for `threadBoot`.
 */
async function buildThreads(esbuild: typeof import('esbuild'), outDir: string): Promise<Record<string, string>> {
  const built: Record<string, string> = {};
  for (const entry of THREAD_ENTRIES) {
    const source = join(ROOT, entry);
    const file = join(outDir, 'threads', `${basename(entry, '.ts')}.cjs`);
    const result = await esbuild.build({ ...THREAD_BUNDLE, entryPoints: [source], outfile: file });
    // A warning (an import.meta the CommonJS script would leave empty) would break the thread at run time.
    if (result.warnings.length > 0) throw new Error(`build: thread ${entry}: ${result.warnings.map((w) => w.text).join('; ')}`);
    built[entry] = relative(dirname(source), file).split(sep).join('/');
  }
  return built;
}

/**
 * The expression rewritten, spelt so it never appears in this file's own strings: the build
 * rewrites this file too, and a literal here became the source URL in the built CLI, so the
 * builds `switchyard dev` makes from `node dist/main.mjs` rewrote nothing (the dashboard looked
 * for its files beside the bundle and the stack failed to start).
 */
const META_URL = ['import', 'meta', 'url'].join('.');

/** import.meta's other file-relative members; in a bundle they would name the bundle's file. */
const OTHER_FILE_MEMBERS = /\bimport\.meta\.(dirname|filename|resolve)\b/;

/**
 * Each of our modules keeps its own `import.meta.url`: its source file's, relative to the bundle.
 * A module using import.meta's dirname, filename or resolve fails the build (exported for its test).
 */
export function ownSourceUrls(outDir: string): import('esbuild').Plugin {
  return {
    name: 'own-source-urls',
    setup(build) {
      build.initialOptions.metafile = true;
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        const rel = relative(outDir, args.path).split(sep).join('/');
        const other = OTHER_FILE_MEMBERS.exec(source);
        if (other !== null) return { errors: [{ text: `${relative(ROOT, args.path)}: ${other[0]} would name the built file, not this one; derive it from ${META_URL}` }] };
        const url = `new URL(${JSON.stringify(rel)}, ${META_URL}).href`;
        return { contents: source.replaceAll(META_URL, url), loader: 'ts' };
      });
    },
  };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  buildDist(process.argv[2]).then(
    (b) => console.log(`built ${relative(process.cwd(), b.entry) || b.entry} (${b.files} files) in ${Math.round(b.ms)} ms`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
