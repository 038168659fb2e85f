// Overview: the fleet now (total / on / off), average uptime over 24 h, 7 d and 30 d, on/off
// counts over time, the latest transitions; updated live. Every number comes from stored
// counters and rollups (api/v1/stats/series), never from a scan of the fleet.
import { api, query } from './api.js';
import { onLive, recent } from './live.js';
import { clear, el, errorBox, pct, when } from './util.js';
import { statusCell } from './page-servers.js';

const SVG = 'http://www.w3.org/2000/svg';

export function render(main) {
  const err = errorBox();
  const tiles = el('div.tiles');
  const chart = el('figure.chart', {}, el('figcaption', { text: 'Servers on and off, last 24 hours' }));
  const latest = el('tbody');
  main.append(el('h1', { text: 'Overview' }), err, tiles, chart,
    el('h2', { text: 'Latest transitions' }),
    el('div.tablewrap', {}, el('table', {}, el('thead', {}, el('tr', {}, ['When', 'Server', 'Status', 'Cause'].map((h) => el('th', { scope: 'col', text: h })))), latest)));
  let stats = null;

  function tile(label, value, cls = '') {
    return el(`div.tile${cls ? `.${cls}` : ''}`, {}, el('span.label', { text: label }), el('span.value', { text: value }));
  }
  function showTiles() {
    clear(tiles).append(tile('Servers', stats.total), tile('On', stats.on, 'on'), tile('Off', stats.off, 'off'),
      tile('Uptime 24 h', pct(stats.avg_uptime_24h)),
      tile('Uptime 7 d', pct(stats.avg_uptime_7d)), tile('Uptime 30 d', pct(stats.avg_uptime_30d)));
  }
  function showLatest() {
    clear(latest);
    for (const t of recent.slice(0, 20)) {
      latest.append(el('tr', { 'data-server-id': t.server_id }, el('td', { text: when(t.at) }),
        el('td', {}, el('a', { href: `#/server/${encodeURIComponent(t.server_id)}`, text: t.server_name || t.server_id })),
        statusCell(t.status), el('td', { text: t.cause })));
    }
    if (!recent.length) latest.append(el('tr', {}, el('td', { colspan: 4, text: 'None since this page opened.' })));
  }
  async function load() {
    // One request, all from stored rollups: the counts now, the chart, and the means.
    try {
      const now = Date.now();
      const s = await api(`api/v1/stats/series${query({ from: new Date(now - 86400e3).toISOString(), to: new Date(now).toISOString() })}`);
      stats = { ...s.now, avg_uptime_24h: s.avg_on_share, avg_uptime_7d: s.avg_uptime_7d, avg_uptime_30d: s.avg_uptime_30d };
      err.show(null);
      showTiles();
      drawChart(chart, s.items);
    } catch (e) { err.show(e); }
  }
  const off = onLive((kind, t) => {
    if (kind === 'ready') return load();
    if (kind !== 'transition' || !stats) return;
    // Counted here until the next load: a transition moves one server between on and off.
    if (t.cause !== 'created' && t.cause !== 'registered') {
      stats.on += t.status === 'on' ? 1 : -1;
      stats.off += t.status === 'on' ? -1 : 1;
    } else {
      stats.total += 1;
      stats[t.status] += 1;
    }
    showTiles();
    showLatest();
  });
  const timer = setInterval(load, 60e3);
  showLatest();
  load();
  return () => { off(); clearInterval(timer); };
}

// Two lines (on, off) over time, drawn as SVG; a table of the same numbers for screen readers.
function drawChart(fig, items) {
  fig.hidden = !items.length;
  for (const n of [...fig.children]) if (n.tagName !== 'FIGCAPTION') n.remove();
  if (!items.length) return;
  const W = 1000;
  const H = 200;
  const t0 = Date.parse(items[0].at);
  const t1 = Math.max(t0 + 1, Date.parse(items[items.length - 1].at));
  const max = Math.max(1, ...items.map((p) => Math.max(p.on, p.off)));
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('aria-hidden', 'true');
  for (const key of ['on', 'off']) {
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', key);
    line.setAttribute('points', items.map((p) => `${((Date.parse(p.at) - t0) / (t1 - t0)) * W},${H - (p[key] / max) * (H - 4) - 2}`).join(' '));
    svg.append(line);
  }
  const last = items[items.length - 1];
  fig.append(svg, el('p.legend', {}, el('span.on', { text: `on (now ${last.on})` }), ' ', el('span.off', { text: `off (now ${last.off})` }), ` · max ${max}`));
}
