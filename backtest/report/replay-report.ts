/** Renders a replay report: stdout summary, self-contained HTML. */
import type { LatencySummary, ReplayReport } from '../replay/replay-engine.ts';
import { htmlPage, htmlTable } from './html-page.ts';
import { groupedBars, lineChart } from './charts.ts';
import { num, pct, textTable } from './text-table.ts';

function trafficRows(c: { before: Record<string, number>; after: Record<string, number> }, total: number): string[][] {
  const keys = [...new Set([...Object.keys(c.before), ...Object.keys(c.after)])].sort();
  return keys.map((k) => {
    const b = c.before[k] ?? 0;
    const a = c.after[k] ?? 0;
    return [k, num(b), pct(b / Math.max(1, total)), num(a), pct(a / Math.max(1, total)), `${a - b >= 0 ? '+' : ''}${num(a - b)}`];
  });
}

const T_HEAD = ['', 'before', 'share', 'after', 'share', 'change'];

function lat(s: LatencySummary): string[] {
  return [num(s.count), num(s.mean, 1), num(s.p50, 1), num(s.p95, 1), num(s.p99, 1)];
}

export function replaySummaryText(r: ReplayReport): string {
  const out: string[] = [];
  out.push(`replayed ${num(r.records)} decisions (policy ${policyLabel(r)}, strategy ${r.strategy ?? 'as recorded'}) in ${num(r.wallMs)} ms (${num(r.decisionsPerSecond)}/s)`);
  const models = (c: Record<string, number>): string => Object.entries(c).map(([m, n]) => `${m} ${num(n)}`).join(', ') || '-';
  out.push(`model: before ${models(r.models.before)}; after ${models(r.models.after)} (ttft estimates are predicted time to first token, weights estimates network latency only)`);
  out.push(`moved: ${num(r.moved)} (${pct(r.movedShare, 2)})${r.identical === null ? '' : `; identical to recorded: ${num(r.identical)}/${num(r.records)}`}`);
  if (r.firstDifference !== null && r.identical !== null && r.identical < r.records) out.push(`first difference: ${r.firstDifference}`);
  out.push(`constraint violations after: ${num(r.violations.afterTotal)} ${JSON.stringify(r.violations.after)} (before: ${JSON.stringify(r.violations.before)})`);
  out.push('');
  out.push(textTable(['region', ...T_HEAD.slice(1)], trafficRows(r.traffic.region, r.records)));
  out.push('');
  out.push(textTable(['provider', ...T_HEAD.slice(1)], trafficRows(r.traffic.provider, r.records)));
  out.push('');
  out.push(
    textTable(
      ['latency ms', 'n', 'mean', 'p50', 'p95', 'p99'],
      [
        ['estimated before', ...lat(r.latency.estimatedBefore)],
        ['estimated after', ...lat(r.latency.estimatedAfter)],
        ['recorded ttfb', ...lat(r.latency.recordedTtfb)],
        ['ttfb (unmoved)', ...lat(r.latency.recordedTtfbUnmoved)],
      ],
    ),
  );
  out.push('');
  out.push(`cost: before $${r.cost.before.toFixed(4)} after $${r.cost.after.toFixed(4)} (price/h × duration; ${num(r.cost.withRecordedDuration)} with recorded duration, others assume ${num(r.cost.assumedDurationMs)} ms)`);
  return `${out.join('\n')}\n`;
}

export function replayHtml(r: ReplayReport): string {
  const regions = [...new Set([...Object.keys(r.traffic.region.before), ...Object.keys(r.traffic.region.after)])].sort();
  const providers = [...new Set([...Object.keys(r.traffic.provider.before), ...Object.keys(r.traffic.provider.after)])].sort();
  const bars = (keys: string[], c: { before: Record<string, number>; after: Record<string, number> }): string =>
    groupedBars(keys, [
      { name: 'before', values: keys.map((k) => c.before[k] ?? 0) },
      { name: 'after', values: keys.map((k) => c.after[k] ?? 0) },
    ], 'decisions');
  const movedLine = {
    name: 'moved %',
    points: r.series.total.map((t, i) => [i * r.series.bucketMs / 60_000, t === 0 ? 0 : ((r.series.moved[i] ?? 0) / t) * 100] as const),
  };
  return htmlPage('Switchyard replay', [
    { heading: 'Summary', html: `<pre>${replaySummaryText(r).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>` },
    { heading: 'Traffic per region', html: bars(regions, r.traffic.region) + htmlTable(['region', ...T_HEAD.slice(1)], trafficRows(r.traffic.region, r.records)) },
    { heading: 'Traffic per provider', html: bars(providers, r.traffic.provider) + htmlTable(['provider', ...T_HEAD.slice(1)], trafficRows(r.traffic.provider, r.records)) },
    { heading: 'Traffic per cluster', html: htmlTable(['cluster', ...T_HEAD.slice(1)], trafficRows(r.traffic.cluster, r.records)) },
    { heading: 'Decisions that move, over time', html: lineChart([movedLine], { xLabel: 'minutes since first record', yLabel: '% moved', yMax: 100 }) },
    {
      heading: 'Latency',
      html: htmlTable(['latency ms', 'n', 'mean', 'p50', 'p95', 'p99'], [
        ['estimated before', ...lat(r.latency.estimatedBefore)],
        ['estimated after', ...lat(r.latency.estimatedAfter)],
        ['recorded ttfb', ...lat(r.latency.recordedTtfb)],
        ['ttfb (unmoved)', ...lat(r.latency.recordedTtfbUnmoved)],
      ]),
    },
  ]);
}

/** A --policy file is named with its version: a file without ROUTE_POLICY_VERSION is not the default policy. */
function policyLabel(r: ReplayReport): string {
  if (r.policyVersion === null) return 'as recorded';
  return r.policySource === null ? r.policyVersion : `${r.policySource} (version ${r.policyVersion})`;
}
