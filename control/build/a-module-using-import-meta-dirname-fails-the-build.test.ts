/**
 * The build gives each module its own source file's `import.meta.url`; `import.meta.dirname`,
 * `filename` and `resolve` it cannot rewrite would name the built file instead (an asset or a
 * thread entry looked for beside dist/). Such a module fails the build, naming itself.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tsxEsbuild } from '../../proxy/src/typescript-thread.ts';
import { ownSourceUrls, ROOT } from './build-dist.ts';

describe('the build and import.meta', () => {
  let dir: string;
  beforeAll(async () => {
    await mkdir(join(ROOT, '.switchyard'), { recursive: true });
    dir = await mkdtemp(join(ROOT, '.switchyard', 'meta-test-'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function build(source: string): Promise<string> {
    const file = join(dir, 'entry.ts');
    await writeFile(file, source);
    const out = await tsxEsbuild()?.build({ entryPoints: [file], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent', plugins: [ownSourceUrls(join(dir, 'out'))] });
    return out?.outputFiles?.[0]?.text ?? '';
  }

  it.each(['dirname', 'filename', 'resolve'])('import.meta.%s fails it, naming the module', async (member) => {
    const err = await build(`export const x = import.meta.${member};\n`).catch((e: unknown) => e);
    expect(String(err)).toContain(`entry.ts: import.meta.${member} would name the built file`);
  });

  it('import.meta.url becomes the source file URL, relative to the output', async () => {
    expect(await build('export const u = import.meta.url;\n')).toContain('new URL("../entry.ts", import.meta.url).href');
  });
});
