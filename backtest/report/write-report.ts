import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BacktestError } from '../errors.ts';

/** reports/<timestamp>/ — the default output folder (timestamp read here, in the CLI layer). */
export function defaultReportDir(now: Date): string {
  return join('reports', now.toISOString().replace(/[:.]/g, '-'));
}

/** Writes report.json, report.html and summary.txt into `dir`; returns their paths. */
export async function writeReport(dir: string, files: { json: unknown; html: string; text: string }): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const out = [join(dir, 'report.json'), join(dir, 'report.html'), join(dir, 'summary.txt')];
  await Promise.all([
    writeFile(out[0] ?? '', `${JSON.stringify(files.json, null, 2)}\n`),
    writeFile(out[1] ?? '', files.html),
    writeFile(out[2] ?? '', files.text),
  ]);
  return out;
}

/**
 * Makes the `--out` folder before a run, so one that cannot be made (a file of that name) is a
 * usage error at once instead of after a run of minutes.
 */
export async function prepareReportDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new BacktestError('bad-option', `--out ${dir} is a file, not a folder: name a folder for the report`);
    throw new BacktestError('input-read', `--out ${dir}: cannot make the report folder (${(err as Error).message})`);
  }
}
