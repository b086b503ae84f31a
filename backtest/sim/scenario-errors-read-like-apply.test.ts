import { describe, expect, it } from 'vitest';
import { BacktestError } from '../errors.ts';
import { parseScenario } from './scenario.ts';

// A scenario's problems read like apply's (control/config/zod-issue-words.ts): file:line, the
// field's path and what it expects in plain words, not zod's "Invalid input: expected string,
// received undefined" (new-user walkthrough, session 48).
const BASE = `name: t
durationHours: 1
traffic:
  ratePerSecond: 10
  durations: [{ weight: 1, meanSeconds: 2 }]
  clients: [{ name: paris, lat: 48.8, lon: 2.3, continent: EU, country: FR, weight: 1 }]
apps: [{ id: acme/chat, share: 1 }]
clusters:
  - id: gpu
    region: eu-west
    provider: aws
    pricePerHour: 2
`;

function problemsOf(yaml: string): readonly string[] {
  try {
    parseScenario(yaml, 'bad.yaml');
  } catch (e) {
    if (e instanceof BacktestError) return e.problems;
    throw e;
  }
  return [];
}

describe('scenario problems name file, line, path and what is expected', () => {
  it.each([
    ['a missing field', BASE.replace('    provider: aws\n', ''), 'bad.yaml:9: clusters[0].provider: is required (a string)'],
    ['a wrong-typed field', BASE.replace('pricePerHour: 2', 'pricePerHour: two'), "bad.yaml:12: clusters[0].pricePerHour: expected a number, got 'two'"],
    ['a number out of range', BASE.replace('durationHours: 1', 'durationHours: 0'), 'bad.yaml:2: durationHours: must be above 0'],
    ['an empty list', BASE.replace('apps: [{ id: acme/chat, share: 1 }]', 'apps: []'), 'bad.yaml:7: apps: must list at least one item'],
    ['a value not among the choices', `${BASE}strategies: [fastest]\n`, "bad.yaml:13: strategies[0]: must be one of 'switchyard', "],
    ['an unknown incident kind', `${BASE}incidents: [{ kind: meteor, startHours: 0, durationHours: 1 }]\n`, /bad\.yaml:13: incidents\[0\]\.kind: must be one of 'cluster-outage', .*, got 'meteor'/],
    ['an unknown field', BASE.replace('    provider: aws\n', '    provider: aws\n    gpus: 8\n'), "bad.yaml:12: clusters[0].gpus: unknown field 'gpus'"],
    ['a semantic check', BASE.replace('region: eu-west', 'region: eu-wets'), 'bad.yaml:10: clusters[0].region: unknown region "eu-wets"'],
  ])('%s', (_name, yaml, expected) => {
    const problems = problemsOf(yaml);
    if (typeof expected === 'string') expect(problems.join('\n')).toContain(expected);
    else expect(problems.join('\n')).toMatch(expected);
    expect(problems.join('\n')).not.toMatch(/Invalid input|received undefined/);
  });
});
