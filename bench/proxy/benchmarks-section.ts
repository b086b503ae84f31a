/**
 * Where a `bench/proxy.ts` run goes in BENCHMARKS.md: appended as its own dated subsection at
 * the end of the "## Regional proxy" section. Earlier runs and the notes written under them are
 * the section's history, so a new run never replaces any of it.
 */
const SECTION = '## Regional proxy';

/** `text` with `run` (a "### " subsection) added at the end of the Regional proxy section. */
export function withRunAppended(text: string, run: string): string {
  const body = run.trim();
  const start = findHeading(text, SECTION);
  if (start < 0) return `${text.trimEnd()}\n\n${SECTION}\n\n${body}\n`;
  const next = text.slice(start + SECTION.length).search(/\n## /);
  const end = next < 0 ? text.length : start + SECTION.length + next + 1;
  const before = text.slice(0, end).trimEnd();
  const after = text.slice(end);
  return `${before}\n\n${body}\n${after === '' ? '' : `\n${after}`}`;
}

/** Index of a line that is exactly `heading` (not a longer heading that starts with it). */
function findHeading(text: string, heading: string): number {
  const re = new RegExp(`^${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*$`, 'm');
  const m = re.exec(text);
  return m === null ? -1 : m.index;
}
