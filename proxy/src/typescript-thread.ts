/**
 * Boots a worker thread whose entry is a TypeScript module. From the built CLI (`npm run build`)
 * the thread is the plain-JS file the build made for that entry (dist/threads/): nothing is
 * compiled at run time and neither esbuild nor tsx need be installed. From source (tests,
 * `npx tsx`), the module is bundled once per process into one plain-JS script with tsx's own
 * esbuild (~0.2 s of CPU); booting through tsx's loader instead cost each thread ~1 s of CPU (its
 * loader thread, resolving and compiling every module again), and is the fallback when esbuild
 * cannot be loaded or the bundle fails.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildOptions } from 'esbuild';

/**
 * Set by the build (esbuild `define`, control/build/build-dist.ts), absent when running from
 * source: each thread entry (its path from the repository root) → its built file, relative to
 * the entry's own URL (dist/ stays beside the sources, so the pair moves together).
 */
declare const SWITCHYARD_BUILT_THREADS: Readonly<Record<string, string>> | undefined;

export interface ThreadBoot {
  /** For `new Worker(code, { eval: true })`. */
  readonly code: string;
  /** `built`: the build's file; `bundle`: bundled in this process; `tsx`: the fallback boot. */
  readonly via: 'built' | 'bundle' | 'tsx';
}

/** How a thread entry becomes one script: the same at build time and at run time. */
export const THREAD_BUNDLE = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' } as const satisfies BuildOptions;

const boots = new Map<string, Promise<ThreadBoot>>();

/** The boot code of the thread whose entry module is `entry` (read or bundled once per process). */
export function threadBoot(entry: URL): Promise<ThreadBoot> {
  let boot = boots.get(entry.href);
  if (boot === undefined) {
    const built = typeof SWITCHYARD_BUILT_THREADS === 'undefined' ? null : SWITCHYARD_BUILT_THREADS;
    boots.set(entry.href, (boot = built === null ? bundle(entry) : builtThread(entry, built)));
  }
  return boot;
}

/** tsx's entry for `register()`: its `require` entry is index.cjs, its `import` entry index.mjs beside it. */
function tsxApi(): string {
  return createRequire(import.meta.url).resolve('tsx/esm/api');
}

/** tsx's own esbuild (installed with tsx, which the built CLI does not need), else null. */
export function tsxEsbuild(): typeof import('esbuild') | null {
  try {
    return createRequire(tsxApi())('esbuild') as typeof import('esbuild');
  } catch {
    return null;
  }
}

/** The build's file for `entry`, from the build's map; an entry or file missing says how to fix it (exported for its test). */
export async function builtThread(entry: URL, built: Readonly<Record<string, string>>): Promise<ThreadBoot> {
  const key = Object.keys(built).find((k) => entry.pathname.endsWith(`/${k}`));
  const file = key === undefined ? undefined : built[key];
  if (file === undefined) throw new Error(`${fileURLToPath(entry)} was not built as a thread entry; add it to THREAD_ENTRIES in control/build/build-dist.ts and run npm run build`);
  const url = new URL(file, entry);
  try {
    return { code: await readFile(url, 'utf8'), via: 'built' };
  } catch (err) {
    throw new Error(`the built thread ${fileURLToPath(url)} cannot be read (${err instanceof Error ? err.message : String(err)}); run npm run build again`);
  }
}

async function bundle(entry: URL): Promise<ThreadBoot> {
  try {
    const esbuild = tsxEsbuild();
    if (esbuild === null) throw new Error('no esbuild');
    const out = await esbuild.build({ ...THREAD_BUNDLE, entryPoints: [fileURLToPath(entry)], write: false });
    const code = out.outputFiles[0]?.text;
    // An empty import.meta in the bundle would break at run time: such a module belongs outside the thread.
    if (code !== undefined && out.warnings.length === 0) return { code, via: 'bundle' };
  } catch {
    // No esbuild where tsx keeps it: boot through tsx.
  }
  const api = pathToFileURL(tsxApi().replace(/\.cjs$/, '.mjs')).href;
  return { code: `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, via: 'tsx' };
}
