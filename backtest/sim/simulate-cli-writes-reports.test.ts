import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { SMALL_SCENARIO } from './sim-fixture.ts';
import type { SimReport } from './simulate.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', join(root, 'control/cli/main.ts'), ...args], { cwd: root, timeout: 60_000 });
}

describe('switchyard simulate (child process)', () => {
  it('prints the table and writes a self-contained HTML report and JSON', async () => {
    const file = join(dir, 'small.yaml');
    writeFileSync(file, SMALL_SCENARIO);
    const out = join(dir, 'out');
    const { stdout } = await cli(['simulate', file, '--strategies', 'switchyard,nearest-region', '--hours', '0.05', '--out', out, '--markdown']);
    expect(stdout).toMatch(/switchyard\s+[\d,]+/);
    expect(stdout).toContain('| strategy |');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as SimReport;
    expect(report.strategies.map((s) => s.strategy)).toEqual(['switchyard', 'nearest-region']);
    expect(report.durationMs).toBe(180_000);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length ?? 0).toBeGreaterThanOrEqual(4);
    expect(html).not.toMatch(/<script|src=|href=/);
  });

  it('refuses an invalid scenario with every problem and its path', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, SMALL_SCENARIO.replace('region: us-east', 'region: us-east-9').replace('ratePerSecond: 40', 'ratePerSecond: -1'));
    const err = await cli(['simulate', file]).then(
      () => null,
      (e: unknown) => e as { stderr: string },
    );
    expect(err?.stderr).toContain('clusters[0].region: unknown region "us-east-9"');
    expect(err?.stderr).toContain('traffic.ratePerSecond');
  });
});
