/**
 * This process's open-file limit (soft RLIMIT_NOFILE), read without a native addon: Node 20 has
 * no getrlimit. Node raises its soft limit to the hard one at startup, so what we read is what
 * this process may really open. Linux: /proc/self/limits; elsewhere a shell's `ulimit -n` (a
 * child inherits the limit). Null when neither answers.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** What "unlimited" is taken as: Linux's default fs.nr_open, the most one process may open. */
export const UNLIMITED_FILES = 1_048_576;

/** The soft limit from /proc/self/limits text ("Max open files  20000  20000  files"). */
export function parseProcLimits(text: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(text);
  return m === null ? null : parseLimit(m[1] ?? '');
}

function parseLimit(raw: string): number | null {
  const t = raw.trim();
  if (t === 'unlimited') return UNLIMITED_FILES;
  return /^[0-9]+$/.test(t) && Number(t) > 0 ? Number(t) : null;
}

export function openFileLimit(): number | null {
  try {
    const fromProc = parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
    if (fromProc !== null) return fromProc;
  } catch {
    // Not Linux (or no /proc): ask a shell.
  }
  try {
    return parseLimit(execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2_000 }));
  } catch {
    return null;
  }
}
