/**
 * `switchyard status --help` says what its less obvious columns hold: START W/C and WAIT/SERVICE
 * were named only in control/aggregator/README.md, and their '-' means the policy default applies
 * (or, for WAIT, no queue), which the table alone does not say.
 */
import { expect, test } from 'vitest';
import { runCliInProcess } from '../run-cli-in-process.ts';

test('status --help explains START W/C and WAIT/SERVICE and their dash', async () => {
  const r = await runCliInProcess(['status', '--help']);
  expect(r.code).toBe(0);
  const help = r.stdout.replace(/\s+/g, ' ');
  expect(help).toContain('START W/C');
  expect(help).toContain('WAIT/SERVICE');
  expect(help).toMatch(/'-'[^.]*policy default/);
});
