/**
 * The operator docs under infra/ point only at files that exist: every repository path they
 * name (infra/…, workers/…, examples/…, …; root-relative or relative to the README) and every
 * relative markdown link.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const TOP = ['infra', 'workers', 'proxy', 'control', 'shared', 'examples', 'e2e', 'bench', 'bin', 'backtest'];

function readmes(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? readmes(join(dir, e.name)) : e.name === 'README.md' ? [join(dir, e.name)] : [],
  );
}

/** Repository paths named anywhere in the text (prose, code spans, code blocks). */
function repoPaths(text: string): string[] {
  const re = new RegExp(`(?<![\\w./-])((?:${TOP.join('|')})/[\\w./-]*[\\w/])`, 'g');
  return [...new Set([...text.matchAll(re)].map((m) => m[1] ?? ''))];
}

function markdownLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] ?? '').filter((l) => !/^[a-z]+:/.test(l));
}

const FILES = readmes(HERE);

describe('infra docs reference only files that exist', () => {
  it('covers infra/README.md and every folder README', () => {
    expect(FILES.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(['infra/README.md', 'infra/workerd/README.md', 'infra/terraform/README.md']));
  });

  it.each(FILES.map((f) => [relative(ROOT, f), f]))('%s', (_name, file) => {
    const text = readFileSync(file, 'utf8');
    const missing = [
      // Root-relative first; a folder README may also name paths relative to itself.
      ...repoPaths(text).filter((p) => !existsSync(join(ROOT, p)) && !existsSync(join(dirname(file), p))),
      ...markdownLinks(text).filter((l) => !existsSync(join(dirname(file), l))),
    ];
    expect(missing).toEqual([]);
    expect(repoPaths(text).length + markdownLinks(text).length).toBeGreaterThan(0);
  });
});
