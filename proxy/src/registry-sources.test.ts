import { describe, expect, it } from 'vitest';
import { parseStaticEndpoints } from './registry-sources.ts';

const endpoints = [{ cluster: 'c1', app: 'acme/chat', url: 'http://127.0.0.1:1' }];

describe('endpoints file: project budgets', () => {
  it.each([
    ['none: every app without one (files from before stay valid)', undefined, null],
    ['a project budget reaches every app of the project, none other', [{ id: 'acme', tokenBudget: { tokensPerMinute: 500 } }], 500],
    ['another project’s budget does not apply', [{ id: 'beta', tokenBudget: { tokensPerMinute: 500 } }], null],
  ] as const)('%s', (_n, projects, tpm) => {
    const r = parseStaticEndpoints({ endpoints, apps: [{ id: 'acme/chat' }, { id: 'beta2/x' }], ...(projects === undefined ? {} : { projects }) });
    expect(r.apps.map((a) => a.projectBudget?.tokensPerMinute ?? null)).toEqual([tpm, null]);
  });

  it('reports every bad project field at once, with its path', () => {
    expect(() =>
      parseStaticEndpoints({ endpoints, projects: [{ tokenBudget: { tokensPerMinute: 0, scope: 'planet' } }, { id: 'acme', tokenBudget: 'lots' }] }),
    ).toThrow(
      [
        'invalid endpoints file:',
        '  projects[0]: needs a string id',
        '  projects[0].tokenBudget.tokensPerMinute: must be an integer from 1 to 1000000000, or null',
        '  projects[0].tokenBudget.scope: must be one of proxy, region, global (absent = region)',
        '  projects[1].tokenBudget: must be an object such as { tokensPerMinute: 100000, spend: { usd: 50, period: day }, pricePerMillionTokens: { input: 0.5, output: 1.5 } }',
      ].join('\n'),
    );
  });
});

describe('endpoints file: values it used to take as they came', () => {
  it.each([
    // A string limit meant no limit at all; a negative rate refused every request with 429.
    ['a limit given as a string', { apps: [{ id: 'acme/chat', maxConcurrency: '1' }] }, 'apps[0].maxConcurrency: expected a whole number ≥ 1 (or leave it out for no limit), got "1"'],
    ['a negative rate', { apps: [{ id: 'acme/chat', maxRps: -3 }] }, 'apps[0].maxRps: expected a number > 0 (or leave it out for no limit), got -3'],
    ['a fractional concurrency', { apps: [{ id: 'acme/chat', maxConcurrency: 1.5 }] }, 'apps[0].maxConcurrency: expected a whole number ≥ 1'],
    // Every request to it failed as 400 client-invalid, blamed on the client.
    ['a url that is no URL', { endpoints: [{ cluster: 'c1', app: 'acme/chat', url: 'not a url' }] }, 'endpoints[0].url: expected an http:// or https:// URL, got "not a url"'],
    ['a url of another scheme', { endpoints: [{ cluster: 'c1', app: 'acme/chat', url: 'ftp://10.0.0.1' }] }, 'endpoints[0].url: expected an http:// or https:// URL'],
    ['a negative weight', { endpoints: [{ cluster: 'c1', app: 'acme/chat', url: 'http://10.0.0.1', weight: -1 }] }, 'endpoints[0].weight: expected a number ≥ 0, got -1'],
    ['a weight given as a string', { endpoints: [{ cluster: 'c1', app: 'acme/chat', url: 'http://10.0.0.1', weight: '2' }] }, 'endpoints[0].weight: expected a number ≥ 0, got "2"'],
    // The last entry won without a word.
    ['an app listed twice', { apps: [{ id: 'acme/chat', maxRps: 5 }, { id: 'acme/chat' }] }, 'apps[1]: acme/chat is listed twice (one entry per app)'],
  ])('refuses %s, naming it', (_n, doc, says) => {
    expect(() => parseStaticEndpoints({ endpoints, ...doc })).toThrow(says);
  });

  it('takes limits and weights that are numbers, and none', () => {
    const r = parseStaticEndpoints({ endpoints: [{ ...endpoints[0], weight: 0 }], apps: [{ id: 'acme/chat', maxConcurrency: 4, maxRps: 2.5 }, { id: 'acme/open', maxRps: null }] });
    expect(r.apps.map((a) => [a.maxConcurrency, a.maxRps])).toEqual([[4, 2.5], [null, null]]);
    expect(r.endpoints[0]?.weight).toBe(0);
  });
});
