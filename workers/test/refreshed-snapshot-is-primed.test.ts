import { describe, expect, it } from 'vitest';
import { env as workerEnv } from 'cloudflare:workers';
import { isCompiled } from '../../shared/decision/compile-snapshot.ts';
import type { AppSnapshot } from '../../shared/domain/types.ts';
import type { EnvVars } from '../src/shared-deps.ts';
import { edgeFor } from '../src/index.ts';
import { call, sleep } from './helpers.ts';

// Its own isolate-level edge (a distinct environment): no other test's requests touch its cache.
const env = { EDGE_REFRESH_MS: '60', EDGE_STALE_SNAPSHOT_MS: '5000' };
const PATH = '/token/v4/acme/chat/generate';

async function cached(): Promise<AppSnapshot | null> {
  const built = await edgeFor({ ...(workerEnv as unknown as EnvVars), ...env });
  if (!built.ok) throw new Error('edge config invalid');
  // Read without scheduling work: the refresh (if due) is dropped, the value is what a request would see.
  return (await built.edge.snapshots.get('acme/chat', () => undefined)).value;
}

// The first decision on a snapshot compiles it (~0.4 ms at 64 candidates, 2-3 ms at 512). The
// background refresh does that before installing the new snapshot, so no request pays it.
describe('a snapshot refreshed in the background', () => {
  it('is compiled before any request decides on it', async () => {
    expect((await call(PATH, { env })).status).toBe(200);
    const first = await cached();
    expect(first).not.toBeNull();
    await sleep(120);
    // Served from the cache; the refresh runs in this request's waitUntil (call() waits for it).
    expect((await call(PATH, { env })).status).toBe(200);
    const refreshed = await cached();
    expect(refreshed).not.toBe(first);
    expect(isCompiled(refreshed as AppSnapshot)).toBe(true);
  });
});
