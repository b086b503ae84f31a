/**
 * A project's `tokenBudget` (all its apps together): validated like an app's (every bad field at
 * once, with its path and line), written by `apply`, read back as "no changes", removable, and
 * read by the proxy's store for every app of the project. Old configs without it stay valid.
 */
import { describe, expect, it } from 'vitest';
import { libsqlProxyStore } from '../../proxy/src/store.ts';
import { openStore } from '../store/open-store.ts';
import { parseConfig } from './parse-config.ts';
import { applyDatabase } from './apply-fixture.ts';

const config = (budget: string): string => `projects:
  - id: acme
${budget}clusters:
  - {id: c1, region: eu-west, provider: lambda, proxyUrl: 'http://127.0.0.1:1', proxyId: p1}
apps:
  - {project: acme, name: chat, clusters: [c1]}
  - {project: acme, name: embed, clusters: [c1], requests: {tokenBudget: {tokensPerMinute: 50}}}
`;
const BUDGET = `    tokenBudget:
      tokensPerMinute: 1000
      scope: global
      spend: {usd: 20, period: day}
      pricePerMillionTokens: {input: 1, output: 2}
`;

describe('parse', () => {
  it('a valid project budget is kept, with the defaults filled in; none stays absent', () => {
    const r = parseConfig(config(BUDGET), 'cfg.yaml');
    expect(r.errors).toEqual([]);
    expect(r.config?.projects).toEqual([
      {
        id: 'acme',
        name: 'acme',
        tokenBudget: {
          tokensPerMinute: 1000,
          scope: 'global',
          spend: { usd: 20, period: 'day' },
          pricePerMillionTokens: { input: 1, output: 2 },
          defaultCompletionTokens: 256,
        },
      },
    ]);
    expect(parseConfig(config(''), 'cfg.yaml').config?.projects).toEqual([{ id: 'acme', name: 'acme' }]);
  });

  it.each([
    ['every bad field at once', `    tokenBudget: {tokensPerMinute: 0, scope: planet, spend: {usd: 5, period: week}, colour: red}\n`, [
      ['projects[0].tokenBudget.colour', /unknown field/],
      ['projects[0].tokenBudget.tokensPerMinute', /integer from 1/],
      ['projects[0].tokenBudget.spend.period', /hour, day, month/],
      ['projects[0].tokenBudget.scope', /proxy, region, global/],
      ['projects[0].tokenBudget.pricePerMillionTokens', /needs per-token prices/],
    ]],
    ['not an object', `    tokenBudget: 1000\n`, [['projects[0].tokenBudget', /must be an object/]]],
  ] as const)('%s', (_n, budget, expected) => {
    const r = parseConfig(config(budget), 'cfg.yaml');
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => [e.path, e.line])).toEqual(expected.map(([path]) => [path, 3]));
    expected.forEach(([, message], i) => expect(r.errors[i]?.message).toMatch(message));
  });
});

describe('apply and the proxy store', () => {
  const { dbUrl, apply } = applyDatabase('apply-project-budget-');

  it('is written, read back as no change, removable, and reaches every app of the project at the proxy', async () => {
    expect(await apply(config(BUDGET))).toContain('+ project acme');
    expect(await apply(config(BUDGET))).toEqual(['no changes']);
    const store = openStore({ url: dbUrl });
    try {
      const apps = await libsqlProxyStore(store.client).loadAppSettings();
      expect(apps.map((a) => [a.appId, a.projectBudget?.tokensPerMinute, a.requests.tokenBudget?.tokensPerMinute ?? null])).toEqual([
        ['acme/chat', 1000, null],
        ['acme/embed', 1000, 50],
      ]);
      expect(await apply(config(''))).toEqual(['~ project acme (tokenBudget)']);
      const after = await libsqlProxyStore(store.client).loadAppSettings();
      expect(after.map((a) => a.projectBudget ?? null)).toEqual([null, null]);
    } finally {
      store.close();
    }
  });
});
