import { describe, expect, it } from 'vitest';
import { withTimeout } from './snapshot-source.ts';

describe('withTimeout', () => {
  it('passes a prompt answer through', async () => {
    await expect(withTimeout(Promise.resolve(7), 50, 'x')).resolves.toBe(7);
  });
  it('rejects a read that never answers, naming it', async () => {
    await expect(withTimeout(new Promise<never>(() => {}), 20, 'reading acme/chat')).rejects.toThrow('reading acme/chat timed out after 20 ms');
  });
  it('keeps the original failure', async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 50, 'x')).rejects.toThrow('refused');
  });
});
