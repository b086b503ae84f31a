/**
 * An in-region proxy over real libSQL (in-region-fixture.ts) in front of one simulated engine whose
 * first token comes `prefillMs` after its head, with the chat call the stream tests make to the
 * open app (`acme/open`). Registers its own beforeAll/afterAll.
 */
import { afterAll, beforeAll } from 'vitest';
import type { SimCluster } from '../../control/sim-cluster/server.ts';
import { startReplica } from './harness.ts';
import { startInRegionFixture, type InRegionFixture } from './in-region-fixture.ts';

export interface SlowPrefill {
  /** The running fixture (valid inside tests). */
  readonly f: InRegionFixture;
  /** POST a three-token chat completion to acme/open through the proxy. */
  chat(stream: boolean, signal?: AbortSignal): Promise<Response>;
}

export function useSlowPrefill(prefillMs: number): SlowPrefill {
  let sim: SimCluster | undefined;
  let f: InRegionFixture | undefined;
  beforeAll(async () => {
    sim = await startReplica('c1', 'r0');
    sim.control.apply({ reset: true, firstTokenDelayMs: prefillMs });
    f = await startInRegionFixture(sim.url);
  });
  afterAll(async () => {
    await f?.close();
    await sim?.close();
  });
  const fixture = (): InRegionFixture => {
    if (f === undefined) throw new Error('useSlowPrefill: the fixture is not started');
    return f;
  };
  return {
    get f() {
      return fixture();
    },
    chat: (stream, signal) =>
      fetch(`${fixture().proxy.url}/v4/acme/open/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo-llm', stream, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] }),
        ...(signal === undefined ? {} : { signal }),
      }),
  };
}
