/**
 * The built CLI boots its threads from the files the build made (typescript-thread.ts). A thread
 * entry the build did not know, or a built file gone, is an error saying what to do, not a
 * thread that dies with a module-not-found from inside a script.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtThread } from './typescript-thread.ts';

describe('a built thread', () => {
  let dir: string;
  let entry: URL;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'built-thread-'));
    await writeFile(join(dir, 'thread.cjs'), 'module.exports = 1;\n');
    entry = pathToFileURL(join(dir, 'src', 'the-thread.ts'));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('is the file the map names, relative to the entry', async () => {
    const name = `${dir.split('/').pop() ?? ''}/src/the-thread.ts`;
    expect(await builtThread(entry, { [name]: '../thread.cjs' })).toEqual({ code: 'module.exports = 1;\n', via: 'built' });
  });

  it('missing from the map names the list to add it to', async () => {
    await expect(builtThread(entry, { 'proxy/src/other.ts': '../thread.cjs' })).rejects.toThrow(/the-thread\.ts was not built as a thread entry; add it to THREAD_ENTRIES in control\/build\/build-dist\.ts/);
  });

  it('whose file is gone says to build again', async () => {
    await expect(builtThread(entry, { 'src/the-thread.ts': '../gone.cjs' })).rejects.toThrow(/gone\.cjs cannot be read \(.*ENOENT.*\); run npm run build again/);
  });
});
