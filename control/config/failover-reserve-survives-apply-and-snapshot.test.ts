/**
 * An app's `failoverReserve` (N+1 for that app alone, overriding ROUTE_FAILOVER_RESERVE): checked
 * with its path and line, written by `apply` into REAL libSQL, read back as "no changes", and
 * in the app snapshot the edge decides from; removing it hands the app back to the policy.
 */
import { describe, expect, it } from 'vitest';
import { loadAppSnapshot } from '../../shared/snapshot/load-app-snapshot.ts';
import { openStore } from '../store/open-store.ts';
import { parseConfig } from './parse-config.ts';
import { applyDatabase } from './apply-fixture.ts';

const config = (reserve: string): string => `projects:
  - id: bank
clusters:
  - {id: c1, region: eu-west, provider: lambda, proxyUrl: 'http://127.0.0.1:1', proxyId: p1}
apps:
  - {project: bank, name: assistant, clusters: [c1]${reserve}}
  - {project: bank, name: chat, clusters: [c1]}
`;

describe('parse', () => {
  it('a value in [0, 4] is kept; none stays absent (the policy decides)', () => {
    expect(parseConfig(config(', failoverReserve: 1.5'), 'cfg.yaml').config?.apps.map((a) => a.failoverReserve)).toEqual([1.5, undefined]);
    expect(parseConfig(config(', failoverReserve: 0'), 'cfg.yaml').config?.apps[0]?.failoverReserve).toBe(0);
    expect(parseConfig(config(''), 'cfg.yaml').config?.apps[0]).not.toHaveProperty('failoverReserve');
  });

  it.each([
    ['above 4', ', failoverReserve: 5', /between 0 \(off\) and 4/],
    ['negative', ', failoverReserve: -1', /between 0 \(off\) and 4/],
    ['not a number', ', failoverReserve: high', /number/],
  ])('%s: an error at apps[0].failoverReserve, line 6, nothing else', (_n, reserve, message) => {
    const r = parseConfig(config(reserve), 'cfg.yaml');
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => [e.path, e.line])).toEqual([['apps[0].failoverReserve', 6]]);
    expect(r.errors[0]?.message).toMatch(message);
  });
});

describe('apply and the app snapshot', () => {
  const { dbUrl, apply } = applyDatabase('apply-failover-reserve-');
  const reserves = async (): Promise<Array<number | undefined>> => {
    const store = openStore({ url: dbUrl });
    try {
      const snaps = await Promise.all(['bank/assistant', 'bank/chat'].map((id) => loadAppSnapshot(store.client as never, id, 2_000)));
      return snaps.map((s) => s?.app.failoverReserve);
    } finally {
      store.close();
    }
  };

  it('reaches the snapshot of its app only, reads back as no change, changes and is removable', async () => {
    expect(await apply(config(', failoverReserve: 1'))).toContain('+ app bank/assistant');
    expect(await reserves()).toEqual([1, undefined]);
    expect(await apply(config(', failoverReserve: 1'))).toEqual(['no changes']);
    expect(await apply(config(', failoverReserve: 0'))).toEqual(['~ app bank/assistant (failoverReserve)']);
    expect(await reserves()).toEqual([0, undefined]);
    expect(await apply(config(''))).toEqual(['~ app bank/assistant (failoverReserve)']);
    expect(await reserves()).toEqual([undefined, undefined]);
  });
});
