/**
 * Boots a worker thread whose entry is a TypeScript module. The module is bundled once per
 * process into one plain-JS script with tsx's own esbuild (~0.2 s); booting through tsx's loader
 * instead cost each thread ~1 s of CPU (its loader thread, resolving and compiling every module
 * again), and is the fallback when esbuild cannot be loaded or the bundle fails.
 */
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

// require.resolve gives the package's `require` entry (index.cjs); its `import` entry is index.mjs beside it.
const TSX_API_CJS = createRequire(import.meta.url).resolve('tsx/esm/api');
const TSX_API = pathToFileURL(TSX_API_CJS.replace(/\.cjs$/, '.mjs')).href;

export interface ThreadBoot {
  /** For `new Worker(code, { eval: true })`. */
  readonly code: string;
  /** `bundle`: plain JS, no loader in the thread; `tsx`: the fallback boot. */
  readonly via: 'bundle' | 'tsx';
}

const boots = new Map<string, Promise<ThreadBoot>>();

/** The boot code of the thread whose entry module is `entry` (bundled once per process). */
export function threadBoot(entry: URL): Promise<ThreadBoot> {
  let boot = boots.get(entry.href);
  if (boot === undefined) boots.set(entry.href, (boot = bundle(entry)));
  return boot;
}

/** tsx's own esbuild (tsx is a production dependency, so it is there wherever we run), else null. */
export function tsxEsbuild(): typeof import('esbuild') | null {
  try {
    return createRequire(TSX_API_CJS)('esbuild') as typeof import('esbuild');
  } catch {
    return null;
  }
}

async function bundle(entry: URL): Promise<ThreadBoot> {
  try {
    const esbuild = tsxEsbuild();
    if (esbuild === null) throw new Error('no esbuild');
    const out = await esbuild.build({ entryPoints: [fileURLToPath(entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    const code = out.outputFiles[0]?.text;
    // An empty import.meta in the bundle would break at run time: such a module belongs outside the thread.
    if (code !== undefined && out.warnings.length === 0) return { code, via: 'bundle' };
  } catch {
    // No esbuild where tsx keeps it: boot through tsx.
  }
  return { code: `import(${JSON.stringify(TSX_API)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`, via: 'tsx' };
}
