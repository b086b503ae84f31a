import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AggregatorLogger } from './logger.ts';
import { createPriceSource } from './price-source.ts';

const dir = mkdtempSync(join(tmpdir(), 'prices-'));
const file = join(dir, 'prices.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spot prices come from a file re-read every tick', () => {
  const warnings: string[] = [];
  const logger: AggregatorLogger = { debug() {}, info() {}, warn: (_o, m) => warnings.push(m), error() {} };
  const source = createPriceSource({ H100: 3, A100: 1.5 }, file, logger);

  it('overlays the file on the static prices, and follows changes', async () => {
    writeFileSync(file, 'H100: 2.1\n');
    expect(await source.current()).toEqual({ H100: 2.1, A100: 1.5 });
    writeFileSync(file, '{"H100": 1.75, "L40S": 0.9}');
    expect(await source.current()).toEqual({ H100: 1.75, A100: 1.5, L40S: 0.9 });
  });

  it('keeps the last good prices when the file breaks, warning once', async () => {
    writeFileSync(file, 'H100: cheap\n');
    expect(await source.current()).toEqual({ H100: 1.75, A100: 1.5, L40S: 0.9 });
    rmSync(file);
    expect(await source.current()).toEqual({ H100: 1.75, A100: 1.5, L40S: 0.9 });
    expect(await source.current()).toEqual({ H100: 1.75, A100: 1.5, L40S: 0.9 });
    expect(warnings).toHaveLength(2);
  });
});
