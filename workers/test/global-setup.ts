/**
 * Runs in Node before the workerd tests: real Hrana endpoints over real libSQL files seeded by the
 * real store code, fake regional proxies, a control server, and a fresh Ed25519 signing key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import type { TestProject } from 'vitest/node';
import { startHranaServer } from '../../control/hrana/server.ts';
import type { HranaServer } from '../../control/hrana/server.ts';
import { openStore } from '../../control/store/index.ts';
import { startControlServer } from './fixtures/control-server.ts';
import { startProxies } from './fixtures/proxies.ts';
import { KEYS, seed } from './fixtures/seed.ts';
import type { Fixtures } from './fixtures/types.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    fixtures: Fixtures;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-edge-'));
  const proxies = await startProxies();
  const main = await startHranaServer({ dbPath: join(dir, 'main.db'), port: 0 });
  const flakyPath = join(dir, 'flaky.db');
  let flaky: HranaServer | null = await startHranaServer({ dbPath: flakyPath, port: 0 });
  const flakyPort = flaky.port;
  const flakyUrl = flaky.url;
  const mainStore = openStore({ url: main.url });
  const flakyStore = openStore({ url: flakyUrl });
  const now = Date.now();
  await seed(mainStore.client, proxies.urls, now);
  await seed(flakyStore.client, proxies.urls, now);

  const control = await startControlServer({
    main: mainStore.client,
    flaky: flakyStore.client,
    proxies,
    stopFlaky: async () => {
      await flaky?.close();
      flaky = null;
    },
    startFlaky: async () => {
      flaky ??= await startHranaServer({ dbPath: flakyPath, port: flakyPort });
    },
  });

  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = 'edge-test-1';
  const signingJwk = JSON.stringify({ ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' });
  const publicJwk = JSON.stringify({ ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' });

  project.provide('fixtures', {
    libsqlUrl: main.url,
    flakyLibsqlUrl: flakyUrl,
    controlUrl: control.url,
    signingJwk,
    publicJwk,
    keys: KEYS,
    proxies: proxies.urls,
  });

  return async () => {
    await control.close();
    mainStore.close();
    flakyStore.close();
    await flaky?.close();
    await main.close();
    await proxies.close();
    rmSync(dir, { recursive: true, force: true });
  };
}
