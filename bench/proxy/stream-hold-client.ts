/**
 * Held-stream client (child process) for bench/proxy-stream-hold.ts: opens N event streams to a
 * URL, one socket each, in batches, and reports once all have their first event
 * (`{"ready":n,"failed":n,"errors":{...}}`), then every 5 s `{"held":open,"dropped":n,"events":n}`:
 * a stream that ends or errors after its first event is a drop. Holds until killed.
 * argv: url count [batch=200]
 */
import { Agent, request } from 'node:http';

const [url = '', countText = '0', batchText = '200'] = process.argv.slice(2);
const count = Number(countText);
const batch = Number(batchText);
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
let ready = 0;
let failed = 0;
let dropped = 0;
let events = 0;
const errors: Record<string, number> = {};
const out = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v)}\n`);
const report = (): void => {
  if (ready + failed === count) out({ ready, failed, errors });
};
function fail(code: string): void {
  errors[code] = (errors[code] ?? 0) + 1;
  failed += 1;
  report();
}
function openOne(): void {
  const req = request(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
    let first = true;
    let gone = false;
    const lost = (): void => {
      if (gone) return;
      gone = true;
      if (first) fail(`closed-before-first-event-${res.statusCode ?? 0}`);
      else dropped += 1;
    };
    res.on('data', () => {
      events += 1;
      if (!first) return;
      first = false;
      ready += 1;
      report();
    });
    res.on('end', lost);
    res.on('close', lost);
    res.on('error', lost);
  });
  req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  req.end();
}
// Open in batches so the listen backlog is not overrun.
let opened = 0;
const timer = setInterval(() => {
  for (let i = 0; i < batch && opened < count; i += 1, opened += 1) openOne();
  if (opened >= count) clearInterval(timer);
}, 20);
setInterval(() => out({ held: ready - dropped, dropped, events }), 5000);
