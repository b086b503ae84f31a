import { describe, expect, it } from 'vitest';
import { withRunAppended } from './benchmarks-section.ts';

const RUN = '### Run of 2026-12-02 04:00 UTC\n\n| target | c=1 p50 ms |\n|---|---|\n| direct | 0.058 |\n';

describe('a bench/proxy.ts run recorded in BENCHMARKS.md', () => {
  it('keeps the section\'s earlier runs and notes, and the sections after it', () => {
    const text = [
      '# Benchmarks',
      '',
      '## Regional proxy',
      '',
      '| old table |',
      '',
      'A note someone wrote under the first run.',
      '',
      '### Re-run after session 8',
      '',
      'Numbers worth keeping.',
      '',
      '## Regional proxy: HTTP/2 to upstreams',
      '',
      'Other section.',
      '',
    ].join('\n');
    const out = withRunAppended(text, RUN);
    for (const kept of ['| old table |', 'A note someone wrote', '### Re-run after session 8', 'Numbers worth keeping.', '## Regional proxy: HTTP/2 to upstreams', 'Other section.']) {
      expect(out).toContain(kept);
    }
    // The run lands at the end of its own section, before the next "## " heading.
    expect(out.indexOf('### Run of 2026-12-02')).toBeGreaterThan(out.indexOf('Numbers worth keeping.'));
    expect(out.indexOf('### Run of 2026-12-02')).toBeLessThan(out.indexOf('## Regional proxy: HTTP/2'));
    expect(out.length).toBeGreaterThan(text.length);
  });

  it('appends to a section that is the last in the file', () => {
    const text = '# Benchmarks\n\n## Regional proxy\n\nFirst run.\n';
    expect(withRunAppended(text, RUN)).toBe(`# Benchmarks\n\n## Regional proxy\n\nFirst run.\n\n${RUN}`);
  });

  it('creates the section when the file has none', () => {
    expect(withRunAppended('# Benchmarks\n', RUN)).toBe(`# Benchmarks\n\n## Regional proxy\n\n${RUN}`);
  });

  it('does not mistake a longer heading for the section', () => {
    const text = '# B\n\n## Regional proxy hot path\n\nKeep.\n';
    const out = withRunAppended(text, RUN);
    expect(out.startsWith(text.trimEnd())).toBe(true);
    expect(out).toContain('## Regional proxy\n\n### Run of');
  });
});
