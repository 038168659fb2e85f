// Alerts: the open and acknowledged alerts (ack with alerts:write), the channels (send a test
// message), the rules and the maintenance windows (create, edit, delete) — all on the alerts API.
// A viewer sees the lists and no control that changes them; every error shows the API's message.
// The alert list follows the live stream: alerts are opened by the notifier (the mail role) a
// moment after a transition, so the list is read again shortly after one arrives.
import { api, query } from './api.js';
import { can } from './app.js';
import { onLive } from './live.js';
import { clear, debounce, el, errorBox, toast, when } from './util.js';

const CHANNEL_TYPES = ['webhook', 'email', 'slack', 'teams', 'discord', 'telegram'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function render(main) {
  const write = can('alerts:write');
  const channels = channelsSection(write);
  const rules = rulesSection(write, channels);
  const alerts = alertsSection(write);
  main.append(el('h1', { text: 'Alerts' }), alerts.node, channels.node, rules.node, maintenanceSection(write));
  // Once a moment after a transition (the notifier groups them for about a second) and once a
  // little later; bursts of transitions share their reloads.
  const soon = debounce(alerts.load, 1500, 3000);
  const later = debounce(alerts.load, 5000, 10 * 1000);
  const off = onLive((kind) => {
    if (kind === 'ready') alerts.load();
    if (kind === 'transition') { soon(); later(); }
  });
  const ticker = setInterval(alerts.load, 60 * 1000);  // acknowledgements made elsewhere
  return () => { off(); clearInterval(ticker); };
}

function section(title, ...children) {
  const id = `h-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return el('section.panel', { 'aria-labelledby': id }, el('h2', { id, text: title }), ...children);
}

function table(cls, headings, tbody) {
  return el('div.tablewrap', {}, el(`table.${cls}`, {},
    el('thead', {}, el('tr', {}, headings.map((h) => el('th', { scope: 'col', text: h })))), tbody));
}

// "a, b c" -> ["a", "b", "c"]: the lists the forms take (tags, server ids, emails).
function words(input) {
  return input.value.split(/[\s,]+/).filter(Boolean);
}

function field(id, label, input) {
  input.id = id;
  return [el('label', { for: id, text: label }), input];
}

// A set of checkboxes; `field` is the API's name for it (an error naming it marks the set).
function checkboxes(legend, name, values, { checked = () => false, label = (v) => v, field } = {}) {
  const boxes = values.map((v) => el('input', { type: 'checkbox', id: `${name}-${v}`, name, value: v, checked: checked(v) }));
  const set = el('fieldset.scopes', { 'data-field': field }, el('legend', { text: legend }), boxes.map((b) => el('label', { for: b.id }, b, ` ${label(b.value)}`)));
  set.values = () => boxes.filter((b) => b.checked).map((b) => b.value);
  set.check = (values) => boxes.forEach((b) => { b.checked = values.includes(b.value); });
  return set;
}

// A form that creates (POST `path` with what `body()` gives) or, once `form.edit(item)` has
// filled it with `fill(item)`, changes that item (PATCH `path`/id). On an error it shows the
// API's message and marks the input of the field the API names (its data-field); then `done`.
function recordForm(cls, path, { body, fill }, done, ...children) {
  const err = errorBox();
  const what = el('p.editing', { hidden: true });
  const submit = el('button', { type: 'submit', text: 'Create' });
  const cancel = el('button.cancel', { type: 'button', text: 'Cancel', hidden: true, onclick: () => form.reset() });
  let editing = null;
  const form = el(`form.grid.${cls}`, { onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      if (editing) await api(`${path}/${encodeURIComponent(editing.id)}`, { method: 'PATCH', json: body() });
      else await api(path, { method: 'POST', json: body() });
      toast(editing ? 'Saved' : 'Created');
      form.reset();
      done();
    } catch (e) {
      err.show(e);
      markField(form, e.field);
    }
  } }, what, ...children, submit, cancel, err);
  form.addEventListener('reset', () => {
    editing = null;
    what.hidden = cancel.hidden = true;
    submit.textContent = 'Create';
    err.show(null);
    markField(form, '');
  });
  form.edit = (item) => {
    form.reset();
    editing = item;
    fill(item);
    what.textContent = `Editing ${item.name}`;
    what.hidden = cancel.hidden = false;
    submit.textContent = 'Save';
    form.scrollIntoView({ block: 'nearest' });
    form.querySelector('input').focus();
  };
  return form;
}

function markField(form, field) {
  for (const n of form.querySelectorAll('[aria-invalid]')) n.removeAttribute('aria-invalid');
  const input = field && form.querySelector(`[data-field="${CSS.escape(field)}"]`);
  if (!input) return;
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

// The Edit and Delete buttons of a row (none without alerts:write); Delete asks first.
function rowActions(write, what, item, { form, path, err, done }, ...more) {
  if (!write) return el('td', {}, ...more);
  const remove = async () => {
    if (!confirm(`Delete ${what} ${item.name}?`)) return;
    try {
      await api(`${path}/${encodeURIComponent(item.id)}`, { method: 'DELETE' });
      toast('Deleted');
      err.show(null);
    } catch (e) { err.show(e); }
    done();
  };
  return el('td.actions', {}, ...more,
    el('button.small.edit', { type: 'button', text: 'Edit', 'aria-label': `Edit ${what} ${item.name}`, onclick: () => form.edit(item) }),
    el('button.small.delete', { type: 'button', text: 'Delete', 'aria-label': `Delete ${what} ${item.name}`, onclick: remove }));
}

function alertsSection(write) {
  const err = errorBox();
  const tbody = el('tbody');
  let loads = 0;
  async function load() {
    const mine = ++loads;
    try {
      const [open, acked] = await Promise.all(['open', 'acknowledged'].map((state) => api(`api/v1/alerts${query({ state, limit: 200 })}`)));
      if (mine !== loads) return;  // a later load started meanwhile: its answer is the newer one
      const items = [...open.items, ...acked.items].sort((a, b) => Date.parse(b.since || 0) - Date.parse(a.since || 0));
      clear(tbody).append(...items.map(row));
      if (!items.length) tbody.append(el('tr', {}, el('td', { colspan: 6, text: 'No open or acknowledged alert.' })));
      err.show(null);
    } catch (e) { err.show(e); }
  }
  function row(a) {
    const ack = write && a.state === 'open'
      ? el('button.small.ack', { type: 'button', text: 'Ack', 'aria-label': `Acknowledge the alert of ${a.server_id}`, onclick: () => acknowledge(a.id) })
      : null;
    const by = a.acknowledged_at ? `${a.acknowledged_by || ''} ${when(a.acknowledged_at)}`.trim() : '–';
    return el('tr', { 'data-alert-id': a.id },
      el('td', {}, el('a', { href: `#/server/${encodeURIComponent(a.server_id)}`, text: a.server_id })),
      el('td', { text: a.event }), el('td', { class: `state ${a.state}`, 'data-state': a.state, text: a.state }),
      el('td', { text: when(a.since) }), el('td', { text: by }), el('td', {}, ack));
  }
  async function acknowledge(id) {
    try {
      await api(`api/v1/alerts/${encodeURIComponent(id)}/ack`, { method: 'POST' });
      toast('Acknowledged');
    } catch (e) { err.show(e); }
    load();
  }
  load();
  return { load, node: section('Open and acknowledged', err, table('alerts', ['Server', 'Event', 'State', 'Since', 'Acknowledged', 'Actions'], tbody)) };
}

function channelsSection(write) {
  const err = errorBox();
  const tbody = el('tbody');
  const listeners = [];
  const shown = { items: [] };
  const form = write ? channelForm(load) : null;
  const edits = { form, path: 'api/v1/channels', err, done: load };
  async function load() {
    try {
      shown.items = (await api('api/v1/channels')).items;
      clear(tbody).append(...shown.items.map((c) => el('tr', { 'data-channel-id': c.id },
        el('td', { text: c.name }), el('td', { text: c.type }),
        el('td', { text: c.url || (c.emails || []).join(', ') || c.chat_id || '' }),
        rowActions(write, 'channel', c, edits,
          write ? el('button.small.test', { type: 'button', text: 'Test', 'aria-label': `Send a test message to ${c.name}`, onclick: () => test(c) }) : null))));
      if (!shown.items.length) tbody.append(el('tr', {}, el('td', { colspan: 4, text: 'No channel.' })));
      err.show(null);
      listeners.forEach((fn) => fn(shown.items));
    } catch (e) { err.show(e); }
  }
  async function test(c) {
    try {
      const r = await api(`api/v1/channels/${encodeURIComponent(c.id)}/test`, { method: 'POST' });
      toast(`Test message to ${c.name} queued (${r.delivery_id})`);
      err.show(null);
    } catch (e) { err.show(e); }
  }
  const node = section('Channels', err, table('channels', ['Name', 'Type', 'Target', 'Actions'], tbody), form);
  load();
  return { node, onChange: (fn) => { listeners.push(fn); fn(shown.items); } };
}

// Secrets are never shown: editing, an empty secret (and the URL of a chat channel, which
// carries its token) leaves it as it is.
function channelForm(done) {
  const name = el('input', { name: 'channel_name', required: true, 'data-field': 'name' });
  const type = el('select', { name: 'channel_type', 'data-field': 'type' }, CHANNEL_TYPES.map((t) => el('option', { value: t, text: t })));
  const url = el('input', { name: 'channel_url', type: 'url', placeholder: 'https://…', 'data-field': 'url' });
  const secret = el('input', { name: 'channel_secret', type: 'password', autocomplete: 'new-password', 'data-field': 'secret' });
  const emails = el('input', { name: 'channel_emails', placeholder: 'ops@example.com, …', 'data-field': 'emails' });
  const chat = el('input', { name: 'channel_chat_id', 'data-field': 'chat_id' });
  const body = () => {
    const b = { name: name.value.trim(), type: type.value };
    if (url.value.trim()) b.url = url.value.trim();
    if (secret.value) b.secret = secret.value;
    if (words(emails).length) b.emails = words(emails);
    if (chat.value.trim()) b.chat_id = chat.value.trim();
    return b;
  };
  const fill = (c) => {
    name.value = c.name;
    type.value = c.type;
    url.value = c.type === 'webhook' ? c.url || '' : '';
    if (c.url && c.type !== 'webhook') url.placeholder = `${c.url} (unchanged)`;
    if (c.secret_set) secret.placeholder = '(unchanged)';
    emails.value = (c.emails || []).join(', ');
    chat.value = c.chat_id || '';
  };
  const form = recordForm('channel', 'api/v1/channels', { body, fill }, done,
    field('c-name', 'Name', name), field('c-type', 'Type', type), field('c-url', 'URL', url),
    field('c-secret', 'Webhook secret', secret), field('c-emails', 'Emails', emails), field('c-chat', 'Telegram chat', chat));
  form.addEventListener('reset', () => { url.placeholder = 'https://…'; secret.placeholder = ''; });
  return form;
}

function scopeText(servers) {
  const s = servers || {};
  const parts = [...(s.tags || []).map((t) => `tag ${t}`), ...(s.server_ids || [])];
  return parts.length ? parts.join(', ') : 'every server';
}

function rulesSection(write, channels) {
  const err = errorBox();
  const tbody = el('tbody');
  let names = new Map();
  let rules = [];
  const picks = el('div.picks', { 'data-field': 'channels' });
  const form = write ? ruleForm(load, picks) : null;
  const edits = { form, path: 'api/v1/alert-rules', err, done: load };
  function fill() {
    clear(tbody).append(...rules.map((r) => el('tr', { 'data-rule-id': r.id },
      el('td', { text: r.name }), el('td', { text: (r.channels || []).map((c) => names.get(c) || c).join(', ') }),
      el('td', { text: scopeText(r.servers) }), el('td', { text: (r.events || []).join(', ') }),
      el('td', { text: `${r.after_seconds || 0} s` }), el('td', { text: r.repeat_minutes ? `${r.repeat_minutes} min` : 'no' }),
      rowActions(write, 'rule', r, edits))));
    if (!rules.length) tbody.append(el('tr', {}, el('td', { colspan: 7, text: 'No rule.' })));
  }
  async function load() {
    try {
      rules = (await api('api/v1/alert-rules')).items;
      fill();
      err.show(null);
    } catch (e) { err.show(e); }
  }
  const node = section('Rules', err, table('rules', ['Name', 'Channels', 'Servers', 'Events', 'After', 'Repeat', 'Actions'], tbody), form);
  channels.onChange((items) => {
    names = new Map(items.map((c) => [c.id, c.name]));
    fill();
    clear(picks).append(checkboxes('Channels', 'rule_channel', items.map((c) => c.id), { label: (id) => names.get(id) }));
  });
  load();
  return { node };
}

function ruleForm(done, picks) {
  const name = el('input', { name: 'rule_name', required: true, 'data-field': 'name' });
  const tags = el('input', { name: 'rule_tags', placeholder: 'prod, rack:b7', 'data-field': 'servers.tags' });
  const ids = el('input', { name: 'rule_server_ids', 'data-field': 'servers.server_ids' });
  const events = checkboxes('Events', 'rule_event', ['off', 'on'], { checked: () => true, field: 'events' });
  const after = el('input', { name: 'rule_after', type: 'number', min: 0, max: 86400, value: 0, 'data-field': 'after_seconds' });
  const repeat = el('input', { name: 'rule_repeat', type: 'number', min: 0, max: 10080, value: 0, 'data-field': 'repeat_minutes' });
  const body = () => ({
    name: name.value.trim(),
    channels: [...picks.querySelectorAll('input:checked')].map((b) => b.value),
    servers: { tags: words(tags), server_ids: words(ids) },
    events: events.values(), after_seconds: Number(after.value), repeat_minutes: Number(repeat.value),
  });
  const fill = (r) => {
    name.value = r.name;
    for (const b of picks.querySelectorAll('input')) b.checked = (r.channels || []).includes(b.value);
    tags.value = ((r.servers || {}).tags || []).join(', ');
    ids.value = ((r.servers || {}).server_ids || []).join(', ');
    events.check(r.events || []);
    after.value = r.after_seconds || 0;
    repeat.value = r.repeat_minutes || 0;
  };
  return recordForm('rule', 'api/v1/alert-rules', { body, fill }, done,
    field('r-name', 'Name', name), picks, field('r-tags', 'Servers with tags', tags), field('r-ids', 'Server IDs', ids), events,
    field('r-after', 'After (seconds)', after), field('r-repeat', 'Repeat (minutes)', repeat));
}

function maintenanceSection(write) {
  const err = errorBox();
  const tbody = el('tbody');
  const whenText = (w) => (w.weekly
    ? `weekly ${w.weekly.days.join(', ')} at ${w.weekly.start} for ${w.weekly.duration_minutes} min`
    : `${when(w.start)} – ${when(w.end)}`);
  const form = write ? maintenanceForm(load) : null;
  const edits = { form, path: 'api/v1/maintenance', err, done: load };
  async function load() {
    try {
      const list = await api('api/v1/maintenance');
      clear(tbody).append(...list.items.map((w) => el('tr', { 'data-maintenance-id': w.id },
        el('td', { text: w.name }), el('td', { text: whenText(w) }), el('td', { text: scopeText(w.servers) }),
        rowActions(write, 'maintenance window', w, edits))));
      if (!list.items.length) tbody.append(el('tr', {}, el('td', { colspan: 4, text: 'No maintenance window.' })));
      err.show(null);
    } catch (e) { err.show(e); }
  }
  const node = section('Maintenance windows', err, table('maintenance', ['Name', 'When', 'Servers', 'Actions'], tbody), form);
  load();
  return node;
}

function maintenanceForm(done) {
  const name = el('input', { name: 'mw_name', required: true, 'data-field': 'name' });
  const kind = el('select', { name: 'mw_kind' }, el('option', { value: 'once', text: 'once' }), el('option', { value: 'weekly', text: 'weekly' }));
  const start = el('input', { name: 'mw_start', type: 'datetime-local', 'data-field': 'start' });
  const end = el('input', { name: 'mw_end', type: 'datetime-local', 'data-field': 'end' });
  const days = checkboxes('Days', 'mw_day', DAYS, { field: 'weekly.days' });
  const at = el('input', { name: 'mw_at', type: 'time', 'data-field': 'weekly.start' });
  const minutes = el('input', { name: 'mw_minutes', type: 'number', min: 1, max: 10080, value: 60, 'data-field': 'weekly.duration_minutes' });
  const tags = el('input', { name: 'mw_tags', placeholder: 'rack:b7', 'data-field': 'servers.tags' });
  const ids = el('input', { name: 'mw_server_ids', 'data-field': 'servers.server_ids' });
  const iso = (input) => (input.value ? new Date(input.value).toISOString() : undefined);
  // An instant as a datetime-local value: the browser's local time, to the minute.
  const local = (t) => (t ? new Date(Date.parse(t) - new Date(t).getTimezoneOffset() * 60e3).toISOString().slice(0, 16) : '');
  const body = () => ({
    name: name.value.trim(), servers: { tags: words(tags), server_ids: words(ids) },
    ...(kind.value === 'weekly'
      ? { weekly: { days: days.values(), start: at.value, duration_minutes: Number(minutes.value) } }
      : { start: iso(start), end: iso(end) }),
  });
  const once = [...field('m-start', 'Start', start), ...field('m-end', 'End', end)];
  const weekly = [days, ...field('m-at', 'Start (server time)', at), ...field('m-minutes', 'Minutes', minutes)];
  const show = () => {
    once.forEach((n) => { n.hidden = kind.value !== 'once'; });
    weekly.forEach((n) => { n.hidden = kind.value !== 'weekly'; });
  };
  kind.addEventListener('change', show);
  show();
  const fill = (w) => {
    name.value = w.name;
    kind.value = w.weekly ? 'weekly' : 'once';
    start.value = local(w.start);
    end.value = local(w.end);
    days.check(w.weekly ? w.weekly.days : []);
    if (w.weekly) at.value = w.weekly.start;
    if (w.weekly) minutes.value = w.weekly.duration_minutes;
    tags.value = ((w.servers || {}).tags || []).join(', ');
    ids.value = ((w.servers || {}).server_ids || []).join(', ');
    show();
  };
  const form = recordForm('maintenance', 'api/v1/maintenance', { body, fill }, done,
    field('m-name', 'Name', name), field('m-kind', 'Repeats', kind), once, weekly,
    field('m-tags', 'Servers with tags', tags), field('m-ids', 'Server IDs', ids));
  form.addEventListener('reset', () => setTimeout(show));
  return form;
}
