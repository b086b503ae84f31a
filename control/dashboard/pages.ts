/** Server-rendered pages: sign-in, the live page's shell, traces and the trace waterfall. */
import { escapeHtml, page } from './html.ts';
import type { ReportLink } from './reports.ts';
import type { TraceSummary } from './read-traces.ts';
import type { WaterfallView } from './waterfall-view.ts';

export function loginPage(message: string | null): string {
  const note = message === null ? '' : `<p class="error" role="alert">${escapeHtml(message)}</p>`;
  return page(
    'sign in',
    `<main class="login"><p>The dashboard shows fleet internals (prices, every decision's explanation): operators only.
Paste the operator key that <code>switchyard dev</code> printed (or <code>SWITCHYARD_OPERATOR_KEY</code>).</p>${note}
<form method="post" action="/login"><label>Operator key <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form></main>`,
    { nav: false },
  );
}

function reportsList(reports: readonly ReportLink[], dir: string): string {
  if (reports.length === 0) {
    return `<p class="muted">No reports in <code>${escapeHtml(dir)}</code> yet: run <code>switchyard simulate</code> or <code>switchyard replay</code>.</p>`;
  }
  return `<ul>${reports
    .map((r) => `<li><a href="/reports/${encodeURIComponent(r.name)}/report.html">${escapeHtml(r.name)}</a> <span class="muted">${escapeHtml(r.kind)}, ${escapeHtml(new Date(r.modifiedMs).toISOString())}</span></li>`)
    .join('')}</ul>`;
}

export function livePage(reports: readonly ReportLink[], reportsDir: string): string {
  return page(
    'operations',
    `<main>
<p id="status" class="muted">connecting…</p>
<section id="fleet-section"><h2>Fleet</h2><div id="fleet"></div></section>
<section class="split">
  <div><h2>Decisions <span id="rate" class="muted"></span></h2>
    <label class="muted"><input type="checkbox" id="pause"> pause feed</label>
    <table id="feed"><thead><tr><th>time</th><th>app</th><th>outcome</th><th>chosen</th><th>reason</th><th>µs</th></tr></thead><tbody></tbody></table></div>
  <div id="explain"><h2>Explanation</h2><p class="muted">Click a decision to see every candidate and every term of its score.</p></div>
</section>
<section><h2>Traffic split per app <span class="muted">(decisions/s by chosen cluster; charts add a point as each bucket completes)</span></h2><div id="traffic" class="charts"></div></section>
<section class="split">
  <div><h2>Errors per cluster <span class="muted">(per second)</span></h2><div id="errors-chart" class="chart"></div></div>
  <div><h2>TTFT per cluster <span class="muted">(ms, first byte at the proxy)</span></h2><div id="ttft-chart" class="chart"></div></div>
</section>
<section id="reports"><h2>Replay and simulator reports</h2>${reportsList(reports, reportsDir)}</section>
<footer class="muted" id="cost"></footer>
</main>`,
    { scripts: ['/assets/echarts.min.js', '/assets/dashboard.js'] },
  );
}

const NOT_ENABLED = `<p class="notice" id="tracing-not-enabled">Tracing not enabled: no <code>trace_spans</code> table in this database.
Start the stack with the OTLP receiver to store spans here.</p>`;

export function tracesPage(traces: readonly TraceSummary[] | null): string {
  if (traces === null) return page('traces', `<main>${NOT_ENABLED}</main>`);
  const rows = traces
    .map(
      (t) =>
        `<tr data-trace="${escapeHtml(t.traceId)}"><td><a href="/traces/${encodeURIComponent(t.traceId)}">${escapeHtml(t.traceId)}</a></td>` +
        `<td>${escapeHtml(t.rootName === '' ? '-' : t.rootName)}</td><td>${escapeHtml(t.services)}</td><td>${t.spanCount}</td>` +
        `<td>${escapeHtml(new Date(t.startUnixNano / 1e6).toISOString())}</td><td>${t.durationMs.toFixed(1)}</td><td>${t.errorCount}</td></tr>`,
    )
    .join('');
  const body =
    traces.length === 0
      ? '<p class="muted" id="no-traces">No traces stored yet.</p>'
      : `<table id="traces"><thead><tr><th>trace</th><th>root span</th><th>services</th><th>spans</th><th>start</th><th>ms</th><th>errors</th></tr></thead><tbody>${rows}</tbody></table>`;
  return page('traces', `<main><h2>Recent traces</h2>${body}</main>`);
}

export function tracePage(traceId: string, view: WaterfallView | null): string {
  if (view === null) return page('trace', `<main>${NOT_ENABLED}</main>`);
  if (view.rows.length === 0) return page('trace', `<main><p class="notice">Trace ${escapeHtml(traceId)} has no stored spans.</p></main>`);
  const rows = view.rows
    .map((r) => {
      const attrs = r.attributes.map(([k, v]) => `<div><code>${escapeHtml(k)}</code> ${escapeHtml(v)}</div>`).join('');
      // SVG attributes (not style="") position the bar, so the page needs no inline styles under the CSP.
      return (
        `<tr class="span${r.error ? ' error' : ''}" data-span="${escapeHtml(r.spanId)}" data-depth="${r.depth}">` +
        `<td class="name depth-${Math.min(r.depth, 8)}">${escapeHtml(r.name)}<div class="muted">${escapeHtml(r.service)} · ${escapeHtml(r.kind)}</div></td>` +
        `<td class="bar"><svg width="100%" height="18" preserveAspectRatio="none"><rect x="${r.offsetPct}%" width="${r.widthPct}%" y="3" height="12" rx="2"></rect></svg></td>` +
        `<td>${r.startMs.toFixed(1)}</td><td>${r.durationMs.toFixed(1)}</td>` +
        `<td><details><summary>${r.attributes.length}</summary>${attrs}</details></td></tr>`
      );
    })
    .join('');
  return page(
    'trace',
    `<main><h2>Trace <code>${escapeHtml(view.traceId)}</code> <span class="muted">${view.durationMs.toFixed(1)} ms, ${view.rows.length} spans</span></h2>
<table id="waterfall"><thead><tr><th>span</th><th class="bar">timeline</th><th>start ms</th><th>ms</th><th>attributes</th></tr></thead><tbody>${rows}</tbody></table></main>`,
  );
}
