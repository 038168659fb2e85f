// Servers: search, status and tag filters, sort by any column, server-side paging by cursor
// (as fast deep in a million servers as on the first page), live status on the
// shown page, export of the view, drag-and-drop import, create / edit / delete as the role allows.
import { api, query } from './api.js';
import { can } from './app.js';
import { onLive } from './live.js';
import { ago, clear, debounce, el, errorBox, toast } from './util.js';

const COLUMNS = [
  ['server_id', 'ID'], ['server_name', 'Name'], ['ipv4', 'IPv4'], ['hostname', 'Hostname'],
  ['status', 'Status'], ['last_seen', 'Last seen'],
];
const LIMIT = 50;
// Kept while the page is left and come back to. `cursor` names the page shown (a `next` or
// `prev` of the list; empty: the first page) and `start` its first row's position, for the
// count shown; `move` ('next', 'prev' or null) is the step to `cursor` not yet shown, applied
// to `start` by whichever load shows that page (a reload on a live event may overtake the
// user's own).
const view = { q: '', status: '', tags: [], sort: 'server_id', order: 'asc', cursor: '', start: 0, move: null };

// "prod, rack:b7" -> ["prod", "rack:b7"]: tags as a person types them (commas or spaces).
export function splitTags(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

export function render(main) {
  const err = errorBox();
  const search = el('input', { id: 'f-q', type: 'search', name: 'q', value: view.q, placeholder: 'id, name, IP, host' });
  const status = el('select', { id: 'f-status', name: 'status' },
    el('option', { value: '', text: 'any' }), el('option', { value: 'on', text: 'on' }), el('option', { value: 'off', text: 'off' }));
  status.value = view.status;
  const tagFilter = el('input', { id: 'f-tag', name: 'tag', value: view.tags.join(', '), placeholder: 'prod, rack:b7' });
  const exportLink = el('a.button', { href: '#', download: 'servers.xlsx', text: 'Export to Excel' });
  const tbody = el('tbody');
  const heads = COLUMNS.map(([key, label]) => el('th', { scope: 'col', 'data-sort': key },
    el('button.sort', { type: 'button', onclick: () => sortBy(key) }, label)));
  const tagsHead = el('th', { scope: 'col', text: 'Tags' });
  const actionsHead = can('servers:write') ? el('th', { scope: 'col', text: 'Actions' }) : null;
  const table = el('table.servers', {}, el('caption.sr', { text: 'Servers' }), el('thead', {}, el('tr', {}, heads, tagsHead, actionsHead)), tbody);
  const info = el('span.pageinfo', { 'aria-live': 'polite' });
  const prev = el('button', { type: 'button', class: 'prev', onclick: () => go('prev'), text: '‹ Previous' });
  const next = el('button', { type: 'button', class: 'next', onclick: () => go('next'), text: 'Next ›' });
  let rows = new Map();  // server_id -> row
  let total = 0;
  let links = { next: null, prev: null };  // the cursors of the page shown
  let seq = 0;

  main.append(el('h1', { text: 'Servers' }),
    el('div.filters', {},
      el('label', { for: 'f-q', text: 'Search' }), search,
      el('label', { for: 'f-status', text: 'Status' }), status,
      el('label', { for: 'f-tag', text: 'Tags' }), tagFilter,
      exportLink),
    err, el('div.tablewrap', {}, table), el('div.pager', {}, prev, info, next));
  if (can('servers:write')) main.append(createForm(() => load()));
  if (can('servers:import')) main.append(importZone(() => load()));

  function sortBy(key) {
    if (view.sort === key) view.order = view.order === 'asc' ? 'desc' : 'asc';
    else { view.sort = key; view.order = 'asc'; }
    restart();
  }
  function restart() {
    view.cursor = '';
    view.start = 0;
    view.move = null;
    load();
  }
  function go(way) {
    if (!links[way]) return;
    view.cursor = links[way];
    view.move = way;
    load();
  }
  function params() {
    return { q: view.q, status: view.status, tag: view.tags, sort: view.sort, order: view.order };
  }
  // Shows the page `view.cursor` names; the last load asked for is the one shown.
  async function load() {
    const mine = ++seq;
    exportLink.href = `api/v1/servers/export${query(params())}`;
    for (const th of heads) {
      const k = th.dataset.sort;
      th.setAttribute('aria-sort', k === view.sort ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none');
    }
    try {
      const page = await api(`api/v1/servers${query({ ...params(), cursor: view.cursor, limit: LIMIT })}`);
      if (mine !== seq) return;
      err.show(null);
      const way = view.move;
      view.move = null;
      if (way === 'next') view.start += rows.size;
      if (way === 'prev') view.start = page.prev ? Math.max(0, view.start - page.items.length) : 0;
      total = page.total;
      links = { next: page.next, prev: page.prev };
      fill(page.items);
    } catch (e) {
      if (mine === seq) err.show(e);
    }
  }
  function fill(items) {
    clear(tbody);
    rows = new Map();
    for (const s of items) {
      const tr = row(s);
      rows.set(s.server_id, tr);
      tbody.append(tr);
    }
    if (!items.length) tbody.append(el('tr', {}, el('td', { colspan: COLUMNS.length + 2, text: 'No server matches.' })));
    info.textContent = total && items.length ? `${view.start + 1}–${view.start + items.length} of ${total}` : `0 of ${total}`;
    prev.disabled = !links.prev;
    next.disabled = !links.next;
    performance.mark('sms-rows-rendered');
  }
  function row(s) {
    const link = el('a', { href: `#/server/${encodeURIComponent(s.server_id)}`, text: s.server_id });
    const cells = [el('td', {}, link), el('td', { text: s.server_name }), el('td', { text: s.ipv4 || '' }),
      el('td', { text: s.hostname || '' }), statusCell(s.status),
      el('td', { class: 'ago', 'data-at': s.last_seen || '', text: ago(s.last_seen) }),
      el('td', {}, el('span.tags', {}, (s.tags || []).map((t) => el('button.tag', { type: 'button', text: t, 'aria-label': `Only servers tagged ${t}`, onclick: () => addTag(t) }))))];
    if (can('servers:write')) {
      cells.push(el('td', {}, el('button.small', { type: 'button', text: 'Delete', 'aria-label': `Delete ${s.server_id}`, onclick: () => remove(s.server_id) })));
    }
    return el('tr', { 'data-server-id': s.server_id }, cells);
  }
  async function remove(id) {
    if (!confirm(`Delete server ${id} and its history?`)) return;
    try {
      await api(`api/v1/servers/${encodeURIComponent(id)}`, { method: 'DELETE' });
      toast(`Deleted ${id}`);
      load();
    } catch (e) { err.show(e); }
  }

  function addTag(t) {
    if (view.tags.includes(t)) return;
    view.tags = [...view.tags, t];
    tagFilter.value = view.tags.join(', ');
    restart();
  }
  tagFilter.addEventListener('input', debounce(() => { view.tags = splitTags(tagFilter.value); restart(); }, 250));
  search.addEventListener('input', debounce(() => { view.q = search.value.trim(); restart(); }, 250));
  status.addEventListener('change', () => { view.status = status.value; restart(); });
  const off = onLive((kind, t) => {
    if (kind === 'ready') return load();
    if (kind !== 'transition') return;
    const tr = rows.get(t.server_id);
    if (!tr) return;
    tr.replaceChild(statusCell(t.status), tr.children[4]);
    if (t.status === 'on') {
      const cell = tr.children[5];
      cell.dataset.at = t.at;
    }
  });
  const ticker = setInterval(() => {
    for (const td of tbody.querySelectorAll('td.ago')) td.textContent = ago(td.dataset.at);
  }, 1000);
  load();
  return () => { off(); clearInterval(ticker); };
}

export function statusCell(status) {
  return el('td', { class: `status ${status}`, 'data-status': status }, el('span.dot', { 'aria-hidden': 'true' }), status);
}

function createForm(done) {
  const err = errorBox();
  const f = {};
  const field = (key, label, required) => {
    f[key] = el('input', { id: `new-${key}`, name: key, required });
    return [el('label', { for: `new-${key}`, text: label }), f[key]];
  };
  return el('details.panel', {}, el('summary', { text: 'Add a server' }),
    el('form.grid.create', { onsubmit: async (ev) => {
      ev.preventDefault();
      const body = {};
      for (const [k, input] of Object.entries(f)) if (input.value.trim()) body[k] = input.value.trim();
      if (body.tags) body.tags = splitTags(body.tags);
      try {
        await api('api/v1/servers', { method: 'POST', json: body });
        toast(`Created ${body.server_id}`);
        ev.target.reset();
        err.show(null);
        done();
      } catch (e) { err.show(e); }
    } },
    field('server_id', 'Server ID', true), field('server_name', 'Name', true), field('ipv4', 'IPv4'), field('hostname', 'Hostname'),
    field('tags', 'Tags'), el('button', { type: 'submit', text: 'Create' }), err));
}

function importZone(done) {
  const err = errorBox();
  const results = el('div.results');
  const input = el('input', { id: 'import-file', type: 'file', name: 'file', accept: '.xlsx' });
  const zone = el('div.drop', { tabindex: '0', role: 'group', 'aria-label': 'Import servers from an Excel file' },
    el('p', { text: 'Drop an .xlsx here, or ' }), el('label', { for: 'import-file', text: 'choose a file' }), input);
  async function send(file) {
    const form = new FormData();
    form.append('file', file, file.name);
    clear(results);
    try {
      const r = await api('api/v1/servers/import', { method: 'POST', body: form });
      err.show(null);
      results.append(list('Imported', 'imported', r.imported.items.map((s) => s.server_id || s)),
        list('Failed', 'failed', r.failed.items.map((x) => `row ${x.row}: ${x.server_id || ''} — ${x.reason}`)));
      done();
    } catch (e) { err.show(e); }
  }
  input.addEventListener('change', () => input.files[0] && send(input.files[0]));
  zone.addEventListener('dragover', (ev) => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (ev) => {
    ev.preventDefault();
    zone.classList.remove('over');
    if (ev.dataTransfer.files[0]) send(ev.dataTransfer.files[0]);
  });
  return el('section.panel', { 'aria-labelledby': 'import-h' }, el('h2', { id: 'import-h', text: 'Import' }), zone, err, results);
}

function list(title, cls, items) {
  return el(`div.${cls}`, {}, el('h3', { text: `${title} (${items.length})` }),
    el('ul', {}, items.map((t) => el('li', { text: t }))));
}
