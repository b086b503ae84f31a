/**
 * Each load runs in a child process, as a report does: within one process V8 reuses a script it
 * compiled already, and the cache on disk would not be what was tested.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheDirFor } from './code-cache.ts';

const ECHARTS = createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LOAD = `
import { requireWithCodeCache } from ${JSON.stringify(new URL('./code-cache.ts', import.meta.url).href)};
const m = requireWithCodeCache(${JSON.stringify(ECHARTS)}, process.argv[1]);
const chart = m.exports.init(null, null, { renderer: 'svg', ssr: true, width: 400, height: 200 });
chart.setOption({ animation: false, xAxis: { type: 'value' }, yAxis: { type: 'value' }, series: [{ type: 'line', data: [[1, 2], [2, 5], [3, 4]] }] });
const svg = chart.renderToSVGString();
chart.dispose();
m.save();
console.log(JSON.stringify({ cache: m.cache, svg }));
`;

/** Loads ECharts through the cache in `cacheDir` in a new process, draws a chart, saves the cache. */
function load(cacheDir: string): { cache: string; svg: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LOAD, cacheDir], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(out) as { cache: string; svg: string };
}

describe('ECharts through the code cache', () => {
  it('compiles from the cache on the second load and draws the same chart', () => {
    const cache = join(dir, 'a');
    const first = load(cache);
    expect(first.cache).toBe('miss');
    expect(first.svg).toContain('<svg');
    expect(readdirSync(cache).filter((f) => f.endsWith('.v8cache'))).toHaveLength(1);
    const second = load(cache);
    expect(second.cache).toBe('hit');
    expect(second.svg).toBe(first.svg);
  }, 60_000);

  it("a new cache removes those of the library's earlier versions, not other files", () => {
    const cache = join(dir, 'c');
    mkdirSync(cache);
    writeFileSync(join(cache, 'echarts.min.js-0123456789abcdef-1.v8cache'), 'an older release');
    writeFileSync(join(cache, 'other.js-0123456789abcdef-1.v8cache'), 'another file');
    load(cache);
    const left = readdirSync(cache).sort();
    expect(left).toHaveLength(2);
    expect(left[0]).toMatch(/^echarts\.min\.js-[0-9a-f]{16}-\d+\.v8cache$/);
    expect(left[0]).not.toContain('0123456789abcdef');
    expect(left[1]).toBe('other.js-0123456789abcdef-1.v8cache');
  }, 60_000);

  it('a damaged cache is refused by V8, the file compiles as usual and the cache is written again', () => {
    const cache = join(dir, 'b');
    const drawn = load(cache).svg;
    const [file] = readdirSync(cache);
    writeFileSync(join(cache, file ?? ''), Buffer.alloc(4096, 7));
    const damaged = load(cache);
    expect(damaged.cache).toBe('rejected');
    expect(damaged.svg).toBe(drawn);
    expect(load(cache).cache).toBe('hit');
  }, 60_000);

  it('a cache file others may write is not used, and is replaced by one of our own', () => {
    const cache = join(dir, 'd');
    load(cache);
    const [file] = readdirSync(cache);
    chmodSync(join(cache, file ?? ''), 0o666);
    expect(load(cache).cache).toBe('miss');
    expect(statSync(join(cache, file ?? '')).mode & 0o022).toBe(0);
    expect(load(cache).cache).toBe('hit');
  }, 60_000);

  it('a cache that cannot be written costs nothing but the saving', () => {
    const blocker = join(dir, 'not-a-dir');
    writeFileSync(blocker, '');
    const m = load(join(blocker, 'cache'));
    expect(m.svg).toContain('<svg');
    expect(load(join(blocker, 'cache')).cache).toBe('miss');
  }, 60_000);

  it('keeps the cache with the packages, never in a shared directory', () => {
    expect(cacheDirFor(ECHARTS)).toMatch(/node_modules\/\.cache\/switchyard$/);
    expect(cacheDirFor('/tmp/elsewhere/lib.js')).toBeNull();
  });
});
