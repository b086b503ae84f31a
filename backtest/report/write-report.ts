import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

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
