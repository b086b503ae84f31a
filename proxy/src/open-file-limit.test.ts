import { readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { budgetFromConfig } from './in-flight-budget.ts';
import { openFileLimit, parseProcLimits, UNLIMITED_FILES } from './open-file-limit.ts';

const limits = (soft: string, hard = soft): string =>
  `Limit                     Soft Limit           Hard Limit           Units     \nMax processes             63414                63414                processes \nMax open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     \nMax locked memory         8388608              8388608              bytes     \n`;

describe('parseProcLimits', () => {
  it.each<[string, string, number | null]>([
    ['the soft limit, not the hard one', limits('20000', '1048576'), 20_000],
    ['unlimited', limits('unlimited'), UNLIMITED_FILES],
    ['no such line', 'Limit  Soft Limit  Hard Limit  Units\n', null],
    ['garbage', limits('lots'), null],
  ])('%s', (_name, text, expected) => {
    expect(parseProcLimits(text)).toBe(expected);
  });
});

describe('openFileLimit', () => {
  it.runIf(process.platform === 'linux')("reads this process's own limit", () => {
    expect(openFileLimit()).toBe(parseProcLimits(readFileSync('/proc/self/limits', 'utf8')));
  });
});

describe('budgetFromConfig', () => {
  const quiet = pino({ level: 'silent' });
  it.each<[string, number | 'auto', number | null, number]>([
    ['auto under 20,000 open files', 'auto', 20_000, 9_900],
    ['auto when the limit cannot be read assumes 20,000', 'auto', null, 9_900],
    ['a configured budget wins', 40, 20_000, 40],
    ['even one above what the limit holds (logged)', 50_000, 20_000, 50_000],
  ])('%s', (_name, configured, files, expected) => {
    expect(budgetFromConfig(configured, quiet, files)).toBe(expected);
  });
});
