/** Renders a simulation report: stdout table, Markdown table, self-contained HTML. */
import type { SimReport } from '../sim/simulate.ts';
import type { StrategyResult } from '../sim/metrics.ts';
import { htmlPage, htmlTable } from './html-page.ts';
import { lineChart, stackedShare, timeline, type Line } from './charts.ts';
import { markdownTable, num, pct, textTable } from './text-table.ts';

const HEADERS = ['strategy', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'failed', 'rejected', 'cold starts', 'cost $', 'residency viol.', 'top region'];

function rows(r: SimReport): string[][] {
  return r.strategies.map((s) => {
    const top = Object.entries(s.shareByRegion).sort((a, b) => b[1] - a[1])[0];
    return [
      s.strategy,
      num(s.requests),
      num(s.ttfbMs.p50, 0),
      num(s.ttfbMs.p95, 0),
      num(s.ttfbMs.p99, 0),
      `${num(s.failed)} (${pct(s.failed / Math.max(1, s.requests), 2)})`,
      `${num(s.rejected)} (${pct(s.rejected / Math.max(1, s.requests), 2)})`,
      num(s.coldStarts),
      num(s.cost, 0),
      num(s.residencyViolations),
      top === undefined ? '-' : `${top[0]} ${pct(top[1], 0)}`,
    ];
  });
}

const WINDOW_HEADERS = ['strategy', 'requests', 'p50 ms', 'p99 ms', 'failed', 'cost $/1k req', 'top clusters'];

function windowTables(r: SimReport, table: (h: string[], rows: string[][]) => string): string {
  const names = r.strategies[0]?.windows.map((w) => w.name) ?? [];
  return names
    .map((name, i) => {
      const body = r.strategies.map((s) => {
        const w = s.windows[i];
        if (w === undefined) return [s.strategy, '-', '-', '-', '-', '-', '-'];
        const top = Object.entries(w.shareByCluster).sort((a, b) => b[1] - a[1]).slice(0, 3);
        return [s.strategy, num(w.requests), num(w.ttfbMs.p50, 0), num(w.ttfbMs.p99, 0), num(w.failed), w.costPer1k === null ? '-' : w.costPer1k.toFixed(3), top.map(([c, v]) => `${c} ${pct(v, 0)}`).join(', ')];
      });
      const w0 = r.strategies[0]?.windows[i];
      const span = w0 === undefined ? '' : ` (${(w0.startMs / 3_600_000).toFixed(2)}–${(w0.endMs / 3_600_000).toFixed(2)} h)`;
      return `window: ${name}${span}\n\n${table(WINDOW_HEADERS, body)}`;
    })
    .join('\n\n');
}

function classTable(r: SimReport, table: (h: string[], rows: string[][]) => string): string {
  const names = r.strategies[0]?.classes.map((c) => c.name) ?? [];
  if (names.length < 2) return '';
  const headers = ['strategy', ...names.flatMap((n) => [`${n} p50`, `${n} p99`, `${n} queued`])];
  const body = r.strategies.map((s) => [
    s.strategy,
    ...s.classes.flatMap((c) => [num(c.ttfbMs.p50, 0), num(c.ttfbMs.p99, 0), queuedShare(c.queued, c.served)]),
  ]);
  return `TTFB ms by request class\n\n${table(headers, body)}`;
}

/** The k largest non-zero counts of a map, largest first (ties keep the map's order), as "id n, id n". */
function topCounts(m: Readonly<Record<string, number>>, k: number, fmt: (n: number) => string = (n) => n.toLocaleString('en-US')): string {
  return Object.entries(m)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([id, n]) => `${id} ${fmt(n)}`)
    .join(', ');
}

/** Counts per hour of the run, keyed h0, h1, … */
function byHourKey(byHour: readonly number[]): Record<string, number> {
  return Object.fromEntries(byHour.map((n, h) => [`h${h}`, n]));
}

/** Per strategy: what its queued requests waited for, and the clusters they queued at (top three). */
function queueingLines(r: SimReport): string {
  const lines = r.strategies
    .filter((s) => s.queueing !== undefined && s.queuedRequests > 0)
    .map((s) => {
      const q = s.queueing;
      const ms = (x: number | null): string => (x === null ? '–' : `${x.toLocaleString('en-US')} ms`);
      const top = topCounts(q.byCluster, 3);
      const f = q.whileFreeElsewhere;
      const elsewhere = f === undefined ? '' : `; ${f.requests.toLocaleString('en-US')} while an allowed cluster had a free slot${f.meanRttMs === null ? '' : ` (its round trip ${ms(f.meanRttMs)} on average)`}`;
      return `* ${s.strategy}: ${s.queuedRequests.toLocaleString('en-US')} queued; for a slot ${q.slot.requests.toLocaleString('en-US')} (mean ${ms(q.slot.meanWaitMs)}), for a replica start-up ${q.replica.requests.toLocaleString('en-US')} (mean ${ms(q.replica.meanWaitMs)}); most at ${top}${elsewhere}`;
    });
  return lines.length === 0 ? '' : `Queued requests\n\n${lines.join('\n')}`;
}

/** Per strategy: where (top clusters) and when (busiest hours) cold starts happened, and whether the app had idle replicas elsewhere then. */
function coldStartLines(r: SimReport): string {
  const lines = r.strategies
    .filter((s) => s.coldStartDetail !== undefined && s.coldStarts > 0)
    .map((s) => {
      const c = s.coldStartDetail;
      if (c === undefined) return '';
      const top = topCounts(c.byCluster, 4, String);
      const hours = topCounts(byHourKey(c.byHour), 4, String);
      const f = (x: number | null): string => (x === null ? '–' : x.toFixed(2));
      return `* ${s.strategy}: ${s.coldStarts} cold (warm ${s.warmStarts}); at ${top}; busiest hours ${hours}; ${c.idleElsewhere} while the app had idle replicas on other clusters (mean ${f(c.meanIdleReplicasElsewhere)}); load at the start: own ${f(c.meanOwnLoad)}, app pooled ${f(c.meanAppLoad)}; the row deciders read showed ${c.meanVisibleFree === null ? '–' : `${Math.round(c.meanVisibleFree * 100)}%`} of its slots free`;
    })
    .filter((l) => l !== '');
  return lines.length === 0 ? '' : `Cold starts\n\n${lines.join('\n')}`;
}

/** Per strategy: what the GPU spend bought — busy replicas, and idle ones within and above the minimums. */
function spendLines(r: SimReport): string {
  const usd = (x: number): string => `$${Math.round(x).toLocaleString('en-US')}`;
  const lines = r.strategies.flatMap((s) => {
    const p = s.spendDetail;
    if (p === undefined || p.meanReplicas <= 0) return [];
    return [
      `* ${s.strategy}: ${usd(s.cost)} for ${p.meanReplicas} replicas on average: ${p.meanBusy} busy, ${p.meanIdleWithinMin} idle within the minimums (${usd(p.idleWithinMinCost)}), ${p.meanIdleAboveMin} idle above them (${usd(p.idleAboveMinCost)})`,
    ];
  });
  return lines.length === 0 ? '' : `Spend\n\n${lines.join('\n')}`;
}

/** Per strategy: where, when and why requests were turned away, and what the deciders read then. */
function rejectionLines(r: SimReport): string {
  const top = (m: Readonly<Record<string, number>>, k: number): string => topCounts(m, k);
  const f = (x: number | null, d = 2): string => (x === null ? '–' : x.toFixed(d));
  const lines = r.strategies
    .filter((s) => s.rejectionDetail !== undefined && s.rejected > 0)
    .map((s) => {
      const c = s.rejectionDetail;
      if (c === undefined) return '';
      const hours = byHourKey(c.byHour);
      return `* ${s.strategy}: ${s.rejected.toLocaleString('en-US')} rejected; at ${top(c.byCluster, 4)}; hours ${top(hours, 4)}; apps ${top(c.byApp, 2)}; classes ${top(c.byClass, 3)}; clients ${top(c.byClient, 4)}; cluster at max replicas ${c.why.atMaxReplicas.toLocaleString('en-US')}, out of nodes ${c.why.outOfNodes.toLocaleString('en-US')}, before its scale-up counted ${c.why.beforeScaleUp.toLocaleString('en-US')}; the row deciders read: ${f(c.meanStateAgeMs, 0)} ms old, ${c.meanVisibleFree === null ? '–' : `${Math.round(c.meanVisibleFree * 100)}%`} of its slots free, ${f(c.meanVisibleQueued, 1)} queued (true ${f(c.meanTrueQueued, 1)}); the app's idle replicas elsewhere ${f(c.meanIdleReplicasElsewhere)}`;
    })
    .filter((l) => l !== '');
  return lines.length === 0 ? '' : `Rejections\n\n${lines.join('\n')}`;
}

/** Per strategy: the network RTT's median and the requests sent farther than the nearest allowed cluster (what the p50 is made of). */
function distanceLines(r: SimReport): string {
  const lines = r.strategies
    .filter((s) => s.distanceDetail !== undefined && s.requests > 0)
    .map((s) => {
      const d = s.distanceDetail;
      if (d === undefined) return '';
      const pct = (x: number): string => `${((100 * x) / s.requests).toFixed(1)}%`;
      return `* ${s.strategy}: network p50 ${d.networkP50Ms ?? '–'} ms; ${d.farther.toLocaleString('en-US')} (${pct(d.farther)}) sent farther than the nearest allowed cluster (mean +${d.meanExtraMs ?? '–'} ms), ${d.fartherWhileNearFree.toLocaleString('en-US')} (${pct(d.fartherWhileNearFree)}) while it had a free slot`;
    })
    .filter((l) => l !== '');
  return lines.length === 0 ? '' : `Distance\n\n${lines.join('\n')}`;
}

/** Share of a class's served requests that waited in a queue (what its p99 is made of). */
function queuedShare(queued: number | undefined, served: number): string {
  if (queued === undefined || served <= 0) return '–';
  return `${((100 * queued) / served).toFixed(2)}%`;
}

export function simSummaryText(r: SimReport): string {
  const hours = r.durationMs / 3_600_000;
  const head = `${r.scenario}: ${hours} h simulated, ${r.clusters} clusters, tick ${r.tickSeconds}s, seed ${r.seed}, policy ${r.policyVersion}`;
  const wall = r.strategies.map((s) => `${s.strategy} ${(s.wallMs / 1000).toFixed(1)}s`).join(', ');
  const extra = [classTable(r, textTable), queueingLines(r), coldStartLines(r), spendLines(r), rejectionLines(r), distanceLines(r), windowTables(r, textTable)].filter((x) => x !== '').join('\n\n');
  return `${head}\n\n${textTable(HEADERS, rows(r))}\n\n${extra === '' ? '' : `${extra}\n\n`}wall time: ${wall}\n`;
}

export function simMarkdownTable(r: SimReport): string {
  const extra = [classTable(r, markdownTable), queueingLines(r), coldStartLines(r), spendLines(r), rejectionLines(r), distanceLines(r), windowTables(r, markdownTable)].filter((x) => x !== '').join('\n\n');
  return `${markdownTable(HEADERS, rows(r))}${extra === '' ? '' : `\n\n${extra}`}`;
}

function cdf(s: StrategyResult): Line {
  let acc = 0;
  const total = s.ttfbHistogram.count || 1;
  return { name: s.strategy, points: s.ttfbHistogram.buckets.map(([ms, c]) => ((acc += c), [ms, (acc / total) * 100] as const)) };
}

export function simHtml(r: SimReport): string {
  const hourLabel = (ms: number): string => `${(ms / 3_600_000).toFixed(ms < 36_000_000 ? 1 : 0)} h`;
  const sections = [
    { heading: 'Summary', html: `<p>${r.description}</p>${htmlTable(HEADERS, rows(r))}<p>TTFB = network RTT + queueing + replica start-up; model inference time is the same under every strategy and not included.</p>` },
    { heading: 'Time to first byte (CDF)', html: lineChart(r.strategies.map(cdf), { xLabel: 'TTFB ms (log)', yLabel: '% of requests', logX: true, yMax: 100 }) },
    {
      heading: 'Incidents',
      html:
        r.incidents.length === 0
          ? '<p>none</p>'
          : timeline(r.incidents.map((i) => ({ label: `${i.kind} ${i.target}`, start: i.startMs, end: i.endMs })), r.durationMs, 'simulated time', hourLabel),
    },
    ...r.strategies.map((s) => ({
      heading: `Traffic share per region over time: ${s.strategy}`,
      html: stackedShare(s.series.regions, s.series.counts, { xLabel: 'simulated time', bucketLabel: (i) => hourLabel(i * s.series.bucketMs) }),
    })),
    { heading: 'Traffic share per provider', html: htmlTable(['strategy', ...Object.keys(r.strategies[0]?.shareByProvider ?? {})], r.strategies.map((s) => [s.strategy, ...Object.values(s.shareByProvider).map((v) => pct(v))])) },
  ];
  return htmlPage(`Switchyard simulation: ${r.scenario}`, sections);
}
