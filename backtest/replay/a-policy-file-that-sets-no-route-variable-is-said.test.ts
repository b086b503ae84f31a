/**
 * `replay --policy f.env` where f.env sets no ROUTE_* variable replays the defaults: allowed
 * (other vars may share the file, policy-file.ts), but said on stderr, so "moved: 0" is not read
 * as "the tuning changed nothing". A lower-case `route_model` (read by nothing: env names are
 * case-sensitive) is refused naming ROUTE_MODEL (new-user walkthrough L2). The CLI in-process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCliInProcess } from '../../control/cli/run-cli-in-process.ts';
import { DEFAULT_POLICY } from '../decision-port.ts';
import { writeNdjson } from './ndjson.ts';
import { makeRecords } from './record-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-policy-note-'));
const nd = join(dir, 'log.ndjson');
beforeAll(async () => {
  await writeNdjson(nd, makeRecords(7, DEFAULT_POLICY));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function replayWith(name: string, text: string) {
  const file = join(dir, name);
  writeFileSync(file, text);
  return { file, ...(await runCliInProcess(['replay', '--input', nd, '--policy', file, '--out', join(dir, `out-${name}`)])) };
}

test.each([
  ['empty.env', ''],
  ['other-vars.env', '# only the edge here\nFOO=1\nEDGE_CACHE_TTL=5\n'],
])('%s: replays the defaults and says so on stderr', async (name, text) => {
  const r = await replayWith(name, text);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('replayed 7 decisions');
  expect(r.stderr).toContain(`replay: ${r.file} sets no ROUTE_* variable: replaying with the defaults`);
});

test('a file that sets a ROUTE_* variable gets no note', async () => {
  const r = await replayWith('tuned.env', 'FOO=1\nROUTE_WEIGHT_COST=2\n');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toContain('sets no ROUTE_* variable');
});

test.each([
  ['route_model=weights', 'route_model is not a policy variable (did you mean ROUTE_MODEL?)'],
  ['Route_Weight_Cost=2', 'Route_Weight_Cost is not a policy variable (did you mean ROUTE_WEIGHT_COST?)'],
])('%s is refused naming the upper-case variable', async (line, message) => {
  const r = await replayWith('lower.env', `${line}\n`);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${join(dir, 'lower.env')}:1: ${message}`);
  expect(r.stdout).not.toContain('replayed');
});
