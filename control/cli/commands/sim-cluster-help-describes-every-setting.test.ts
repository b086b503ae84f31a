/**
 * `switchyard sim-cluster --help` describes every setting. Five of them (--model-version,
 * --kv-blocks, --kv-block-tokens, --prefill-tokens-per-second, --metric-names) used to show only
 * their own camelCase key, e.g. "--kv-blocks <value>  kvBlocks; env SWITCHYARD_SIM_KV_BLOCKS".
 */
import { expect, test } from 'vitest';
import { SIM_SETTINGS } from '../../sim-cluster/cli-config.ts';
import { runCliInProcess } from '../run-cli-in-process.ts';

test('every sim-cluster setting has a description of its own', async () => {
  const r = await runCliInProcess(['sim-cluster', '--help']);
  expect(r.code).toBe(0);
  const help = r.stdout.replace(/\s+/g, ' ');
  for (const s of SIM_SETTINGS) {
    expect(help, s.flag).toContain(`${s.flag} <value> `);
    // The bare key as the whole description: "--kv-blocks <value> kvBlocks; env …".
    expect(help, s.flag).not.toMatch(new RegExp(`${s.flag} <value> ${s.key}( \\(default [^)]*\\))?; env`));
  }
});
