/**
 * The dashboard's files: its own script and stylesheet from public/, and the chart library's
 * browser build straight from node_modules (no CDN). Each is read and gzipped once at start.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  readonly gzip: Buffer;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const SOURCES: Readonly<Record<string, { path: () => string; type: string }>> = {
  'dashboard.js': { path: () => join(HERE, 'public/dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: () => join(HERE, 'public/dashboard.css'), type: 'text/css; charset=utf-8' },
  'echarts.min.js': { path: () => require.resolve('echarts/dist/echarts.min.js'), type: 'text/javascript; charset=utf-8' },
};

export async function loadAssets(): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>();
  await Promise.all(
    Object.entries(SOURCES).map(async ([name, s]) => {
      const body = await readFile(s.path());
      out.set(name, { type: s.type, body, gzip: gzipSync(body, { level: 9 }) });
    }),
  );
  return out;
}
