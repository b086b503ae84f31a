/**
 * `switchyard dev`'s word on parts that die on their own, so nobody works on with a half-working
 * stack believing it whole: each part that exited is named once, whichever died first. (The watch
 * used to stop at its first report, so a second death — libSQL after a proxy — went unsaid.)
 * Simulated clusters are left out: killing one is how the demo shows a cluster going away.
 */
import type { RunningChild } from './supervisor.ts';

type Watched = Pick<RunningChild, 'exited' | 'logFile'> & { readonly spec: Pick<RunningChild['spec'], 'name' | 'role'> };

/** The line for every part that exited since the last call; `reported` remembers who was named. */
export function exitReports(children: readonly Watched[], reported: Set<string>): string[] {
  const lines: string[] = [];
  for (const c of children) {
    if (!c.exited || c.spec.name.startsWith('sim-') || reported.has(c.spec.name)) continue;
    reported.add(c.spec.name);
    lines.push(`\n${c.spec.role} [${c.spec.name}] exited; see ${c.logFile}\n`);
  }
  return lines;
}
