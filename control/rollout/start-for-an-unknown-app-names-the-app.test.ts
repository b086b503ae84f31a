/**
 * `switchyard rollout start nosuch/app --to v2` blamed the aggregators ("clusters serve no
 * versioned model (are the aggregators reading /v1/models?)") for a mistyped app name. Against
 * REAL libSQL: an unknown app is named as unknown; a known app with nothing served keeps the hint.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTempStore, seedChatAndEuResidentApp, type TempStore } from '../store/test-fixtures.ts';
import { startRollout, type StartRequest } from './rollout-operations.ts';

let store: TempStore;
beforeEach(async () => {
  store = await openTempStore();
  await seedChatAndEuResidentApp(store.client);
});
afterEach(() => store.dispose());

const request = (appId: string): StartRequest => ({
  appId, model: null, canary: 'v2', stable: null, steps: [10, 50, 100], holdMs: 300_000, keepOldRegions: 0, oldRegions: [],
  gates: {} as StartRequest['gates'], autoPromote: false,
});

it('an app that does not exist is named as such, with the fix', async () => {
  await expect(startRollout(store.client, request('nosuch/app'), 1)).rejects.toThrow(
    'no app nosuch/app: check the name (project/app) or apply its config first (switchyard apply)',
  );
});

it('an existing app whose clusters report no version still points at the aggregators', async () => {
  await expect(startRollout(store.client, request('p/chat'), 1)).rejects.toThrow(/no versioned model \(are the aggregators reading \/v1\/models\?\)/);
});
