import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { watchOutputFailures } from './output-failures.ts';

function io() {
  const written: string[] = [];
  const exits: number[] = [];
  const stderr = Object.assign(new EventEmitter(), { write: (t: string) => written.push(t) });
  return { stdout: new EventEmitter(), stderr, exit: (code: number) => void exits.push(code), written, exits };
}

const fail = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: failed, write`), { code });

// A command still producing its result ends with it; one that has started (a server, dev) keeps
// running through a lost log reader and shuts down by its own signal handling.
describe('a failed write to the CLI output', () => {
  it.each([
    { stream: 'stdout', code: 'EPIPE', started: false, exits: [141], written: [] },
    { stream: 'stderr', code: 'EPIPE', started: false, exits: [141], written: [] },
    { stream: 'stdout', code: 'ENOSPC', started: false, exits: [1], written: ['error: cannot write to stdout: ENOSPC: failed, write\n'] },
    { stream: 'stderr', code: 'ENOSPC', started: false, exits: [1], written: [] },
    { stream: 'stdout', code: 'EPIPE', started: true, exits: [], written: [] },
    { stream: 'stdout', code: 'ENOSPC', started: true, exits: [], written: ['error: cannot write to stdout: ENOSPC: failed, write\n'] },
  ] as const)('$stream $code, command started: $started → exits $exits', ({ stream, code, started, exits, written }) => {
    const o = io();
    watchOutputFailures(() => started, o);
    (stream === 'stdout' ? o.stdout : o.stderr).emit('error', fail(code));
    expect(o.exits).toEqual(exits);
    expect(o.written).toEqual(written);
  });

  it('says a failing stdout once, however many writes fail', () => {
    const o = io();
    watchOutputFailures(() => true, o);
    for (let i = 0; i < 3; i++) o.stdout.emit('error', fail('ENOSPC'));
    expect(o.written).toHaveLength(1);
  });

  it('says nothing of the writes that fail after a closed pipe destroyed the stream', () => {
    const o = io();
    watchOutputFailures(() => true, o);
    o.stdout.emit('error', fail('EPIPE'));
    o.stdout.emit('error', fail('ERR_STREAM_DESTROYED'));
    expect(o.written).toEqual([]);
    expect(o.exits).toEqual([]);
  });
});
