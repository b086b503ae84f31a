/**
 * `replay --input` reads no database, so it must not load the libSQL client (native library and
 * ~80 modules, ~0.1 s of every run's start: 5 % of replaying 200,000 decisions end to end), nor when
 * it fails. The probe says, as the process exits, whether the client's native library is mapped into
 * it (Linux: /proc/self/maps); the database run shows the probe sees it when it is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../../backtest/decision-port.ts';
import { writeNdjson } from '../../../backtest/replay/ndjson.ts';
import { makeRecords, writeRecordsToDb } from '../../../backtest/replay/record-fixtures.ts';
import { runCli } from '../run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const probe = join(dir, 'probe.mjs');
writeFileSync(
  probe,
  `import { readFileSync } from 'node:fs';
process.on('exit', () => process.stderr.write('libsql-client-loaded=' + /@libsql\\/[^\\n]*\\.node$/m.test(readFileSync('/proc/self/maps', 'utf8')) + '\\n'));
`,
);
const withProbe = { env: { NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` } };

describe.skipIf(process.platform !== 'linux')('replay start-up', () => {
  it('a file replays without loading the libSQL client; a database replay loads it', async () => {
    const records = makeRecords(40, DEFAULT_POLICY);
    const file = join(dir, 'log.ndjson');
    await writeNdjson(file, records);
    const fromFile = await runCli(['replay', '--input', file, '--out', join(dir, 'out-file')], withProbe);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain('replayed 40 decisions');
    expect(fromFile.stderr).toContain('libsql-client-loaded=false');
    // Every thread the probe ran in (a replay's workers too) says so.
    expect(fromFile.stderr).not.toContain('libsql-client-loaded=true');

    // A run that fails (an app with no decisions) reports its error without loading the client either.
    const failed = await runCli(['replay', '--input', file, '--app', 'acme/nope', '--out', join(dir, 'out-none')], withProbe);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('acme/nope');
    expect(failed.stderr).not.toContain('libsql-client-loaded=true');

    const url = `file:${join(dir, 'log.db')}`;
    await writeRecordsToDb(url, records);
    const fromDb = await runCli(['replay', '--db', url, '--out', join(dir, 'out-db')], withProbe);
    expect(fromDb.code, fromDb.stderr).toBe(0);
    expect(fromDb.stdout).toContain('replayed 40 decisions');
    expect(fromDb.stderr).toContain('libsql-client-loaded=true');
  }, 60_000);
});
