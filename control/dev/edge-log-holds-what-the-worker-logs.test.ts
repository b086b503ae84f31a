/**
 * `switchyard dev` runs the edge under `wrangler dev`, its output going to the edge's log in the
 * state dir, where the READMEs send operators for a refusal's cause and every decision's line.
 * Under `--log-level warn` wrangler dropped every `console.log` of the Worker, so that log held
 * only wrangler's own warnings. Here a Worker that logs like the edge runs with the dev stack's
 * arguments: its line must reach the output, and wrangler's request line must not carry the
 * query string.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startWranglerDev, type WranglerDevWorker } from './wrangler-dev-fixture.ts';

const WORKER = `export default { async fetch() { console.log(JSON.stringify({ level: 'info', msg: 'request refused', code: 'unknown-function' })); return new Response('ok'); } };`;

let worker: WranglerDevWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
});

describe("the dev stack's edge under wrangler dev", () => {
  it("prints the Worker's own log lines", async () => {
    worker = await startWranglerDev(WORKER);
    const w = worker;
    expect((await fetch(`${w.url}/v4/p/a/f?sy_token=secret-in-query`)).ok).toBe(true);
    const printed = (): boolean => w.output().includes('request refused') && w.output().includes('GET /v4/p/a/f');
    const logged = Date.now() + 10_000;
    while (!printed() && Date.now() < logged) await new Promise((r) => setTimeout(r, 100));
    expect(w.output()).toContain('{"level":"info","msg":"request refused","code":"unknown-function"}');
    expect(w.output()).toMatch(/GET \/v4\/p\/a\/f 200/);
    expect(w.output()).not.toContain('secret-in-query');
  }, 90_000);
});
