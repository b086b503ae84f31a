import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listReports, safeReportPath } from './reports.ts';

describe('safeReportPath', () => {
  it.each([
    ['2026-11-30T10-00-00-000Z', 'report.html', '/r/2026-11-30T10-00-00-000Z/report.html'],
    ['run_1', 'report.json', '/r/run_1/report.json'],
    ['run_1', 'summary.txt', '/r/run_1/summary.txt'],
    ['run_1', 'other.txt', null],
    ['..', 'report.html', null],
    ['a..b', 'report.html', null],
    ['.hidden', 'report.html', null],
    ['a/b', 'report.html', null],
    ['', 'report.html', null],
    ['x'.repeat(129), 'report.html', null],
  ])('%s/%s → %s', (name, file, want) => expect(safeReportPath('/r', name, file)).toBe(want));
});

describe('listReports', () => {
  it('lists report folders newest first with their kind; a missing folder is no reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reports-'));
    const add = (name: string, json: string, mtime: number): void => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'report.json'), json);
      writeFileSync(join(dir, name, 'report.html'), '<html>');
      utimesSync(join(dir, name, 'report.html'), mtime, mtime);
    };
    add('old-sim', '{"scenario": "x"}', 1_000);
    add('new-replay', '{"records": 3, "moved": 1}', 2_000);
    mkdirSync(join(dir, 'not-a-report'));
    expect((await listReports(dir)).map((r) => [r.name, r.kind])).toEqual([
      ['new-replay', 'replay'],
      ['old-sim', 'simulation'],
    ]);
    expect(await listReports(join(dir, 'missing'))).toEqual([]);
  });
});
