import { describe, expect, it } from 'vitest';
import { fmt, groupedBars, lineChart, stackedShare, timeline } from './charts.ts';

describe('report charts (ECharts, server-side SVG)', () => {
  it.each([
    { name: 'line, linear', svg: () => lineChart([{ name: 'moved %', points: [[0, 1], [5, 40], [10, 20]] }], { xLabel: 'minutes', yLabel: '% moved', yMax: 100 }), texts: ['moved %', 'minutes'] },
    { name: 'line, log x (CDF)', svg: () => lineChart([{ name: 'switchyard', points: [[0, 0], [12, 50], [900, 100]] }, { name: 'nearest', points: [[30, 10], [3000, 100]] }], { xLabel: 'TTFB ms (log)', yLabel: '%', logX: true, yMax: 100 }), texts: ['switchyard', 'nearest', '1.0k'] },
    { name: 'line, no data', svg: () => lineChart([], { xLabel: 'x', yLabel: 'y' }), texts: ['x'] },
    { name: 'stacked share', svg: () => stackedShare(['us-east', 'eu-west'], [[1, 3], [2, 2], [0, 0]], { xLabel: 'simulated time', bucketLabel: (i) => `${i} h` }), texts: ['us-east', 'eu-west', '1 h', 'simulated time'] },
    { name: 'stacked share, no buckets', svg: () => stackedShare(['a'], [], { xLabel: 't', bucketLabel: String }), texts: ['a'] },
    { name: 'timeline', svg: () => timeline([{ label: 'cluster-outage eu-west-1', start: 10, end: 50 }, { label: 'price-spike us', start: 60, end: 61 }], 100, 'simulated time', (x) => `${x} s`), texts: ['cluster-outage eu-west-1', 'price-spike us', '100 s'] },
    { name: 'grouped bars', svg: () => groupedBars(['us-east', 'eu-west'], [{ name: 'before', values: [10, 5] }, { name: 'after', values: [3, 12] }], 'decisions'), texts: ['before', 'after', 'us-east', 'decisions'] },
    { name: 'labels are escaped', svg: () => groupedBars(['<b>&'], [{ name: '"x"', values: [1] }], 'y'), texts: ['&lt;b&gt;&amp;'] },
  ])('$name', ({ svg, texts }) => {
    const out = svg();
    expect(out.startsWith('<svg')).toBe(true);
    // Self-contained: no scripts, no links, no external references.
    expect(out).not.toMatch(/<script|\shref=|src=/);
    for (const t of texts) expect(out).toContain(t);
  });
});

describe('fmt', () => {
  it.each([
    [0, '0'],
    [0.25, '0.25'],
    [3.14, '3.1'],
    [42, '42'],
    [1500, '1.5k'],
    [25_000, '25k'],
    [3_400_000, '3.4M'],
  ])('%s → %s', (x, want) => expect(fmt(x)).toBe(want));
});
