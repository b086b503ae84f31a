import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { AggregatorLogger } from './logger.ts';

export interface PriceSource {
  /** Prices per hour by GPU type for this tick. */
  current(): Promise<Readonly<Record<string, number>>>;
}

export function parsePrices(text: string): Record<string, number> | string {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    return `not JSON/YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'expected a mapping of GPU type to price per hour';
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `price of '${k}' must be a number >= 0`;
    out[k] = v;
  }
  return out;
}

/**
 * Static prices overlaid by a file re-read every tick, so spot prices change without a restart.
 * A missing or broken file keeps the last good prices (logged once per transition): a typo in a
 * price file must not take a cluster's state off the air.
 */
export function createPriceSource(staticPrices: Readonly<Record<string, number>>, file: string | null, logger: AggregatorLogger): PriceSource {
  let lastGood: Record<string, number> = {};
  let lastProblem: string | null = null;
  return {
    async current() {
      if (file === null) return staticPrices;
      let problem: string | null = null;
      try {
        const parsed = parsePrices(await readFile(file, 'utf8'));
        if (typeof parsed === 'string') problem = parsed;
        else lastGood = parsed;
      } catch (e) {
        problem = e instanceof Error ? e.message : String(e);
      }
      if (problem !== lastProblem) {
        if (problem === null) logger.info({ file }, 'price file readable again');
        else logger.warn({ file, problem }, 'price file unusable; keeping the last good prices');
        lastProblem = problem;
      }
      return { ...staticPrices, ...lastGood };
    },
  };
}
