/**
 * Report charts drawn by ECharts (the same library as the operations dashboard), rendered to
 * SVG strings on the server (`ssr: true`), so every report stays one self-contained HTML file
 * with no scripts and no external assets. Each function returns an <svg> string.
 */
import { createRequire } from 'node:module';
import type * as Echarts from 'echarts';
import type { EChartsCoreOption } from 'echarts/core';
import { type CachedModule, requireWithCodeCache } from './code-cache.ts';

/**
 * Loaded on first use, as the library's minified single-file build: every `switchyard` command imports
 * the report modules (the CLI registers all subcommands), and only a report should pay for charts.
 * Compiled through V8's code cache (code-cache.ts): ~0.1 s less per report.
 */
let loaded: CachedModule | undefined;
function echarts(): typeof Echarts {
  loaded ??= requireWithCodeCache(createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js'));
  return loaded.exports as typeof Echarts;
}

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#64748b', '#a16207'];

const W = 720;
const H = 300;

export interface Line {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** Short axis numbers: 1.2k, 15k, 3.4M. */
export function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10) return x.toFixed(0);
  return x.toFixed(a >= 1 ? 1 : 2);
}

function render(option: EChartsCoreOption, width = W, height = H): string {
  const chart = echarts().init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, color: PALETTE, textStyle: { fontFamily: 'sans-serif' }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
    // After the first chart: the code it compiled is cached too.
    loaded?.save();
  }
}

const legend = (names: readonly string[]): EChartsCoreOption => ({ data: [...names], orient: 'vertical', right: 0, top: 16, textStyle: { fontSize: 11 } });
const grid = { left: 60, right: 160, top: 16, bottom: 44 };
const axisName = (name: string, gap = 28): EChartsCoreOption => ({ name, nameLocation: 'middle', nameGap: gap });

/** Line chart; `logX` draws the x axis in decades (latency CDFs). */
export function lineChart(lines: readonly Line[], opts: { xLabel: string; yLabel: string; logX?: boolean; yMax?: number }): string {
  const log = opts.logX === true;
  return render({
    grid,
    legend: legend(lines.map((l) => l.name)),
    xAxis: { type: log ? 'log' : 'value', logBase: 10, scale: !log, ...axisName(opts.xLabel), axisLabel: { formatter: fmt } },
    yAxis: { type: 'value', min: 0, ...(opts.yMax === undefined ? {} : { max: opts.yMax }), ...axisName(opts.yLabel, 44), axisLabel: { formatter: fmt } },
    series: lines.map((l) => ({
      name: l.name,
      type: 'line',
      showSymbol: false,
      lineStyle: { width: 1.6 },
      data: l.points.map(([x, y]) => [log ? Math.max(x, 0.1) : x, y]),
    })),
  });
}

/** Stacked area of shares per time bucket (each bucket's values normalised to 100 %). */
export function stackedShare(names: readonly string[], buckets: readonly (readonly number[])[], opts: { xLabel: string; bucketLabel: (i: number) => string }): string {
  const totals = buckets.map((b) => b.reduce((a, x) => a + x, 0) || 1);
  return render({
    grid,
    legend: { ...legend(names), icon: 'rect' },
    xAxis: { type: 'category', boundaryGap: false, data: buckets.map((_, i) => opts.bucketLabel(i)), ...axisName(opts.xLabel) },
    yAxis: { type: 'value', min: 0, max: 100, ...axisName('share of traffic %', 44) },
    series: names.map((name, k) => ({
      name,
      type: 'line',
      stack: 'share',
      showSymbol: false,
      lineStyle: { width: 0 },
      areaStyle: { opacity: 0.75 },
      data: buckets.map((b, i) => Math.round(((b[k] ?? 0) / (totals[i] ?? 1)) * 10_000) / 100),
    })),
  });
}

/** Horizontal bars on a timeline (incidents): an invisible stacked bar offsets each span. */
export function timeline(spans: ReadonlyArray<{ label: string; start: number; end: number }>, total: number, xLabel: string, tick: (x: number) => string): string {
  const height = 16 + 44 + Math.max(1, spans.length) * 24;
  const labels = spans.map((s) => s.label);
  return render(
    {
      // Room on the left for incident labels ("cluster-outage coreweave-eu-west").
      grid: { left: 220, right: 24, top: 8, bottom: 44 },
      xAxis: { type: 'value', min: 0, max: Math.max(1, total), ...axisName(xLabel), axisLabel: { formatter: tick } },
      yAxis: { type: 'category', inverse: true, data: labels, axisLabel: { fontSize: 11 } },
      series: [
        { type: 'bar', stack: 'span', silent: true, itemStyle: { color: 'transparent' }, data: spans.map((s) => s.start) },
        {
          type: 'bar',
          stack: 'span',
          barWidth: 16,
          data: spans.map((s, i) => ({ value: Math.max(s.end - s.start, total / 500), itemStyle: { color: PALETTE[(i + 1) % PALETTE.length] } })),
        },
      ],
    },
    W + 140,
    height,
  );
}

/** Grouped bars: one group per category, one bar per series. */
export function groupedBars(categories: readonly string[], series: ReadonlyArray<{ name: string; values: readonly number[] }>, yLabel: string): string {
  return render({
    grid,
    legend: legend(series.map((s) => s.name)),
    xAxis: { type: 'category', data: [...categories], axisLabel: { fontSize: 10, interval: 0 } },
    yAxis: { type: 'value', min: 0, ...axisName(yLabel, 44), axisLabel: { formatter: fmt } },
    series: series.map((s) => ({ name: s.name, type: 'bar', data: [...s.values] })),
  });
}
