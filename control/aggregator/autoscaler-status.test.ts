import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodesLeftToAdd, parseAutoscalerStatus } from './autoscaler-status.ts';

const fixture = (name: string): string => readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/kubernetes', name), 'utf8');

const GROUPS = [
  { name: 'gpu-h100-pool-a', ready: 2, target: 3, minSize: 0, maxSize: 8, scaleUpInProgress: true },
  { name: 'gpu-h100-pool-b', ready: 1, target: 1, minSize: 1, maxSize: 2, scaleUpInProgress: false },
  { name: 'cpu-general', ready: 3, target: 3, minSize: 3, maxSize: 10, scaleUpInProgress: false },
];

describe('cluster-autoscaler status', () => {
  it.each([
    { format: 'YAML (cluster-autoscaler >= 1.30)', file: 'autoscaler-status-yaml.txt' },
    { format: 'legacy text', file: 'autoscaler-status-legacy.txt' },
  ])('reads every node group from the $format format', ({ file }) => {
    expect(parseAutoscalerStatus(fixture(file))).toEqual(GROUPS);
  });

  it.each([
    { name: 'empty', text: '' },
    { name: 'unrelated YAML', text: 'foo: bar\n' },
    { name: 'node group without sizes', text: 'nodeGroups:\n- name: a\n  health: {status: Healthy}\n' },
    { name: 'negative size', text: 'nodeGroups:\n- name: a\n  health: {cloudProviderTarget: -1, minSize: 0, maxSize: 3}\n' },
  ])('$name: no groups, no throw', ({ text }) => {
    expect(parseAutoscalerStatus(text)).toEqual([]);
  });

  it.each([
    // pool-a: 8 - max(3 target, 2 ready) = 5; pool-b: 2 - 1 = 1
    { match: /^gpu-h100-/, want: 6 },
    { match: /^gpu-h100-pool-b$/, want: 1 },
    { match: /^gpu-a100-/, want: 0 },
    // a group above its max (max lowered by hand) adds none, never a negative
    { match: /./, groups: [{ name: 'x', ready: 5, target: 5, minSize: 0, maxSize: 3, scaleUpInProgress: false }], want: 0 },
  ])('nodes left to add for $match', ({ match, groups, want }) => {
    expect(nodesLeftToAdd(groups ?? GROUPS, match)).toBe(want);
  });
});
