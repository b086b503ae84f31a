import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { makeLocator } from '../config/yaml-locator.ts';
import { validateAggregatorConfig, type AggregatorConfigResult } from './aggregator-config.ts';
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
    base = doc.toJS();
    locate = makeLocator(doc, lines);
  }
  const merged = mergeAggregatorFlags(base, flags);
  if (merged.issues.length > 0) return { ok: false, issues: merged.issues };
  const result = validateAggregatorConfig(merged.raw, file ?? 'flags', locate);
  return result.ok ? result : { ok: false, issues: result.issues.map((i) => blameFlags(i, merged.setByFlags, file !== null)) };
}
