// Reports: request one (start, end, emails) and follow its mail status; the daily reports of
// the last days.
import { api } from './api.js';
import { can } from './app.js';
import { clear, el, errorBox, pct, when } from './util.js';

const requested = [];  // report ids asked for from this page, newest first

export function render(main) {
  const err = errorBox();
  const mine = el('tbody');
  const daily = el('tbody');
  const today = new Date().toISOString().slice(0, 10);
  const start = el('input', { id: 'r-start', name: 'start', type: 'date', value: today, required: true });
  const end = el('input', { id: 'r-end', name: 'end', type: 'date', value: today, required: true });
  const emails = el('input', { id: 'r-emails', name: 'emails', type: 'text', required: true, placeholder: 'a@example.com, b@example.com' });
  main.append(el('h1', { text: 'Reports' }));
  if (can('reports:send')) {
    main.append(el('form.grid.report', { onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const r = await api('api/v1/reports', { method: 'POST', json: { start: start.value, end: end.value, emails: emails.value.split(/[\s,;]+/).filter(Boolean) } });
        requested.unshift(r.report_id);
        err.show(null);
        refresh();
      } catch (e) { err.show(e); }
    } },
    el('label', { for: 'r-start', text: 'First day' }), start, el('label', { for: 'r-end', text: 'Last day' }), end,
    el('label', { for: 'r-emails', text: 'Send to' }), emails, el('button', { type: 'submit', text: 'Send report' })));
  }
  main.append(err, el('h2', { text: 'Requested here' }), table(mine), el('h2', { text: 'Daily reports' }), table(daily));

  async function fetchReport(id) {
    try { return await api(`api/v1/reports/${encodeURIComponent(id)}`); } catch (e) { return e.status === 404 ? null : { report_id: id, error: e.message }; }
  }
  async function refresh() {
    const rows = await Promise.all(requested.map(fetchReport));
    clear(mine).append(...rows.filter(Boolean).map(row));
    if (!requested.length) mine.append(el('tr', {}, el('td', { colspan: 5, text: 'None yet.' })));
    return rows.some((r) => r && r.status === 'queued');
  }
  async function loadDaily() {
    const ids = [];
    for (let i = 1; i <= 7; i++) ids.push(`daily-${new Date(Date.now() - i * 86400e3).toISOString().slice(0, 10)}`);
    const rows = (await Promise.all(ids.map(fetchReport))).filter(Boolean);
    clear(daily).append(...rows.map(row));
    if (!rows.length) daily.append(el('tr', {}, el('td', { colspan: 5, text: 'No daily report in the last 7 days.' })));
  }
  // Follows queued mails until they are sent or failed.
  const timer = setInterval(async () => { if (requested.length) await refresh(); }, 2000);
  refresh();
  loadDaily();
  return () => clearInterval(timer);
}

function table(tbody) {
  return el('div.tablewrap', {}, el('table', {}, el('thead', {}, el('tr', {}, ['Report', 'Days', 'Average uptime', 'Mail', 'Created'].map((h) => el('th', { scope: 'col', text: h })))), tbody));
}

function row(r) {
  const s = r.summary || {};
  const mail = r.error && !r.status ? r.error : `${r.status || '–'}${r.status === 'failed' && r.error ? `: ${r.error}` : ''}`;
  return el('tr', { 'data-report-id': r.report_id }, el('td', { text: r.report_id }),
    el('td', { text: r.start ? `${r.start} – ${r.end}` : '' }), el('td', { text: pct(s.avg_uptime ?? s.average_uptime) }),
    el('td', { class: `mail ${r.status || ''}`, 'data-mail-status': r.status || '', text: mail }), el('td', { text: when(r.created_at) }));
}
