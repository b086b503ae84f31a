// The live page: renders the server's view models and applies incremental ticks from /events.
// Plain browser JavaScript (no build step); every value goes in through textContent, never HTML.
/* global echarts */
'use strict';

(() => {
  const FEED_MAX = 100;
  const $ = (id) => document.getElementById(id);
  const el = (tag, text, cls) => {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  };
  const fmt = (v, digits = 1) => (v === null || v === undefined ? '-' : Number(v).toFixed(digits));
  const stats = { updates: 0, lastMs: 0, maxMs: 0, totalMs: 0, serverTickMs: 0, decisionsSeen: 0, chartRedraws: 0, parts: { fleet: 0, feed: 0, charts: 0 } };
  window.__dashboard = stats;

  const state = { bucketMs: 5000, keep: 60, at: 0, buckets: new Map(), paused: false, charts: new Map(), chartedBucket: null };

  // ---- fleet --------------------------------------------------------------------------------
  const FLEET_COLUMNS = ['cluster', 'provider', 'health', 'circuit', 'draining', 'hot', 'warm', 'cold', 'queued', 'GPU', 'price', 'state age'];
  function renderFleet(regions) {
    const table = el('table');
    table.id = 'fleet-table';
    const head = el('tr');
    for (const c of FLEET_COLUMNS) head.append(el('th', c));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (const r of regions) {
      const rh = el('tr', null, 'region');
      const th = el('th', r.region);
      th.colSpan = FLEET_COLUMNS.length;
      rh.append(th);
      body.append(rh);
      for (const c of r.clusters) {
        const tr = el('tr', null, `cluster health-${c.health}`);
        tr.dataset.cluster = c.id;
        tr.dataset.health = c.health;
        tr.append(el('td', c.id), el('td', c.provider));
        const h = el('td');
        h.append(el('span', c.health, `badge ${c.health}`));
        tr.append(h, el('td', c.circuit, c.circuit === 'open' ? 'warn' : ''), el('td', c.draining ? 'yes' : 'no'));
        tr.append(el('td', c.hot), el('td', c.warm), el('td', c.cold), el('td', c.queued), el('td', c.gpu), el('td', c.price), el('td', c.stateAge));
        body.append(tr);
      }
    }
    table.append(body);
    $('fleet').replaceChildren(table);
  }

  // ---- feed and drill-down -------------------------------------------------------------------
  function feedRow(d) {
    const tr = el('tr', null, `outcome-${d.outcome}`);
    tr.dataset.decision = d.id;
    tr.tabIndex = 0;
    tr.append(
      el('td', new Date(d.at).toISOString().slice(11, 23)),
      el('td', d.appId),
      el('td', d.synthetic ? `${d.outcome} (synthetic)` : d.outcome),
      el('td', d.chosen ?? '-'),
      el('td', d.stale ? `${d.reason} (stale)` : d.reason),
      el('td', fmt(d.decisionUs, 0)),
    );
    return tr;
  }

  function addFeed(items) {
    if (state.paused || items.length === 0) return;
    const tbody = $('feed').tBodies[0];
    const frag = document.createDocumentFragment();
    for (const d of items.slice(0, FEED_MAX)) frag.append(feedRow(d));
    tbody.insertBefore(frag, tbody.firstChild);
    while (tbody.rows.length > FEED_MAX) tbody.deleteRow(-1);
  }

  function termValue(t) {
    if (t.unit === 'ms') return ` ${fmt(t.value)} ms`;
    if (t.unit === 'share') return ` ${(t.value * 100).toFixed(1)}%`;
    if (t.unit === 'move') return ` ${t.value > 0 ? '+' : ''}${(t.value * 100).toFixed(1)}%`;
    return ` ×${fmt(t.value, 3)}`;
  }

  function termList(terms) {
    const ul = el('ul', null, 'terms');
    for (const t of terms) {
      const li = el('li');
      li.append(el('b', t.name), el('span', termValue(t)), el('span', ` ${t.detail}`, 'muted'));
      ul.append(li);
    }
    return ul;
  }

  function renderExplanation(v) {
    const box = $('explain');
    const out = [el('h2', 'Explanation')];
    const meta = el('p');
    meta.append(el('code', v.id), el('span', ` ${v.appId ?? ''} · ${v.outcome ?? ''} · reason ${v.reason ?? '-'} · strategy ${v.strategy ?? '-'}${v.stale ? ' · stale snapshot' : ''}`));
    out.push(meta, el('p', v.summary, 'summary'));
    if (v.fallbacks.length > 0) out.push(el('p', `fallbacks: ${v.fallbacks.join(' → ')}`, 'muted'));
    const table = el('table');
    table.id = 'candidates';
    const head = el('tr');
    for (const c of ['cluster', 'region / provider', 'tier', 'p', 'predicted ms', 'score ms', '$/h', 'state age', 'disqualified']) head.append(el('th', c));
    const thead = el('thead');
    thead.append(head);
    table.append(thead);
    const body = el('tbody');
    for (const c of v.candidates) {
      const tr = el('tr', null, c.chosen ? 'candidate chosen' : 'candidate');
      tr.dataset.cluster = c.clusterId;
      tr.append(
        el('td', c.chosen ? `${c.clusterId} ✓` : c.clusterId),
        el('td', `${c.region ?? '-'} / ${c.provider ?? '-'}`),
        el('td', c.tier ?? '-'),
        el('td', c.probability === null ? '-' : `${(c.probability * 100).toFixed(1)}%`),
        el('td', fmt(c.predictedMs)),
        el('td', fmt(c.scoreMs)),
        el('td', c.pricePerHour === null ? '-' : `$${c.pricePerHour.toFixed(2)}`),
        el('td', c.stateAgeMs === null ? '-' : `${(c.stateAgeMs / 1000).toFixed(1)}s`),
        el('td', c.disqualified.join('; ') || '-'),
      );
      body.append(tr);
      if (c.terms.length > 0) {
        const tt = el('tr', null, 'candidate-terms');
        const td = el('td');
        td.colSpan = 9;
        td.append(termList(c.terms));
        tt.append(td);
        body.append(tt);
      }
    }
    table.append(body);
    out.push(table);
    box.replaceChildren(...out);
  }

  async function showExplanation(id) {
    const res = await fetch(`/api/decisions/${encodeURIComponent(id)}`, { headers: { accept: 'application/json' } });
    if (!res.ok) {
      $('explain').replaceChildren(el('h2', 'Explanation'), el('p', `Decision ${id}: ${res.status}`, 'error'));
      return;
    }
    renderExplanation(await res.json());
  }

  // ---- charts --------------------------------------------------------------------------------
  function chart(key, container) {
    let c = state.charts.get(key);
    if (c === undefined) {
      c = echarts.init(container, null, { renderer: 'canvas' });
      c.setOption({
        animation: false,
        grid: { left: 48, right: 12, top: 28, bottom: 24 },
        tooltip: { trigger: 'axis' },
        legend: { type: 'scroll', top: 0 },
        xAxis: { type: 'time' },
        yAxis: { type: 'value', min: 0 },
        series: [],
      });
      state.charts.set(key, c);
    }
    return c;
  }

  /** Decisions (or errors) per second in a complete bucket. */
  const perSecond = (n) => Math.round((n / (state.bucketMs / 1000)) * 100) / 100;

  /**
   * Sets a chart's series. When the set of series is unchanged only their data is merged (cheap);
   * a new series (a new cluster or app) replaces the list.
   */
  function setSeries(c, series) {
    const names = series.map((x) => x.name).join('\n');
    if (c.__names === names) c.setOption({ series: series.map((x) => ({ data: x.data })) });
    else c.setOption({ series }, { replaceMerge: ['series'] });
    c.__names = names;
  }

  /**
   * Charts show complete buckets only, so they change once per bucket (5 s by default), not on
   * every tick: the costliest part of an update runs a fifth as often and never shows a half-filled bucket.
   */
  function renderCharts() {
    const current = Math.floor(state.at / state.bucketMs) * state.bucketMs;
    if (state.chartedBucket === current) return;
    state.chartedBucket = current;
    stats.chartRedraws += 1;
    const buckets = [...state.buckets.values()].filter((b) => b.t < current).sort((a, b) => a.t - b.t);
    const apps = new Map();
    const clusters = new Set();
    for (const b of buckets) {
      for (const [app, byCluster] of Object.entries(b.apps)) {
        const set = apps.get(app) ?? new Set();
        for (const c of Object.keys(byCluster)) set.add(c);
        apps.set(app, set);
      }
      for (const c of Object.keys(b.clusters)) clusters.add(c);
    }
    for (const [app, set] of [...apps.entries()].sort()) {
      let box = document.querySelector(`#traffic [data-app="${CSS.escape(app)}"]`);
      if (box === null) {
        box = el('div', null, 'app-chart');
        box.dataset.app = app;
        const area = el('div', null, 'chart');
        box.append(el('h3', app), area);
        $('traffic').append(box);
      }
      const series = [...set].sort().map((c) => ({
        name: c,
        type: 'line',
        stack: 'total',
        areaStyle: {},
        showSymbol: false,
        data: buckets.map((b) => [b.t, perSecond(b.apps[app]?.[c] ?? 0)]),
      }));
      setSeries(chart(`traffic:${app}`, box.querySelector('.chart')), series);
    }
    const ids = [...clusters].sort();
    const line = (name, data) => ({ name, type: 'line', showSymbol: false, connectNulls: false, data });
    setSeries(chart('errors', $('errors-chart')), ids.map((c) => line(c, buckets.map((b) => [b.t, perSecond(b.clusters[c]?.errors ?? 0)]))));
    setSeries(chart('ttft', $('ttft-chart')), ids.map((c) => line(c, buckets.map((b) => [b.t, b.clusters[c]?.ttftMs ?? null]))));
  }

  function mergeBuckets(list) {
    for (const b of list) state.buckets.set(b.t, b);
    const first = Math.floor(state.at / state.bucketMs) * state.bucketMs - (state.keep - 1) * state.bucketMs;
    for (const t of state.buckets.keys()) if (t < first) state.buckets.delete(t);
  }

  // ---- live updates --------------------------------------------------------------------------
  function setStatus(error) {
    const s = $('status');
    s.className = error ? 'error' : 'muted';
    s.textContent = error ? `database error: ${error}` : `live · updated ${new Date(state.at).toISOString().slice(11, 19)} UTC`;
  }

  /** Time spent per part of an update, summed, so the benchmark can say where an update's cost goes. */
  function part(name, fn) {
    const t0 = performance.now();
    fn();
    stats.parts[name] += performance.now() - t0;
  }

  function measured(fn) {
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    stats.updates += 1;
    stats.lastMs = ms;
    stats.maxMs = Math.max(stats.maxMs, ms);
    stats.totalMs += ms;
    $('cost').textContent = `last update ${ms.toFixed(1)} ms in the browser, ${stats.serverTickMs} ms on the server`;
  }

  function onState(s) {
    measured(() => {
      state.at = s.at;
      state.bucketMs = s.bucketMs;
      state.keep = Math.max(2, s.buckets.length);
      state.buckets.clear();
      state.chartedBucket = null;
      mergeBuckets(s.buckets);
      renderFleet(s.fleet);
      $('feed').tBodies[0].replaceChildren();
      addFeed(s.feed);
      renderCharts();
      setStatus(s.error);
    });
  }

  function onTick(t) {
    measured(() => {
      state.at = t.at;
      stats.serverTickMs = t.tickMs;
      stats.decisionsSeen += t.newDecisions;
      mergeBuckets(t.buckets);
      part('fleet', () => renderFleet(t.fleet));
      part('feed', () => addFeed(t.feed));
      $('rate').textContent = `(${t.newDecisions} new${t.newDecisions > t.feed.length ? `, newest ${t.feed.length} shown` : ''})`;
      part('charts', renderCharts);
      setStatus(t.error);
    });
  }

  function connect() {
    const es = new EventSource('/events');
    es.addEventListener('state', (e) => onState(JSON.parse(e.data)));
    es.addEventListener('tick', (e) => onTick(JSON.parse(e.data)));
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        // Refused (signed out or session expired): back to the sign-in form.
        window.location.assign('/login');
        return;
      }
      $('status').textContent = 'reconnecting…';
    };
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('pause').addEventListener('change', (e) => {
      state.paused = e.target.checked;
    });
    const open = (e) => {
      const tr = e.target.closest('tr[data-decision]');
      if (tr === null) return;
      for (const s of document.querySelectorAll('#feed tr.selected')) s.classList.remove('selected');
      tr.classList.add('selected');
      showExplanation(tr.dataset.decision).catch((err) => {
        $('explain').replaceChildren(el('h2', 'Explanation'), el('p', String(err), 'error'));
      });
    };
    $('feed').addEventListener('click', open);
    $('feed').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open(e);
    });
    window.addEventListener('resize', () => {
      for (const c of state.charts.values()) c.resize();
    });
    connect();
  });
})();
