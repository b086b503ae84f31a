/**
 * A prices file the aggregator cannot use when it starts is a startup error naming it. It used to
 * start and push the cluster at $0/h (warn lines only: "keeping the last good prices", of which
 * there were none), the cheapest cluster in the fleet to the cost model. So is an app whose GPU
 * type neither `gpus` nor the file prices. Later, an unusable file keeps the last good prices
 * (price-file-reread-each-tick.test.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { formatIssue } from '../config/config-issue.ts';
import { loadAggregatorConfig } from './load-aggregator-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-agg-prices-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function config(pricesFile: string, gpuType = 'H100'): string {
  const path = join(dir, `agg-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(
    path,
    [
      'cluster: { id: c1, provider: test, region: us-east, proxyUrl: "http://127.0.0.1:1", proxyId: p1 }',
      `pricesFile: ${pricesFile}`,
      'apps:',
      '  acme/chat:',
      `    gpuType: ${gpuType}`,
      '    slotsPerReplica: 4',
      '    replicas: [http://127.0.0.1:2]',
      '',
    ].join('\n'),
  );
  return path;
}

function prices(text: string): string {
  const path = join(dir, `prices-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
}

it.each([
  ['a missing file', () => join(dir, 'no-such-prices.yaml'), 'H100', /pricesFile: .*no-such-prices\.yaml: cannot read it .*pushed at \$0\/h/],
  ['a file that is not a price table', () => prices('H100: cheap\n'), 'H100', /pricesFile: .*: price of 'H100' must be a number >= 0/],
  ['an app whose GPU type has no price', () => prices('A100: 1.5\n'), 'H100', /apps\.acme\/chat\.gpuType: GPU type 'H100' has no price in gpus or /],
])('%s is refused at start, named', async (_name, file, gpuType, says) => {
  const loaded = await loadAggregatorConfig(config(file(), gpuType), {});
  expect(loaded.ok ? '' : loaded.issues.map(formatIssue).join('\n')).toMatch(says);
});

it('a file that prices every app loads', async () => {
  expect((await loadAggregatorConfig(config(prices('H100: 2.4\n')), {})).ok).toBe(true);
});

it('a YAML alias bomb names the file', async () => {
  const path = join(dir, 'bomb.yaml');
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  const loaded = await loadAggregatorConfig(path, {});
  expect(loaded.ok ? '' : loaded.issues.map(formatIssue).join('\n')).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: YAML: `));
});
