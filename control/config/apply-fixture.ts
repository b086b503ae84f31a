/** Tests' `switchyard apply -f`: writes `text` to `<dir>/config.yaml` and applies it to `dbUrl`. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { runApply } from './run-apply.ts';

export interface Applied {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

export async function applyText(dir: string, dbUrl: string, text: string, dryRun = false): Promise<Applied> {
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runApply({ file, dbUrl, dryRun, now: 1_000, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/**
 * A fresh database in a temporary folder for one test file (removed after it), and `apply`,
 * which applies a config text there, asserts it succeeded with nothing on stderr and returns
 * what it printed.
 */
export function applyDatabase(prefix: string): { readonly dir: string; readonly dbUrl: string; readonly apply: (text: string) => Promise<string[]> } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const dbUrl = `file:${join(dir, 'db.sqlite')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const apply = async (text: string): Promise<string[]> => {
    const { code, out, err } = await applyText(dir, dbUrl, text);
    expect({ code, err }).toEqual({ code: 0, err: [] });
    return out;
  };
  return { dir, dbUrl, apply };
}
