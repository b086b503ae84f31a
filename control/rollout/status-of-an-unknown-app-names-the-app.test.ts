/**
 * `switchyard rollout status|pause|resume|promote|abort nosuch/app` answered "nosuch/app has no
 * rollout; start one with `switchyard rollout start nosuch/app --to <version>`": advice that
 * could only fail, for a mistyped app name. Against REAL libSQL: an unknown app is named as
 * unknown (as `rollout start` does); a known app without a rollout keeps the hint to start one.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openTempStore, seedChatAndEuResidentApp, type TempStore } from '../store/test-fixtures.ts';
import { operate, rolloutStatus } from './rollout-operations.ts';

let store: TempStore;
beforeEach(async () => {
  store = await openTempStore();
  await seedChatAndEuResidentApp(store.client);
});
afterEach(() => store.dispose());

const commands = [
  ['status', (app: string) => rolloutStatus(store.client, app)],
  ['pause', (app: string) => operate(store.client, app, 'pause', 1)],
  ['resume', (app: string) => operate(store.client, app, 'resume', 1)],
  ['promote', (app: string) => operate(store.client, app, 'promote', 1)],
  ['abort', (app: string) => operate(store.client, app, 'abort', 1)],
] as const;

it.each(commands)('%s of an app that does not exist names it as unknown', async (_name, run) => {
  await expect(run('nosuch/app')).rejects.toMatchObject({
    code: 'ROLLOUT_NOT_FOUND',
    message: 'no app nosuch/app: check the name (project/app) or apply its config first (switchyard apply)',
  });
});

it.each(commands)('%s of an existing app without a rollout says how to start one', async (_name, run) => {
  await expect(run('p/chat')).rejects.toMatchObject({
    code: 'ROLLOUT_NOT_FOUND',
    message: 'p/chat has no rollout; start one with `switchyard rollout start p/chat --to <version>`',
  });
});
