/** Tests' `switchyard apply -f`: writes `text` to `<dir>/config.yaml` and applies it to `dbUrl`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
