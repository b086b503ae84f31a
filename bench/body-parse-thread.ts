/**
 * `npx tsx bench/body-parse-thread.ts`: what parsing a budgeted body on the parse thread costs
 * the request (latency: the hop and the copy) and saves the event loop, against parsing it in
 * place, for bodies around the threshold (PROXY_BODY_PARSE_THREAD_BYTES, 32 KiB) and large ones.
 * Two shapes: a chat prompt (one long string: cheap per byte) and JSON numbers (the costliest per
 * byte). Per body: the request's wall time (median, p99) and the event loop's time inside the
 * call (in place: all of it; on the thread: posting, the reply, the Buffer views).
 */
import { BodyParser } from '../proxy/src/body-parser.ts';

const KIB = 1024;
const chat = (bytes: number): Buffer =>
  Buffer.from(JSON.stringify({ model: 'm', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'a'.repeat(Math.max(0, bytes - 100)) }] }));
const numbers = (bytes: number): Buffer =>
  Buffer.from(JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }], extra: new Array<number>(Math.max(0, Math.floor((bytes - 100) / 4))).fill(1.5) }));

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function measure(parser: BodyParser, make: () => Buffer, runs: number): Promise<{ p50: number; p99: number; loop: number }> {
  const wall: number[] = [];
  let loop = 0;
  for (let i = 0; i < runs; i++) {
    const bytes = make(); // moved to the thread: a fresh body each time, as a request's is
    const t0 = performance.now();
    const pending = parser.run('acme', { op: 'budgeted', bytes, hashing: null });
    loop += performance.now() - t0; // the synchronous part: all of an in-place parse, the post for the thread
    const out = await pending;
    const t1 = performance.now();
    if (out.bytes.length === 0) throw new Error('empty body');
    loop += performance.now() - t1;
    wall.push(t1 - t0);
  }
  wall.sort((a, b) => a - b);
  return { p50: quantile(wall, 0.5), p99: quantile(wall, 0.99), loop: loop / runs };
}

const inPlace = new BodyParser(Number.POSITIVE_INFINITY);
const onThread = new BodyParser(0);
await measure(onThread, () => chat(KIB), 20); // boot the thread and warm both paths
await measure(inPlace, () => chat(KIB), 20);
const rows: string[] = ['| body | in place: p50 / p99 ms | thread: p50 / p99 ms | event loop per body: in place / thread ms |', '|---|---|---|---|'];
for (const [shape, make] of [['chat', chat], ['numbers', numbers]] as const) {
  for (const size of [16 * KIB, 32 * KIB, 64 * KIB, 256 * KIB, 1024 * KIB, 8192 * KIB]) {
    const runs = size >= 1024 * KIB ? 10 : 200;
    const a = await measure(inPlace, () => make(size), runs);
    const b = await measure(onThread, () => make(size), runs);
    const f = (n: number): string => (n < 10 ? n.toFixed(3) : n.toFixed(1));
    rows.push(`| ${shape} ${size / KIB} KiB | ${f(a.p50)} / ${f(a.p99)} | ${f(b.p50)} / ${f(b.p99)} | ${f(a.loop)} / ${f(b.loop)} |`);
  }
}
await onThread.close();
process.stdout.write(`${rows.join('\n')}\n`);
