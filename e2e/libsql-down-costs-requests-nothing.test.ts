/**
 * Issue 12 #4: the libSQL endpoint is killed under ~50 req/s. Requests keep being served as fast
 * as before (decisions from memory; decision records and proxy outcomes buffered, bounded, with
 * backoff), memory stays flat, and every decision record that could not be kept is counted.
 *
 * The outage lasts OUTAGE_MS (default the full 2 minutes; E2E_LIBSQL_OUTAGE_MS shortens
 * it). The cluster state ages during the outage, so this stack's hard stale limit is raised to
 * 10 minutes: the scenario is about the storm, not about stale-state policy.
 *
 * Memory: workerd under `wrangler dev` grows steadily under this load with the database up too
 * (measured on the code before this change: ~218 → 328 MB in the first 30 s at 50 req/s, still
 * growing ~2 MB/s minutes later), so "within 20 % of before" is read as: at the end of the outage
 * the edge is within 20 % of before plus what the same traffic added per second before the outage.
 * The proxies (Node) do not grow like that and are held to the plain 20 %, read as the highest of
 * their samples (every 2.5 s) over the baseline against the highest over the outage's last 30 s:
 * their RSS saws by up to ~60 MB with garbage collection alone, so one reading each could read a
 * trough before and a crest during. A leak or an unbounded buffer raises the crests, which this
 * still catches.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sleep, useStack } from './stack.ts';

const OUTAGE_MS = Number(process.env['E2E_LIBSQL_OUTAGE_MS'] ?? 120_000);
/**
 * At least two of the proxies' garbage-collection cycles (~25–30 s apart at this load): a 25 s
 * baseline could fall between two crests and read a trough as "before" (one CI run: baseline crest
 * 235 MB against a 263 MB crest just before it, so the outage's usual ~+12 % read as +25 %).
 */
const BASELINE_MS = 60_000;
/**
 * Not measured. The proxies' RSS climbs for the first ~40 s of this load with the database up
 * (V8 sizing its heap: 238 → 285 MB, then flat), so a baseline taken sooner reads part of that
 * climb as the outage's growth: one run failed at +21.5 % that way.
 */
const WARMUP_MS = 40_000;
const RATE_PER_S = 50;

const h = useStack(23_400, { ROUTE_STALE_SOFT: '5m', ROUTE_STALE_HARD: '10m', EDGE_LOG_DECISIONS: 'off' });

interface Sample { readonly at: number; readonly ms: number; readonly status: number; readonly decision: string | null }

/** RSS (kB) of every process in a process group whose command name matches. */
function groupRssKb(pgid: number, comm: RegExp): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const pgrp = Number(stat.slice(close + 2).split(' ')[2]);
      if (pgrp !== pgid || !comm.test(name)) continue;
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      total += Number(m?.[1] ?? 0);
    } catch {
      // the process went away meanwhile
    }
  }
  return total;
}

/** The highest of the samples taken in [from, to). */
function crestKb(samples: ReadonlyArray<{ at: number; kb: number }>, from: number, to: number): number {
  return Math.max(...samples.filter((x) => x.at >= from && x.at < to).map((x) => x.kb));
}

function p50(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/_switchyard/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name));
  return Number(line?.split(' ').at(-1) ?? NaN);
}

describe('libSQL down under load', () => {
  it('costs the request path nothing, keeps memory flat, and counts every dropped record', async () => {
    const s = h.stack();
    const child = (name: string) => {
      const c = s.supervisor.running.find((x) => x.spec.name === name && !x.exited);
      if (c?.process.pid === undefined) throw new Error(`no running ${name}`);
      return c;
    };
    const rss = () => ({
      edge: groupRssKb(child('edge').process.pid ?? 0, /workerd/),
      proxies: s.topology.proxies.reduce((sum, p) => sum + groupRssKb(child(p.id).process.pid ?? 0, /node|tsx/), 0),
    });
    const samples: Sample[] = [];
    const inFlight = new Set<Promise<void>>();
    const fire = (): void => {
      const t0 = performance.now();
      const at = Date.now();
      const p = fetch(`${s.edgeUrl}/v4/acme/chat/v1/models`, { headers: { authorization: `Bearer ${s.apiKey}` } })
        .then(async (r) => {
          await r.arrayBuffer();
          samples.push({ at, ms: performance.now() - t0, status: r.status, decision: r.headers.get('x-switchyard-decision-id') });
        }, () => void samples.push({ at, ms: performance.now() - t0, status: 0, decision: null }))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    };
    const load = setInterval(fire, 1000 / RATE_PER_S);
    const edgeRss: Array<{ at: number; kb: number }> = [];
    const proxyRss: Array<{ at: number; kb: number }> = [];
    const sampler = setInterval(() => {
      const now = Date.now();
      const r = rss();
      edgeRss.push({ at: now, kb: r.edge });
      proxyRss.push({ at: now, kb: r.proxies });
    }, 2_500);
    try {
      await sleep(WARMUP_MS);
      const baseFrom = Date.now();
      await sleep(BASELINE_MS);
      const rssBefore = rss();
      const killedAt = Date.now();
      // The edge's growth per second at this load with the database up (least squares over the baseline).
      const pts = edgeRss.filter((x) => x.at >= baseFrom);
      const mt = pts.reduce((a, x) => a + x.at, 0) / pts.length;
      const mk = pts.reduce((a, x) => a + x.kb, 0) / pts.length;
      const slopeKbPerMs = Math.max(0, pts.reduce((a, x) => a + (x.at - mt) * (x.kb - mk), 0) / pts.reduce((a, x) => a + (x.at - mt) ** 2, 0));
      const libsql = child('libsql');
      await s.supervisor.kill('libsql');
      await sleep(OUTAGE_MS);
      const rssDuring = rss();
      const restartedAt = Date.now();
      await s.supervisor.start(libsql.spec);
      await sleep(3_000);
      clearInterval(load);
      await Promise.all([...inFlight]);

      const ok = (from: number, to: number) => samples.filter((x) => x.at >= from && x.at < to && x.status === 200).map((x) => x.ms);
      const base = ok(baseFrom, killedAt);
      const outage = ok(killedAt, restartedAt);
      const failed = samples.filter((x) => x.status !== 200);
      const report = {
        requests: samples.length, failed: failed.length,
        p50BaseMs: p50(base), p50OutageMs: p50(outage),
        rssKb: {
          before: rssBefore, during: rssDuring, edgeBaselineGrowthKbPerS: Math.round(slopeKbPerMs * 1000), edgeSamples: edgeRss.map((x) => x.kb),
          proxiesCrest: { before: crestKb(proxyRss, baseFrom, killedAt), lastOutage30s: crestKb(proxyRss, Math.max(killedAt, restartedAt - 30_000), restartedAt) },
          proxySamples: proxyRss.map((x) => x.kb),
        },
      };
      console.log(JSON.stringify(report));
      expect(failed.slice(0, 3)).toEqual([]);
      expect(outage.length).toBeGreaterThan((OUTAGE_MS / 1000) * RATE_PER_S * 0.8);
      // Within 20 % (+1 ms: a local request takes a few ms, below what a scheduler hiccup moves).
      expect(report.p50OutageMs).toBeLessThanOrEqual(report.p50BaseMs * 1.2 + 1);
      expect(rssDuring.edge).toBeLessThanOrEqual(rssBefore.edge * 1.2 + slopeKbPerMs * (restartedAt - killedAt));
      expect(report.rssKb.proxiesCrest.lastOutage30s).toBeLessThanOrEqual(report.rssKb.proxiesCrest.before * 1.2);

      // Every decision the clients saw is in the table or counted as dropped, once the buffers drain.
      const ids = samples.flatMap((x) => (x.decision === null ? [] : [x.decision]));
      let stats = { buffered: -1, dropped: 0, written: 0 };
      for (let i = 0; i < 60 && stats.buffered !== 0; i++) {
        await sleep(1_000);
        stats = ((await (await fetch(`${s.edgeUrl}/health`, { headers: { 'x-switchyard-operator-key': s.operatorKey } })).json()) as { decisionLog: typeof stats }).decisionLog;
      }
      expect(stats.buffered).toBe(0);
      let stored = 0;
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rs = await h.db().execute({ sql: `SELECT COUNT(*) AS n FROM decisions WHERE id IN (${chunk.map(() => '?').join(',')})`, args: chunk });
        stored += Number(rs.rows[0]?.['n'] ?? 0);
      }
      console.log(JSON.stringify({ decisions: ids.length, stored, dropped: stats.dropped }));
      expect(stats.dropped).toBeGreaterThan(0); // the outage outlasted the buffer: drops happened and were counted
      expect(stored + stats.dropped).toBe(ids.length);

      // The proxies' outcome buffers drain too, and what they dropped (if anything) is counted.
      for (const p of s.topology.proxies) {
        let buffered = -1;
        for (let i = 0; i < 60 && buffered !== 0; i++) {
          buffered = await metric(p.adminUrl, 'switchyard_proxy_report_records_buffered');
          if (buffered !== 0) await sleep(1_000);
        }
        expect(buffered).toBe(0);
        expect(Number.isFinite(await metric(p.adminUrl, 'switchyard_proxy_report_records_total{state="dropped"}'))).toBe(true);
      }
      expect(Date.now() - killedAt).toBeLessThan(OUTAGE_MS + 70_000);
    } finally {
      clearInterval(load);
      clearInterval(sampler);
    }
  }, WARMUP_MS + OUTAGE_MS + BASELINE_MS + 145_000);
});
