// Alerts: the open and acknowledged alerts (ack with alerts:write), the channels (create, send a
// test message), the rules and the maintenance windows — all on the alerts API. A viewer sees
// the lists and no control that changes them; every error shows the API's message.
import { api, query } from './api.js';
import { can } from './app.js';
import { clear, el, errorBox, toast, when } from './util.js';

const CHANNEL_TYPES = ['webhook', 'email', 'slack', 'teams', 'discord', 'telegram'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function render(main) {
  const write = can('alerts:write');
  const channels = channelsSection(write);
  const rules = rulesSection(write, channels);
  const alerts = alertsSection(write);
  main.append(el('h1', { text: 'Alerts' }), alerts.node, channels.node, rules.node, maintenanceSection(write));
  const ticker = setInterval(alerts.load, 10 * 1000);  // alerts open in the mail role, not here
  return () => clearInterval(ticker);
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

function checkboxes(legend, name, values, { checked = () => false, label = (v) => v } = {}) {
  const boxes = values.map((v) => el('input', { type: 'checkbox', id: `${name}-${v}`, name, value: v, checked: checked(v) }));
  const set = el('fieldset.scopes', {}, el('legend', { text: legend }), boxes.map((b) => el('label', { for: b.id }, b, ` ${label(b.value)}`)));
  set.values = () => boxes.filter((b) => b.checked).map((b) => b.value);
  return set;
}

// A form that POSTs what `body()` gives to `path`, shows the API's error, and calls `done`.
function createForm(cls, path, body, done, ...children) {
  const err = errorBox();
  return el(`form.grid.${cls}`, { onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api(path, { method: 'POST', json: body() });
      toast('Created');
      ev.target.reset();
      err.show(null);
      done();
    } catch (e) { err.show(e); }
  } }, ...children, el('button', { type: 'submit', text: 'Create' }), err);
}

function alertsSection(write) {
  const err = errorBox();
  const tbody = el('tbody');
  async function load() {
    try {
      const [open, acked] = await Promise.all(['open', 'acknowledged'].map((state) => api(`api/v1/alerts${query({ state, limit: 200 })}`)));
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
  async function load() {
    try {
      shown.items = (await api('api/v1/channels')).items;
      clear(tbody).append(...shown.items.map((c) => el('tr', { 'data-channel-id': c.id },
        el('td', { text: c.name }), el('td', { text: c.type }),
        el('td', { text: c.url || (c.emails || []).join(', ') || c.chat_id || '' }),
        el('td', {}, write ? el('button.small.test', { type: 'button', text: 'Test', 'aria-label': `Send a test message to ${c.name}`, onclick: () => test(c) }) : null))));
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
  const node = section('Channels', err, table('channels', ['Name', 'Type', 'Target', 'Actions'], tbody));
  if (write) node.append(channelForm(load));
  load();
  return { node, onChange: (fn) => { listeners.push(fn); fn(shown.items); } };
}

function channelForm(done) {
  const name = el('input', { name: 'channel_name', required: true });
  const type = el('select', { name: 'channel_type' }, CHANNEL_TYPES.map((t) => el('option', { value: t, text: t })));
  const url = el('input', { name: 'channel_url', type: 'url', placeholder: 'https://…' });
  const secret = el('input', { name: 'channel_secret', type: 'password', autocomplete: 'new-password' });
  const emails = el('input', { name: 'channel_emails', placeholder: 'ops@example.com, …' });
  const chat = el('input', { name: 'channel_chat_id' });
  const body = () => {
    const b = { name: name.value.trim(), type: type.value };
    if (url.value.trim()) b.url = url.value.trim();
    if (secret.value) b.secret = secret.value;
    if (words(emails).length) b.emails = words(emails);
    if (chat.value.trim()) b.chat_id = chat.value.trim();
    return b;
  };
  return createForm('channel', 'api/v1/channels', body, done,
    field('c-name', 'Name', name), field('c-type', 'Type', type), field('c-url', 'URL', url),
    field('c-secret', 'Webhook secret', secret), field('c-emails', 'Emails', emails), field('c-chat', 'Telegram chat', chat));
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
  function fill() {
    clear(tbody).append(...rules.map((r) => el('tr', { 'data-rule-id': r.id },
      el('td', { text: r.name }), el('td', { text: (r.channels || []).map((c) => names.get(c) || c).join(', ') }),
      el('td', { text: scopeText(r.servers) }), el('td', { text: (r.events || []).join(', ') }),
      el('td', { text: `${r.after_seconds || 0} s` }), el('td', { text: r.repeat_minutes ? `${r.repeat_minutes} min` : 'no' }))));
    if (!rules.length) tbody.append(el('tr', {}, el('td', { colspan: 6, text: 'No rule.' })));
  }
  async function load() {
    try {
      rules = (await api('api/v1/alert-rules')).items;
      fill();
      err.show(null);
    } catch (e) { err.show(e); }
  }
  const node = section('Rules', err, table('rules', ['Name', 'Channels', 'Servers', 'Events', 'After', 'Repeat'], tbody));
  const picks = el('div.picks');
  if (write) node.append(ruleForm(load, picks));
  channels.onChange((items) => {
    names = new Map(items.map((c) => [c.id, c.name]));
    fill();
    clear(picks).append(checkboxes('Channels', 'rule_channel', items.map((c) => c.id), { label: (id) => names.get(id) }));
  });
  load();
  return { node };
}

function ruleForm(done, picks) {
  const name = el('input', { name: 'rule_name', required: true });
  const tags = el('input', { name: 'rule_tags', placeholder: 'prod, rack:b7' });
  const ids = el('input', { name: 'rule_server_ids' });
  const events = checkboxes('Events', 'rule_event', ['off', 'on'], { checked: () => true });
  const after = el('input', { name: 'rule_after', type: 'number', min: 0, max: 86400, value: 0 });
  const repeat = el('input', { name: 'rule_repeat', type: 'number', min: 0, max: 10080, value: 0 });
  const body = () => ({
    name: name.value.trim(),
    channels: [...picks.querySelectorAll('input:checked')].map((b) => b.value),
    servers: { tags: words(tags), server_ids: words(ids) },
    events: events.values(), after_seconds: Number(after.value), repeat_minutes: Number(repeat.value),
  });
  return createForm('rule', 'api/v1/alert-rules', body, done,
    field('r-name', 'Name', name), picks, field('r-tags', 'Servers with tags', tags), field('r-ids', 'Server IDs', ids), events,
    field('r-after', 'After (seconds)', after), field('r-repeat', 'Repeat (minutes)', repeat));
}

function maintenanceSection(write) {
  const err = errorBox();
  const tbody = el('tbody');
  const whenText = (w) => (w.weekly
    ? `weekly ${w.weekly.days.join(', ')} at ${w.weekly.start} for ${w.weekly.duration_minutes} min`
    : `${when(w.start)} – ${when(w.end)}`);
  async function load() {
    try {
      const list = await api('api/v1/maintenance');
      clear(tbody).append(...list.items.map((w) => el('tr', { 'data-maintenance-id': w.id },
        el('td', { text: w.name }), el('td', { text: whenText(w) }), el('td', { text: scopeText(w.servers) }))));
      if (!list.items.length) tbody.append(el('tr', {}, el('td', { colspan: 3, text: 'No maintenance window.' })));
      err.show(null);
    } catch (e) { err.show(e); }
  }
  const node = section('Maintenance windows', err, table('maintenance', ['Name', 'When', 'Servers'], tbody));
  if (write) node.append(maintenanceForm(load));
  load();
  return node;
}

function maintenanceForm(done) {
  const name = el('input', { name: 'mw_name', required: true });
  const kind = el('select', { name: 'mw_kind' }, el('option', { value: 'once', text: 'once' }), el('option', { value: 'weekly', text: 'weekly' }));
  const start = el('input', { name: 'mw_start', type: 'datetime-local' });
  const end = el('input', { name: 'mw_end', type: 'datetime-local' });
  const days = checkboxes('Days', 'mw_day', DAYS);
  const at = el('input', { name: 'mw_at', type: 'time' });
  const minutes = el('input', { name: 'mw_minutes', type: 'number', min: 1, max: 10080, value: 60 });
  const tags = el('input', { name: 'mw_tags', placeholder: 'rack:b7' });
  const ids = el('input', { name: 'mw_server_ids' });
  const iso = (input) => (input.value ? new Date(input.value).toISOString() : undefined);
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
  const form = createForm('maintenance', 'api/v1/maintenance', body, done,
    field('m-name', 'Name', name), field('m-kind', 'Repeats', kind), once, weekly,
    field('m-tags', 'Servers with tags', tags), field('m-ids', 'Server IDs', ids));
  form.addEventListener('reset', () => setTimeout(show));
  return form;
}
