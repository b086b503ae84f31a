import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import { SMALL_SCENARIO } from './sim-fixture.ts';
import type { SimReport } from './simulate.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard simulate (in-process)', () => {
  it('prints the table and writes a self-contained HTML report and JSON', async () => {
    const file = join(dir, 'small.yaml');
    writeFileSync(file, SMALL_SCENARIO);
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await runCliInProcess(['simulate', file, '--strategies', 'switchyard,nearest-region', '--hours', '0.05', '--out', out, '--markdown']);
    expect(code, stderr).toBe(0);
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
    const r = await runCliInProcess(['simulate', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('clusters[0].region: unknown region "us-east-9"');
    expect(r.stderr).toContain('traffic.ratePerSecond');
  });
});
