// Server: its fields (editable with servers:write), uptime over 24 h / 7 d / 30 d / a chosen
// window, a timeline strip of on/off segments (with its maintenance windows, one-off and weekly),
// and its transitions.
import { api, query } from './api.js';
import { can } from './app.js';
import { onLive } from './live.js';
import { splitTags, statusCell } from './page-servers.js';
import { ago, clear, el, errorBox, pct, toast, when } from './util.js';

const DAY = 86400e3;
const SVG = 'http://www.w3.org/2000/svg';
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function render(main, [id]) {
  const err = errorBox();
  const fields = el('dl.fields');
  const uptimes = el('dl.uptimes');
  const strip = el('div.strip');
  const events = el('tbody');
  const from = el('input', { id: 'u-from', type: 'date', name: 'from' });
  const to = el('input', { id: 'u-to', type: 'date', name: 'to' });
  const custom = el('output.custom', { for: 'u-from u-to' });
  let server = null;
  main.append(el('p', {}, el('a', { href: '#/servers', text: '← Servers' })),
    el('h1', { text: `Server ${id}` }), err, fields,
    el('h2', { text: 'Uptime' }), uptimes,
    el('form.window', { onsubmit: (ev) => { ev.preventDefault(); customWindow(); } },
      el('label', { for: 'u-from', text: 'From' }), from, el('label', { for: 'u-to', text: 'To' }), to,
      el('button', { type: 'submit', text: 'Uptime in this window' }), custom),
    el('h2', { text: 'Last 24 hours' }), strip,
    el('h2', { text: 'Transitions' }),
    el('div.tablewrap', {}, el('table', {}, el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'When' }), el('th', { scope: 'col', text: 'Status' }), el('th', { scope: 'col', text: 'Cause' }))), events)));
  const path = `api/v1/servers/${encodeURIComponent(id)}`;

  async function load() {
    try {
      server = await api(path);
      err.show(null);
      showFields();
      const now = Date.now();
      const [u1, u7, u30, ev, mw] = await Promise.all([
        uptime(now - DAY, now), uptime(now - 7 * DAY, now), uptime(now - 30 * DAY, now),
        api(`${path}/events${query({ from: new Date(now - 30 * DAY).toISOString(), to: new Date(now).toISOString() })}`),
        can('alerts:read') ? api('api/v1/maintenance').catch(() => ({ items: [] })) : { items: [] },
      ]);
      clear(uptimes).append(...[['24 h', u1], ['7 d', u7], ['30 d', u30]].flatMap(([k, u]) => [el('dt', { text: k }), el('dd', { text: pct(u.uptime) })]));
      showEvents(ev.items);
      drawStrip(ev.items, now - DAY, now, mw);
    } catch (e) { err.show(e); }
  }
  function uptime(a, b) {
    return api(`${path}/uptime${query({ from: new Date(a).toISOString(), to: new Date(b).toISOString() })}`);
  }
  async function customWindow() {
    if (!from.value || !to.value) return;
    try {
      const u = await uptime(Date.parse(from.value), Date.parse(to.value) + DAY);
      custom.textContent = `${pct(u.uptime)} of ${Math.round(u.window_seconds / 3600)} h`;
      err.show(null);
    } catch (e) { err.show(e); }
  }
  function showFields() {
    clear(fields);
    const row = (label, value) => [el('dt', { text: label }), el('dd', {}, value)];
    const editable = can('servers:write');
    const input = (key) => el('input', { id: `e-${key}`, name: key, value: server[key] || '', 'aria-label': key });
    const inputs = editable ? { server_name: input('server_name'), ipv4: input('ipv4'), hostname: input('hostname'), tags: input('tags') } : null;
    if (inputs) inputs.tags.value = (server.tags || []).join(', ');
    fields.append(
      ...row('Server ID', server.server_id),
      ...row('Name', inputs ? inputs.server_name : server.server_name),
      ...row('IPv4', inputs ? inputs.ipv4 : server.ipv4 || '–'),
      ...row('Hostname', inputs ? inputs.hostname : server.hostname || '–'),
      ...row('Tags', inputs ? inputs.tags : (server.tags || []).join(', ') || '–'),
      ...row('Status', el('span', {}, statusCell(server.status).childNodes[0].cloneNode(), server.status)),
      ...row('Last seen', `${ago(server.last_seen)} (${when(server.last_seen)})`),
      ...row('Status since', when(server.status_changed_at)),
      ...row('Created', when(server.created_time)));
    fields.querySelectorAll('dd')[5].dataset.status = server.status;
    if (!inputs) return;
    fields.append(el('dt'), el('dd', {},
      el('button', { type: 'button', class: 'save', text: 'Save', onclick: () => save(inputs) }),
      el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: remove })));
  }
  async function save(inputs) {
    const patch = {};
    for (const [k, i] of Object.entries(inputs)) if (k !== 'tags' && i.value !== (server[k] || '')) patch[k] = i.value;
    const tags = splitTags(inputs.tags.value);
    if (tags.join(',') !== (server.tags || []).join(',')) patch.tags = tags;
    try {
      server = await api(path, { method: 'PATCH', json: patch });
      toast('Saved');
      err.show(null);
      showFields();
    } catch (e) { err.show(e); }
  }
  async function remove() {
    if (!confirm(`Delete server ${id} and its history?`)) return;
    try {
      await api(path, { method: 'DELETE' });
      location.hash = '#/servers';
    } catch (e) { err.show(e); }
  }
  function showEvents(items) {
    clear(events);
    for (const e of [...items].reverse().slice(0, 200)) {
      events.append(el('tr', {}, el('td', { text: when(e.at) }), statusCell(e.status), el('td', { text: e.cause })));
    }
    if (!items.length) events.append(el('tr', {}, el('td', { colspan: 3, text: 'No transition in 30 days.' })));
  }
  function drawStrip(items, a, b, maintenance) {
    // Transitions alternate: the state before the first one in the window is its opposite; with
    // none, the state now held all along. Before the server existed there is nothing to draw.
    const inside = items.filter((e) => Date.parse(e.at) >= a);
    const first = inside[0];
    let state = first ? (first.status === 'on' ? 'off' : 'on') : server.status;
    if (first && (first.cause === 'created' || first.cause === 'registered')) state = 'none';
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 1000 24');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('role', 'img');
    let t = a;
    let onMs = 0;
    const seg = (x0, x1, s) => {
      if (s === 'none' || x1 <= x0) return;
      band(svg, x0, x1, a, b, s, 24);
      if (s === 'on') onMs += x1 - x0;
    };
    for (const e of inside) {
      const at = Date.parse(e.at);
      seg(t, at, state);
      t = at;
      state = e.status;
    }
    seg(t, b, state);
    const maint = maintenanceRects(svg, maintenance.items.filter((w) => covers(w, server)), a, b, maintenance.tz);
    svg.setAttribute('aria-label', `On ${Math.round((onMs / (b - a)) * 100)} % of the last 24 hours, ${inside.length} transitions${maint ? `, ${maint} maintenance windows` : ''}`);
    clear(strip).append(svg, el('div.axis', {}, el('span', { text: '24 h ago' }),
      maint ? el('span.maint', { text: 'maintenance' }) : null, el('span', { text: 'now' })));
  }
  const off = onLive((kind, t) => {
    if (kind === 'ready' || (kind === 'transition' && t.server_id === id)) load();
  });
  load();
  return off;
}

// True when maintenance window `w` is for `server`: no scope (every server), one of its tags, or
// its id.
function covers(w, server) {
  const scope = w.servers || {};
  const tags = scope.tags || [];
  const ids = scope.server_ids || [];
  if (!tags.length && !ids.length) return true;
  return ids.includes(server.server_id) || tags.some((t) => (server.tags || []).includes(t));
}

// Draws each occurrence of the windows over [a, b] as a band on top of the strip; returns how
// many. Weekly ones are local to `tz` (smsd's --tz, which the list names): without it, not drawn.
function maintenanceRects(svg, windows, a, b, tz) {
  let drawn = 0;
  for (const w of windows) {
    for (const [s, e] of occurrences(w, a, b, tz)) {
      band(svg, Math.max(a, s), Math.min(b, e), a, b, 'maint', 8);
      drawn += 1;
    }
  }
  return drawn;
}

// The occurrences of window `w` that overlap [a, b], as [start, end] instants (ms), unclipped. A
// weekly window starts at its time of day in `tz` on each of its days and lasts its minutes
// (at most a week, so the days from a week before `a` on are enough).
export function occurrences(w, a, b, tz) {
  const overlaps = ([s, e]) => e > a && s < b;
  if (!w.weekly) return w.start && w.end ? [[Date.parse(w.start), Date.parse(w.end)]].filter(overlaps) : [];
  if (!tz) return [];
  const [hour, minute] = w.weekly.start.split(':').map(Number);
  const out = [];
  try {
    const [y, m, d] = wallClock(a, tz);
    for (let i = -7; i <= 400; i += 1) {
      const day = new Date(Date.UTC(y, m - 1, d + i));  // a calendar day in tz
      const s = fromWallClock([day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), hour, minute, 0], tz);
      if (s >= b) break;
      const span = [s, s + w.weekly.duration_minutes * 60e3];
      if (w.weekly.days.includes(WEEKDAYS[day.getUTCDay()]) && overlaps(span)) out.push(span);
    }
  } catch (e) { console.error(e); }  // a zone this browser does not know: not drawn
  return out;
}

const clocks = new Map();
// [year, month, day, hour, minute, second] of instant `t` on the clocks of `tz`.
function wallClock(t, tz) {
  if (!clocks.has(tz)) {
    clocks.set(tz, new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }));
  }
  const parts = Object.fromEntries(clocks.get(tz).formatToParts(t).map((p) => [p.type, Number(p.value)]));
  return [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second];
}

// The instant `tz`'s clocks show `wall` ([year, month, day, hour, minute, second]), read as smsd
// reads it (report/calendar.cc): the earlier of two when the clocks went back, the instant they
// jumped when they went forward past it. Zones change offset at most once in two days.
function fromWallClock(wall, tz) {
  const asUtc = Date.UTC(wall[0], wall[1] - 1, ...wall.slice(2));
  const offset = (t) => {
    const [y, m, ...rest] = wallClock(t, tz);
    return Date.UTC(y, m - 1, ...rest) - Math.floor(t / 1000) * 1000;
  };
  const guesses = [asUtc - offset(asUtc - DAY), asUtc - offset(asUtc + DAY)];
  const found = guesses.filter((t) => wallClock(t, tz).every((v, i) => v === wall[i]));
  if (found.length) return Math.min(...found);
  let [lo, hi] = [Math.min(...guesses), Math.max(...guesses)];  // the jump is between them
  const after = offset(hi);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2);
    if (offset(mid) === after) hi = mid; else lo = mid;
  }
  return Math.ceil(hi / 1000) * 1000;
}

// A rect of the strip (viewBox 1000 wide) for [x0, x1] of the window [a, b].
function band(svg, x0, x1, a, b, cls, height) {
  const r = document.createElementNS(SVG, 'rect');
  r.setAttribute('x', ((x0 - a) / (b - a)) * 1000);
  r.setAttribute('width', Math.max(0.5, ((x1 - x0) / (b - a)) * 1000));
  r.setAttribute('height', height);
  r.setAttribute('class', cls);
  svg.append(r);
}
