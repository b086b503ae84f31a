import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import type { CliResult } from '../../control/cli/run-cli.ts';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { makeRecords, writeRecordsToDb } from './record-fixtures.ts';
import type { ReplayReport } from './replay-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A run that must succeed (exit 0). */
async function cli(args: string[]): Promise<CliResult> {
  const r = await runCliInProcess(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

describe('switchyard replay (in-process, file database)', () => {
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
    // Three CLI runs, two drawing charts: allow for a loaded machine.
  }, 60_000);

  it('refuses a bad policy file naming file, line and variable', async () => {
    writeFileSync(join(dir, 'bad.env'), '# x\nROUTE_WEIGHT_COST=lots\n');
    const r = await runCliInProcess(['replay', '--input', join(dir, 'none.ndjson'), '--policy', join(dir, 'bad.env')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.env:2: .*ROUTE_WEIGHT_COST/);
  });
});
