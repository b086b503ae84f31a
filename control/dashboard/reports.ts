/**
 * Links to the replay and simulator reports (`reports/<timestamp>/report.html` by default) and
 * the one safe way to serve their files: a plain folder name and one of the three known files,
 * so no path can leave the reports folder.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface ReportLink {
  readonly name: string;
  readonly kind: string;
  readonly modifiedMs: number;
}

export const REPORT_FILES: Readonly<Record<string, string>> = {
  'report.html': 'text/html; charset=utf-8',
  'report.json': 'application/json',
  'summary.txt': 'text/plain; charset=utf-8',
};

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function safeReportPath(dir: string, name: string, file: string): string | null {
  if (!NAME.test(name) || name.includes('..') || REPORT_FILES[file] === undefined) return null;
  return join(dir, name, file);
}

async function kindOf(dir: string): Promise<string> {
  try {
    const head = (await readFile(join(dir, 'report.json'), 'utf8')).slice(0, 4096);
    if (/"kind"\s*:\s*"([a-z-]+)"/.test(head)) return /"kind"\s*:\s*"([a-z-]+)"/.exec(head)?.[1] ?? 'report';
    return /"scenario"/.test(head) ? 'simulation' : /"moved"/.test(head) ? 'replay' : 'report';
  } catch {
    return 'report';
  }
}

/** Newest first, at most `limit`; a missing folder is simply no reports. */
export async function listReports(dir: string, limit = 30): Promise<ReportLink[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: ReportLink[] = [];
  for (const name of names) {
    const path = safeReportPath(dir, name, 'report.html');
    if (path === null) continue;
    try {
      const s = await stat(path);
      found.push({ name, kind: await kindOf(join(dir, name)), modifiedMs: s.mtimeMs });
    } catch {
      // not a report folder
    }
  }
  return found.sort((a, b) => b.modifiedMs - a.modifiedMs).slice(0, limit);
}
