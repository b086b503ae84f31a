/**
 * Summary of a same-run table (backtest/bench/same-run-table.sh) against issue 10's Done-when:
 * switchyard's p50 against nearest-region's, p95/p99 against the best of all strategies, cold
 * starts and cost against least-connections, rejections against every baseline, and each
 * price crash's cost per 1k requests against its control (price-crash, price-crash-plentiful).
 *
 *   npx tsx backtest/bench/same-run-summary.ts <dir> [--baseline <dir>]
 *
 * `--baseline` takes the other strategies' rows from an earlier full run when <dir> holds only
 * switchyard's (the baselines do not depend on switchyard's model; a simulator change needs a
 * full run).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface Row {
  readonly strategy: string;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly rejected: number;
  readonly cold: number;
  readonly cost: number;
}

const num = (s: string): number => Number(s.replace(/,/g, '').split(' ')[0]);

/** The pipe table the simulator prints last (`--markdown`): one row per strategy. */
function rows(file: string): Map<string, Row> {
  const out = new Map<string, Row>();
  if (!existsSync(file)) return out;
  let inTable = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells[1] === 'strategy') {
      inTable = out.size === 0 && cells[4] === 'p95 ms';
      continue;
    }
    if (!inTable || !line.startsWith('|')) {
      if (out.size > 0) break;
      continue;
    }
    if (cells.length < 12 || cells[1]?.startsWith('---')) continue;
    const [, strategy = '', , p50 = '', p95 = '', p99 = '', , rejected = '', cold = '', cost = ''] =
      cells;
    if (!Number.isFinite(num(p50))) continue;
    out.set(strategy, {
      strategy,
      p50: num(p50),
      p95: num(p95),
      p99: num(p99),
      rejected: num(rejected),
      cold: num(cold),
      cost: num(cost),
    });
  }
  return out;
}

/** Cost per 1k requests of `strategy` in the window whose title contains `title`. */
function windowCost(file: string, title: string, strategy: string): number | null {
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('window:') && l.includes(title));
  if (at < 0) return null;
  for (const l of lines.slice(at + 1, at + 14)) {
    if (l.startsWith('window:')) break;
    const cells = l.trim().split(/\s{2,}/);
    if (cells[0] === strategy) return Number(cells[5]);
  }
  return null;
}

const mark = (ok: boolean): string => (ok ? '✔' : '✘');
const fmt = (n: number): string => n.toLocaleString('en-US');

/** Price-crash scenarios, each read against `<name>-control.md`: the original (both cheap clusters
 * fill up after the crash) and the one where the crashing provider has room (issue 10's wording). */
const CRASHES = ['price-crash', 'price-crash-plentiful'] as const;

/** The rows issue 10's table bars apply to: the three shipped scenarios and the week run. */
const DONE_WHEN = new Set([
  'steady-global-12h.md',
  'regional-outage.md',
  'gpu-price-spike.md',
  'week-12h.md',
]);

function summarise(dir: string, baseDir: string | null): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.md') && !f.endsWith('-control.md'));
  console.log(
    '| scenario | p50 (nearest) | p95 / p99 (best other) | cold (least-conn) | cost vs least-conn | rejected (min other) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const f of files.sort()) {
    const mine = rows(join(dir, f));
    const all = new Map([...(baseDir ? rows(join(baseDir, f)) : new Map<string, Row>()), ...mine]);
    const sy = mine.get('switchyard');
    if (!sy) continue;
    const others = [...all.values()].filter((r) => r.strategy !== 'switchyard');
    const nr = all.get('nearest-region');
    const lc = all.get('least-connections');
    // cheapest-first rejects most of its traffic: its tail is the rejections', not a rival's.
    const rivals = others.filter((r) => r.strategy !== 'cheapest-first');
    const best95 = Math.min(...rivals.map((r) => r.p95));
    const best99 = Math.min(...rivals.map((r) => r.p99));
    const minRej = Math.min(...others.map((r) => r.rejected));
    const cells = [
      DONE_WHEN.has(f) ? f.replace(/\.md$/, '') : `${f.replace(/\.md$/, '')} (reference)`,
      nr ? `${mark(sy.p50 <= nr.p50 + 5)} ${sy.p50} (${nr.p50})` : `${sy.p50}`,
      `${mark(sy.p95 <= best95 && sy.p99 <= best99)} ${fmt(sy.p95)} / ${fmt(sy.p99)} (${fmt(best95)} / ${fmt(best99)})`,
      lc ? `${mark(sy.cold <= lc.cold)} ${fmt(sy.cold)} (${fmt(lc.cold)})` : fmt(sy.cold),
      lc
        ? `${mark(sy.cost <= lc.cost)} ${(((sy.cost - lc.cost) / lc.cost) * 100).toFixed(1)} %`
        : fmt(sy.cost),
      `${mark(sy.rejected <= minRej)} ${fmt(sy.rejected)} (${fmt(minRej)})`,
    ];
    console.log(`| ${cells.join(' | ')} |`);
  }
  for (const name of CRASHES) crashLine(name, dir, baseDir);
}

/** `strategy`'s cost per 1k requests after the crash against the control's same window (same seed, no crash). */
function crashChange(
  name: string,
  strategy: string,
  from: string,
): { text: string; pct: number } | null {
  const crash = windowCost(join(from, `${name}.md`), 'after the crash', strategy);
  const control = windowCost(join(from, `${name}-control.md`), 'after the crash', strategy);
  if (crash === null || control === null) return null;
  const pct = ((crash - control) / control) * 100;
  return { text: `${crash} vs ${control} = ${pct.toFixed(1)} %`, pct };
}

/** switchyard's crash effect against the bar, with least-connections' for scale when the run or the baseline has it. */
function crashLine(name: string, dir: string, baseDir: string | null): void {
  const sy = crashChange(name, 'switchyard', dir);
  if (sy === null) return;
  const lc =
    crashChange(name, 'least-connections', dir) ??
    (baseDir ? crashChange(name, 'least-connections', baseDir) : null);
  console.log(
    `\n${name}, switchyard cost per 1k requests after the crash vs control: ${sy.text} (bar −20 %: ${mark(sy.pct <= -20)})` +
      (lc ? `; least-connections ${lc.text}` : ''),
  );
}

const args = process.argv.slice(2);
const dir = args[0];
if (dir === undefined || dir.startsWith('--')) {
  console.error('usage: same-run-summary.ts <dir> [--baseline <dir>]');
  process.exit(2);
}
const b = args.indexOf('--baseline');
summarise(dir, b >= 0 ? (args[b + 1] ?? null) : null);
