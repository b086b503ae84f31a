import { describe, expect, it } from 'vitest';
import { ProxyError } from './errors.ts';
import { HeldBytes } from './ws-held-bytes.ts';

/** An allowance of `capacity` bytes; `taken` is what is held of it. */
function allowance(capacity: number): { take: (n: number) => (() => void) | ProxyError; taken: () => number } {
  let taken = 0;
  return {
    take: (n) => {
      if (taken + n > capacity) return new ProxyError('body-buffers-limited', 429, 'full');
      taken += n;
      return () => void (taken -= n);
    },
    taken: () => taken,
  };
}

describe('HeldBytes', () => {
  it.each([
    // held bytes, free, step → charged
    [0, 64, 256, 0],
    [64, 64, 256, 0],
    [65, 64, 256, 256],
    [320, 64, 256, 256],
    [321, 64, 256, 512],
  ])('%i held with %i free in steps of %i charges %i', (bytes, free, step, charged) => {
    const a = allowance(10_000);
    const h = new HeldBytes(a.take, free, step);
    expect(h.set(bytes)).toBeNull();
    expect(h.charged).toBe(charged);
    expect(a.taken()).toBe(charged);
  });

  it('gives steps back as the bytes leave, and all of them at close', () => {
    const a = allowance(10_000);
    const h = new HeldBytes(a.take, 0, 100);
    h.set(450);
    expect(a.taken()).toBe(500);
    h.set(150);
    expect(a.taken()).toBe(200);
    h.close();
    expect(a.taken()).toBe(0);
    // Closed: a late read charges nothing.
    expect(h.set(1_000)).toBeNull();
    expect(a.taken()).toBe(0);
  });

  it('answers the refusal when the allowance has no room, keeping what it holds', () => {
    const a = allowance(300);
    const h = new HeldBytes(a.take, 0, 100);
    const refused = h.set(450);
    expect(refused).toBeInstanceOf(ProxyError);
    expect(refused?.status).toBe(429);
    expect(a.taken()).toBe(300);
    h.close();
    expect(a.taken()).toBe(0);
  });
});
