/**
 * A flag overrides the file's field, so a bad flag value is reported against the flag, not the
 * file's line it replaced: `--interval abc` over examples/aggregator.yaml used to print
 * `examples/aggregator.yaml:29: intervalMs: …`, sending the operator to a line that was fine.
 * Without a file, a missing field names the flag that sets it.
 */
import { expect, it } from 'vitest';
import { formatIssue } from '../config/config-issue.ts';
import { loadAggregatorConfig } from './load-aggregator-config.ts';

const FILE = 'examples/aggregator.yaml';

it.each([
  [{ interval: 'abc' }, 'flags: intervalMs (--interval): '],
  [{ scrapeTimeout: '5' }, 'flags: scrapeTimeoutMs (--scrape-timeout): '],
  [{ region: 'mars' }, "flags: cluster.region (--region): unknown region 'mars'"],
  [{ warm: '-1' }, 'flags: headroom.warm (--warm): '],
])('a bad flag over the file is blamed on the flag: %o', async (flags, expected) => {
  const loaded = await loadAggregatorConfig(FILE, flags);
  expect(loaded.ok).toBe(false);
  const lines = loaded.ok ? [] : loaded.issues.map(formatIssue);
  expect(lines.join('\n')).toContain(expected);
  expect(lines.join('\n')).not.toContain(`${FILE}:`);
});

it('a fine file with fine flags loads', async () => {
  expect((await loadAggregatorConfig(FILE, { interval: '2000' })).ok).toBe(true);
});

it('without a file, a missing field names the flag that sets it', async () => {
  const loaded = await loadAggregatorConfig(null, { app: ['acme/chat=http://127.0.0.1:9001'] });
  const text = loaded.ok ? '' : loaded.issues.map(formatIssue).join('\n');
  expect(text).toContain('flags: cluster.id (--cluster-id): ');
  expect(text).toContain('flags: cluster.provider (--provider): ');
  expect(text).toContain('flags: apps.acme/chat.slotsPerReplica (--slots): ');
  // The proxy is optional (apply's is kept), but half of one is not.
  expect(text).not.toContain('cluster.proxyUrl');
  const whole = { clusterId: 'eu-west-1', region: 'eu-west', provider: 'lambda', gpu: ['H100=2.49'], slots: '4', app: ['acme/chat=http://127.0.0.1:9001'] };
  expect((await loadAggregatorConfig(null, whole)).ok).toBe(true);
  const half = await loadAggregatorConfig(null, { ...whole, proxyUrl: 'http://127.0.0.1:8799' });
  expect(half.ok ? '' : half.issues.map(formatIssue).join('\n')).toContain('flags: cluster.proxyId (--proxy-id): set proxyUrl and proxyId together');
});

// An unknown region was found only once the rest parsed: a run with other bad flags hid it.
it('an unknown region is reported with the other bad flags, in one run', async () => {
  const loaded = await loadAggregatorConfig(null, { region: 'mars', interval: '-5', app: ['acme/chat=http://127.0.0.1:9001'] });
  const text = loaded.ok ? '' : loaded.issues.map(formatIssue).join('\n');
  expect(text).toContain("flags: cluster.region (--region): unknown region 'mars'");
  expect(text).toContain('flags: intervalMs (--interval): ');
  expect(text).toContain('flags: cluster.id (--cluster-id): ');
});
