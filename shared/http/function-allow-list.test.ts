import { describe, expect, it } from 'vitest';
import { functionAllowed } from './function-allow-list.ts';

describe('functionAllowed', () => {
  it.each([
    [['v1/*'], 'v1/chat/completions', true],
    [['v1/*'], 'v1/models', true],
    [['v1/*'], 'v1', false],
    [['v1/*'], 'v10/x', false],
    [['v1/*'], '_control', false],
    [['v1/*'], 'metrics', false],
    [['v1/*'], 'health', false],
    [['v1/*', 'generate'], 'generate', true],
    [['v1/*', 'generate'], 'generate/x', false],
    [['*'], '_control', true],
    [['v1/chat/*'], 'v1/chat/completions', true],
    [['v1/chat/*'], 'v1/chatty', false],
  ])('%j allows %s: %s', (patterns, fn, allowed) => {
    expect(functionAllowed(patterns, fn)).toBe(allowed);
  });
});
