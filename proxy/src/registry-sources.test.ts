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
