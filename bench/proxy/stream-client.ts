/**
 * Benchmark SSE client (child process): opens N event streams to a URL, one
 * socket each, prints `{"ready":N}` once every stream has delivered its first
 * event, and holds them until killed. argv: url count.
 */
import { request, Agent } from 'node:http';

const [url = '', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
let ready = 0;
let failed = 0;
const report = (): void => {
  if (ready + failed === count) process.stdout.write(`${JSON.stringify({ ready, failed })}\n`);
};
let opened = 0;
function openOne(): void {
  const req = request(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
    let first = true;
    res.on('data', () => {
      if (!first) return;
      first = false;
      ready += 1;
      report();
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => {
    failed += 1;
    report();
  });
  req.end();
}
// Open in batches so the listen backlog is not overrun.
const timer = setInterval(() => {
  for (let i = 0; i < 200 && opened < count; i += 1, opened += 1) openOne();
  if (opened >= count) clearInterval(timer);
}, 10);
