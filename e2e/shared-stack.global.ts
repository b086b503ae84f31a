/**
 * globalSetup of the `e2e-shared` project: starts one stack for all of its files and hands
 * them its addresses and keys (`useSharedStack()` in stack.ts); stops it after the last file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevStack } from '../control/dev/start-dev-stack.ts';
import { e2eStackOptions, type SharedStack } from './stack.ts';

/** Above every per-file stack's ports (bases 21_000–26_400, 200 apart; a stack spans ~130). */
const SHARED_BASE_PORT = 26_800;

declare module 'vitest' {
  export interface ProvidedContext {
    sharedStack: SharedStack;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-e2e-shared-'));
  const stack = await startDevStack(e2eStackOptions(SHARED_BASE_PORT, dir));
  const { topology, edgeUrl, libsqlUrl, dashboardUrl, libsqlAuthToken, apiKey, operatorKey } = stack;
  project.provide('sharedStack', { topology, edgeUrl, libsqlUrl, dashboardUrl, libsqlAuthToken, apiKey, operatorKey });
  return async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
