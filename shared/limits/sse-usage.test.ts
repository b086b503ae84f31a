import { describe, expect, it } from 'vitest';
import { MAX_SSE_EVENT_CHARS } from '../http/sse-event-limit.ts';
import { SseUsageFilter, budgetErrorEvent, classifyEvent } from './sse-usage.ts';

const chunk = (content: string | null, finish: string | null = null, usageNull = false): string =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }], ...(usageNull ? { usage: null } : {}) })}\n\n`;
const usage = (p: number, c: number): string =>
  `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } })}\n\n`;
const DONE = 'data: [DONE]\n\n';
const CUT = budgetErrorEvent('cut');

describe('classifyEvent', () => {
  it.each([
    ['content', chunk('hi').trim(), { kind: 'content', tokens: 1 }],
    ['role chunk (empty content)', chunk('').trim(), { kind: 'content', tokens: 0 }],
    ['finish', chunk(null, 'stop').trim(), { kind: 'finish', tokens: 0, reason: 'stop' }],
    ['usage', usage(3, 5).trim(), { kind: 'usage', usage: { prompt: 3, completion: 5 } }],
    ['done', DONE.trim(), { kind: 'done' }],
    ['comment / heartbeat', ': keep-alive', { kind: 'other' }],
    ['text completion', `data: ${JSON.stringify({ choices: [{ text: 'a', finish_reason: null }] })}`, { kind: 'content', tokens: 1 }],
  ] as const)('%s', (_n, event, expected) => {
    expect(classifyEvent(event)).toEqual(expected);
  });
});

function run(input: string[], o: { asked: boolean; cap: number | null; reserved: number; drawable: number }) {
  let left = o.drawable;
  const f = new SseUsageFilter({
    clientAskedUsage: o.asked,
    completionCap: o.cap,
    reservedCompletion: o.reserved,
    draw: () => (left > 0 ? ((left -= 1), true) : false),
    cutMessage: 'cut',
  });
  let out = '';
  let cut = false;
  for (const t of input) {
    const r = f.push(t);
    out += r.out;
    if (r.cut) {
      cut = true;
      break;
    }
  }
  if (!cut) out += f.end();
  return { out, cut, counted: f.counted, drawn: f.drawn, usage: f.usage, atBudget: f.cutAtBudget };
}

describe('SseUsageFilter', () => {
  const body = [chunk('a', null, true), chunk('b', null, true), chunk(null, 'stop', true), usage(3, 2), DONE];

  it('strips the usage chunk and the usage:null fields the proxy asked for', () => {
    const r = run(body, { asked: false, cap: null, reserved: 10, drawable: 0 });
    expect(r.out).toBe(chunk('a') + chunk('b') + chunk(null, 'stop') + DONE);
    expect(r.usage).toEqual({ prompt: 3, completion: 2 });
    expect(r.cut).toBe(false);
  });

  it('passes everything through when the client asked for usage', () => {
    expect(run(body, { asked: true, cap: null, reserved: 10, drawable: 0 }).out).toBe(body.join(''));
  });

  it('works whatever the upstream chunking (events split across reads)', () => {
    const whole = body.join('');
    const pieces = whole.match(/[\s\S]{1,7}/g) ?? [];
    const r = run(pieces, { asked: false, cap: null, reserved: 10, drawable: 0 });
    expect(r.out).toBe(chunk('a') + chunk('b') + chunk(null, 'stop') + DONE);
  });

  it('finds separators split between any two reads, CRLF ones too', () => {
    const crlf = body.map((e) => e.replace(/\n\n$/, '\r\n\r\n'));
    for (const events of [body, crlf]) {
      const whole = events.join('');
      const expected = run(events, { asked: false, cap: null, reserved: 10, drawable: 0 });
      for (const size of [1, 2, 3, 5]) {
        const r = run(whole.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [], { asked: false, cap: null, reserved: 10, drawable: 0 });
        expect(r.out).toBe(expected.out);
        expect(r.usage).toEqual({ prompt: 3, completion: 2 });
      }
    }
  });

  it('passes an event past the limit on as it comes, holds none of it, and reads the events after it', () => {
    const f = new SseUsageFilter({ clientAskedUsage: false, completionCap: null, reservedCompletion: 0, draw: () => true, cutMessage: 'cut' });
    const piece = 'x'.repeat(64 * 1024);
    let pushed = 'data: {"a":"'.length;
    let out = f.push('data: {"a":"').out;
    // A replica's event with no blank line, 8 times the limit: past the limit, out as it comes.
    for (let i = 0; i < (8 * MAX_SSE_EVENT_CHARS) / piece.length; i += 1) {
      out += f.push(piece).out;
      pushed += piece.length;
      expect(pushed - out.length).toBeLessThanOrEqual(MAX_SSE_EVENT_CHARS);
    }
    out += f.push('"}\n').out;
    out += f.push(`\n${chunk('b', null, true)}${usage(3, 1)}`).out + f.push(DONE).out + f.end();
    expect(out).toBe(`data: {"a":"${piece.repeat((8 * MAX_SSE_EVENT_CHARS) / piece.length)}"}\n\n${chunk('b')}${DONE}`);
    expect(f.counted).toBe(1);
    expect(f.usage).toEqual({ prompt: 3, completion: 1 });
  });

  it('a finish at the proxy-imposed cap becomes the error event (after the usage the client asked for)', () => {
    const capped = [chunk('a'), chunk('b'), chunk(null, 'length'), usage(3, 2), DONE];
    const r = run(capped, { asked: true, cap: 2, reserved: 2, drawable: 0 });
    expect(r.out).toBe(chunk('a') + chunk('b') + usage(3, 2) + CUT);
    expect(r.atBudget).toBe(true);
  });

  it('a length finish under the client’s own max_tokens is a normal end', () => {
    const r = run([chunk('a'), chunk(null, 'length'), DONE], { asked: true, cap: null, reserved: 1, drawable: 0 });
    expect(r.out).toBe(chunk('a') + chunk(null, 'length') + DONE);
    expect(r.atBudget).toBe(false);
  });

  it('counts tokens past the reservation and cuts exactly where the budget runs out', () => {
    const long = ['a', 'b', 'c', 'd', 'e', 'f'].map((t) => chunk(t));
    const r = run(long, { asked: false, cap: null, reserved: 2, drawable: 2 });
    expect(r.out).toBe(chunk('a') + chunk('b') + chunk('c') + chunk('d') + CUT);
    expect(r).toMatchObject({ cut: true, counted: 4, drawn: 2, atBudget: true });
  });
});
