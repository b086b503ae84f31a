import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { makeLocator } from '../config/yaml-locator.ts';
import { formatPath, type ConfigIssue } from '../config/config-issue.ts';
import { validateAggregatorConfig, type AggregatorConfig, type AggregatorConfigResult } from './aggregator-config.ts';
import { parsePrices } from './price-source.ts';
import { blameFlags, mergeAggregatorFlags, type AggregatorFlags } from './flags-to-config.ts';

/**
 * The entrypoint's one call: read the YAML file (if any), overlay the flags, validate the
 * result. Lines in issues point into the file for fields the flags did not override; the others
 * name their flag.
 */
export async function loadAggregatorConfig(file: string | null, flags: AggregatorFlags): Promise<AggregatorConfigResult> {
  let base: unknown = undefined;
  let locate: (path: readonly PropertyKey[]) => number | null = () => null;
  if (file !== null) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      return { ok: false, issues: [{ file, path: '', line: null, message: `cannot read: ${e instanceof Error ? e.message : String(e)}` }] };
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return {
        ok: false,
        issues: doc.errors.map((e) => ({ file, path: '', line: lines.linePos(e.pos[0]).line, message: `YAML syntax: ${e.message.split('\n')[0] ?? e.code}` })),
      };
    }
    try {
      base = doc.toJS();
    } catch (e) {
      // An alias bomb (`Excessive alias count`): said without the file's name before.
      return { ok: false, issues: [{ file, path: '', line: null, message: `YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` }] };
    }
    locate = makeLocator(doc, lines);
  }
  const merged = mergeAggregatorFlags(base, flags);
  if (merged.issues.length > 0) return { ok: false, issues: merged.issues };
  const result = validateAggregatorConfig(merged.raw, file ?? 'flags', locate);
  if (!result.ok) return { ok: false, issues: result.issues.map((i) => blameFlags(i, merged.setByFlags, file !== null)) };
  const unpriced = await pricesAtStart(result.config);
  if (unpriced.length === 0) return result;
  const issues = unpriced.map(([path, message]): ConfigIssue => ({ file: file ?? 'flags', path: formatPath(path), line: locate(path), message }));
  return { ok: false, issues: issues.map((i) => blameFlags(i, merged.setByFlags, file !== null)) };
}

/**
 * The prices file is read once before the first push: unreadable or invalid there, or without a
 * price for an app's GPU type, the cluster was pushed at $0/h, the cheapest in the fleet to the
 * cost model. Later an unusable file keeps the last good prices (price-source.ts); at start there
 * are none.
 */
async function pricesAtStart(config: AggregatorConfig): Promise<Array<[readonly PropertyKey[], string]>> {
  if (config.pricesFile === null) return [];
  let prices: Record<string, number> | string;
  try {
    prices = parsePrices(await readFile(config.pricesFile, 'utf8'));
  } catch (e) {
    prices = `cannot read it (${e instanceof Error ? e.message : String(e)})`;
  }
  if (typeof prices === 'string') return [[['pricesFile'], `${config.pricesFile}: ${prices}; without it the cluster would be pushed at $0/h`]];
  const known = { ...config.gpuPrices, ...prices };
  return config.apps
    .filter((a) => !(a.gpuType in known))
    .map((a) => [['apps', a.appId, 'gpuType'], `GPU type '${a.gpuType}' has no price in gpus or ${config.pricesFile} (known: ${Object.keys(known).join(', ') || 'none'})`]);
}
