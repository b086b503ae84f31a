/**
 * Tiny inline-SVG chart generators for self-contained HTML reports: no
 * external assets, no scripts. Each returns an <svg> string.
 */
export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f', '#64748b', '#a16207'];

const W = 720;
const H = 300;
const M = { l: 60, r: 150, t: 16, b: 40 };

export interface Line {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  if (a >= 10) return x.toFixed(0);
  return x.toFixed(a >= 1 ? 1 : 2);
}

function legend(names: readonly string[]): string {
  return names
    .map((n, i) => {
      const y = M.t + 14 + i * 16;
      const c = PALETTE[i % PALETTE.length] ?? '#000';
      return `<rect x="${W - M.r + 10}" y="${y - 9}" width="10" height="10" fill="${c}"/><text x="${W - M.r + 24}" y="${y}" font-size="11">${escapeXml(n)}</text>`;
    })
    .join('');
}

function frame(xLabel: string, yLabel: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif">` +
    `<rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}" fill="none" stroke="#ccc"/>` +
    body +
    `<text x="${(M.l + W - M.r) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${escapeXml(xLabel)}</text>` +
    `<text x="14" y="${(M.t + H - M.b) / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 14 ${(M.t + H - M.b) / 2})">${escapeXml(yLabel)}</text>` +
    `</svg>`
  );
}

/** Line chart; `logX` draws the x axis in decades (latency CDFs). */
export function lineChart(lines: readonly Line[], opts: { xLabel: string; yLabel: string; logX?: boolean; yMax?: number }): string {
  const all = lines.flatMap((l) => l.points);
  if (all.length === 0) return frame(opts.xLabel, opts.yLabel, '<text x="300" y="150">no data</text>');
  const tx = opts.logX === true ? (x: number): number => Math.log10(Math.max(x, 0.1)) : (x: number): number => x;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y1 = opts.yMax ?? -Infinity;
  for (const [x, y] of all) {
    x0 = Math.min(x0, tx(x));
    x1 = Math.max(x1, tx(x));
    if (opts.yMax === undefined) y1 = Math.max(y1, y);
  }
  if (opts.logX === true) {
    x0 = Math.floor(x0);
    x1 = Math.ceil(x1);
  }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= 0) y1 = 1;
  const px = (x: number): number => M.l + ((tx(x) - x0) / (x1 - x0)) * (W - M.l - M.r);
  const py = (y: number): number => H - M.b - (y / y1) * (H - M.t - M.b);
  let axes = '';
  for (let i = 0; i <= 4; i++) {
    const y = (y1 * i) / 4;
    axes += `<text x="${M.l - 6}" y="${py(y) + 4}" font-size="10" text-anchor="end">${fmt(y)}</text><line x1="${M.l}" x2="${W - M.r}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/>`;
  }
  if (opts.logX === true) {
    for (let d = x0; d <= x1; d++) {
      const x = M.l + ((d - x0) / (x1 - x0)) * (W - M.l - M.r);
      axes += `<text x="${x}" y="${H - M.b + 14}" font-size="10" text-anchor="middle">${fmt(10 ** d)}</text>`;
    }
  } else {
    for (let i = 0; i <= 4; i++) {
      const v = x0 + ((x1 - x0) * i) / 4;
      axes += `<text x="${M.l + (i / 4) * (W - M.l - M.r)}" y="${H - M.b + 14}" font-size="10" text-anchor="middle">${fmt(v)}</text>`;
    }
  }
  const paths = lines
    .map((l, i) => {
      const d = l.points.map(([x, y], k) => `${k === 0 ? 'M' : 'L'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('');
      return `<path d="${d}" fill="none" stroke="${PALETTE[i % PALETTE.length] ?? '#000'}" stroke-width="1.6"/>`;
    })
    .join('');
  return frame(opts.xLabel, opts.yLabel, axes + paths + legend(lines.map((l) => l.name)));
}

/** Stacked area of shares per time bucket (each bucket's values normalised to 100 %). */
export function stackedShare(names: readonly string[], buckets: readonly (readonly number[])[], opts: { xLabel: string; bucketLabel: (i: number) => string }): string {
  const n = buckets.length;
  if (n === 0) return frame(opts.xLabel, 'share %', '');
  const px = (i: number): number => M.l + (i / Math.max(1, n - 1)) * (W - M.l - M.r);
  const py = (y: number): number => H - M.b - y * (H - M.t - M.b);
  const totals = buckets.map((b) => b.reduce((a, x) => a + x, 0) || 1);
  const base = new Array<number>(n).fill(0);
  let body = '';
  names.forEach((_, k) => {
    const top = buckets.map((b, i) => (base[i] ?? 0) + (b[k] ?? 0) / (totals[i] ?? 1));
    const upper = top.map((y, i) => `${px(i).toFixed(1)},${py(y).toFixed(1)}`);
    const lower = base.map((y, i) => `${px(i).toFixed(1)},${py(y).toFixed(1)}`).reverse();
    body += `<polygon points="${[...upper, ...lower].join(' ')}" fill="${PALETTE[k % PALETTE.length] ?? '#000'}" fill-opacity="0.75"/>`;
    top.forEach((y, i) => (base[i] = y));
  });
  for (let i = 0; i <= 4; i++) {
    const b = Math.round(((n - 1) * i) / 4);
    body += `<text x="${px(b)}" y="${H - M.b + 14}" font-size="10" text-anchor="middle">${escapeXml(opts.bucketLabel(b))}</text>`;
    body += `<text x="${M.l - 6}" y="${py(i / 4) + 4}" font-size="10" text-anchor="end">${i * 25}%</text>`;
  }
  return frame(opts.xLabel, 'share of traffic', body + legend(names));
}

/** Horizontal bars on a timeline (incidents). */
export function timeline(spans: ReadonlyArray<{ label: string; start: number; end: number }>, total: number, xLabel: string, tick: (x: number) => string): string {
  const h = M.t + M.b + Math.max(1, spans.length) * 22;
  const px = (x: number): number => M.l + (x / Math.max(1, total)) * (W - M.l - M.r);
  let body = '';
  spans.forEach((s, i) => {
    const y = M.t + 4 + i * 22;
    body += `<rect x="${px(s.start)}" y="${y}" width="${Math.max(2, px(s.end) - px(s.start))}" height="16" fill="${PALETTE[(i + 1) % PALETTE.length] ?? '#000'}"/>`;
    body += `<text x="${W - M.r + 6}" y="${y + 12}" font-size="11">${escapeXml(s.label)}</text>`;
  });
  for (let i = 0; i <= 4; i++) body += `<text x="${px((total * i) / 4)}" y="${h - M.b + 14}" font-size="10" text-anchor="middle">${escapeXml(tick((total * i) / 4))}</text>`;
  // Wider than the other charts: incident labels ("cluster-outage coreweave-eu-west") sit right of the plot.
  const w = W + 140;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" font-family="sans-serif"><rect x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${h - M.t - M.b}" fill="none" stroke="#ccc"/>${body}<text x="${(M.l + W - M.r) / 2}" y="${h - 6}" font-size="12" text-anchor="middle">${escapeXml(xLabel)}</text></svg>`;
}

/** Grouped bars: one group per category, one bar per series. */
export function groupedBars(categories: readonly string[], series: ReadonlyArray<{ name: string; values: readonly number[] }>, yLabel: string): string {
  let y1 = 0;
  for (const s of series) for (const v of s.values) y1 = Math.max(y1, v);
  if (y1 <= 0) y1 = 1;
  const gw = (W - M.l - M.r) / Math.max(1, categories.length);
  const bw = (gw * 0.8) / Math.max(1, series.length);
  const py = (y: number): number => H - M.b - (y / y1) * (H - M.t - M.b);
  let body = '';
  categories.forEach((c, ci) => {
    series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const x = M.l + ci * gw + gw * 0.1 + si * bw;
      body += `<rect x="${x.toFixed(1)}" y="${py(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - M.b - py(v)).toFixed(1)}" fill="${PALETTE[si % PALETTE.length] ?? '#000'}"/>`;
    });
    body += `<text x="${M.l + ci * gw + gw / 2}" y="${H - M.b + 14}" font-size="10" text-anchor="middle">${escapeXml(c)}</text>`;
  });
  for (let i = 0; i <= 4; i++) body += `<text x="${M.l - 6}" y="${py((y1 * i) / 4) + 4}" font-size="10" text-anchor="end">${fmt((y1 * i) / 4)}</text>`;
  return frame('', yLabel, body + legend(series.map((s) => s.name)));
}
