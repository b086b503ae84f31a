import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import type { ReplayReport } from './replay-engine.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', join(root, 'control/cli/main.ts'), ...args], { cwd: root, timeout: 60_000 });
}

describe('switchyard replay (child process, file database)', () => {
  it('writes JSON, HTML and text reports; NDJSON export replays the same', async () => {
    const url = `file:${join(dir, 'd.db')}`;
    await writeRecordsToDb(url, makeRecords(300, DEFAULT_POLICY));
    writeFileSync(join(dir, 'no-cost.env'), 'ROUTE_LATENCY_VALUE_USD=0\n');
    const out = join(dir, 'out');
    const { stdout } = await cli(['replay', '--db', url, '--policy', join(dir, 'no-cost.env'), '--out', out]);
    expect(stdout).toContain('replayed 300 decisions');
    // A file without ROUTE_POLICY_VERSION is named, not passed off as the default policy.
    expect(stdout).toContain(`(policy ${join(dir, 'no-cost.env')} (version default),`);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReplayReport;
    expect(report.records).toBe(300);
    expect(report.moved).toBeGreaterThan(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|src=|href=/);
    expect(readFileSync(join(out, 'summary.txt'), 'utf8')).toContain('moved:');

    const nd = join(dir, 'r.ndjson');
    await cli(['replay', '--db', url, '--export-ndjson', nd]);
    const again = await cli(['replay', '--input', nd, '--out', join(dir, 'out2')]);
    expect(again.stdout).toContain('identical to recorded: 300/300');
    expect(again.stdout).toContain('(policy as recorded,');
    // Three CLI processes, two drawing charts: allow for a loaded machine.
  }, 60_000);

  it('refuses a bad policy file naming file, line and variable', async () => {
    writeFileSync(join(dir, 'bad.env'), '# x\nROUTE_WEIGHT_COST=lots\n');
    const err = await cli(['replay', '--input', join(dir, 'none.ndjson'), '--policy', join(dir, 'bad.env')]).then(
      () => null,
      (e: unknown) => e as { stderr: string },
    );
    expect(err?.stderr).toMatch(/bad\.env:2: .*ROUTE_WEIGHT_COST/);
  });
});
