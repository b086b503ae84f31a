import { afterEach, describe, expect, it } from 'vitest';
import { BodyParser } from './body-parser.ts';
import type { ParseTask } from './body-parse-task.ts';
import { ProxyError } from './errors.ts';

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const hashing = { blockChars: 16, appId: 'acme/chat' };
const chat = { model: 'm', messages: [{ role: 'user', content: 'tell me more about the weather today '.repeat(4) }] };

const parsers: BodyParser[] = [];
afterEach(async () => {
  await Promise.all(parsers.splice(0).map((p) => p.close()));
});
/** `threadBytes` 0: every body goes to the thread; Infinity: none does. */
function parser(threadBytes: number): BodyParser {
  const p = new BodyParser(threadBytes);
  parsers.push(p);
  return p;
}

describe('a body parsed on the thread gives what it gives in place, bytes and all', () => {
  const cases: Array<[string, () => ParseTask]> = [
    ['stream without usage: asked for', () => ({ op: 'budgeted', bytes: json({ ...chat, stream: true, max_tokens: 50 }), hashing })],
    ['stream with usage: forwarded as is', () => ({ op: 'budgeted', bytes: json({ ...chat, stream: true, stream_options: { include_usage: true } }), hashing: null })],
    ['not JSON: counted by its bytes', () => ({ op: 'budgeted', bytes: Buffer.from('not json at all'), hashing })],
    ['max tokens capped', () => ({ op: 'capped', bytes: json({ ...chat, max_completion_tokens: 500, max_tokens: 500 }), cap: 7 })],
    ['prompt hashes', () => ({ op: 'prompt', bytes: json(chat), hashing })],
    ['no prompt: no hashes', () => ({ op: 'prompt', bytes: json({ model: 'm' }), hashing })],
    ['a managed stream that can be continued', () => ({ op: 'stream', bytes: json({ ...chat, stream: true }), upstreamPath: '/v1/chat/completions', accept: undefined })],
    ['a managed stream that cannot', () => ({ op: 'stream', bytes: json({ ...chat, n: 2 }), upstreamPath: '/v1/chat/completions', accept: 'text/event-stream' })],
    ['a continuation', () => ({ op: 'continuation', bytes: json({ ...chat, stream: true, max_tokens: 9 }), kind: 'chat', text: 'It is', tokens: 2 })],
  ];
  it.each(cases)('%s', async (_name, task) => {
    const inPlace = await parser(Number.POSITIVE_INFINITY).run('acme', task());
    const onThread = await parser(0).run('acme', task());
    expect(onThread).toEqual(inPlace);
    if (onThread instanceof Uint8Array) expect(Buffer.isBuffer(onThread)).toBe(true);
    if (onThread !== null && 'bytes' in onThread) expect(Buffer.isBuffer(onThread.bytes)).toBe(true);
  });
});

it("takes projects' bodies in turn: one project's backlog never goes before another's next body", async () => {
  const p = parser(0);
  const done: string[] = [];
  const send = (project: string, n: number): Promise<void> =>
    p.run(project, { op: 'prompt', bytes: json(chat), hashing }).then(() => void done.push(`${project}${n}`));
  // All queued before the thread has booted: acme's three, then other's one.
  await Promise.all([send('acme', 1), send('acme', 2), send('acme', 3), send('other', 1)]);
  expect(done).toEqual(['acme1', 'other1', 'acme2', 'acme3']);
});

// A request's body can be a chunk others hold too (a tracer's capture): moving it would empty theirs.
it("leaves the caller's body as it was: a copy goes to the thread", async () => {
  const p = parser(0);
  const prompt = json(chat);
  await p.run('acme', { op: 'prompt', bytes: prompt, hashing });
  expect(prompt.toString()).toBe(JSON.stringify(chat));
  // Past 4 KiB a Buffer has an ArrayBuffer of its own: the kind that could be moved.
  const long = { ...chat, stream: true, messages: [{ role: 'user', content: 'x'.repeat(10_000) }] };
  const budgeted = json(long);
  const out = await p.run('acme', { op: 'budgeted', bytes: budgeted, hashing: null });
  expect(JSON.parse(out.bytes.toString())).toMatchObject({ stream_options: { include_usage: true } });
  expect(budgeted.toString()).toBe(JSON.stringify(long));
});

it('refuses bodies still queued when the proxy closes, as a retryable 503', async () => {
  const p = parser(0);
  const queued = p.run('acme', { op: 'prompt', bytes: json(chat), hashing });
  await p.close();
  const refused = await queued.catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ProxyError);
  expect(refused).toMatchObject({ status: 503, code: 'body-parse-unavailable', retryAfterS: 1 });
  // And so is any body sent after the close.
  await expect(p.run('acme', { op: 'prompt', bytes: json(chat), hashing })).rejects.toMatchObject({ status: 503 });
});
