// Admin: users and roles (users:admin), API tokens (the secret shown once), one's own password.
import { api } from './api.js';
import { can, session } from './app.js';
import { clear, el, errorBox, toast, when } from './util.js';

export function render(main) {
  main.append(el('h1', { text: 'Admin' }));
  if (can('users:admin')) main.append(users());
  if (can('tokens:manage')) main.append(tokens());
  main.append(password());
}

function section(title, ...children) {
  const id = `h-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return el('section.panel', { 'aria-labelledby': id }, el('h2', { id, text: title }), ...children);
}

function users() {
  const err = errorBox();
  const tbody = el('tbody');
  const name = el('input', { id: 'u-name', name: 'new_username', required: true });
  const pass = el('input', { id: 'u-pass', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true });
  const role = roleSelect('u-role', 'viewer');
  async function load() {
    try {
      const list = await api('api/v1/users');
      clear(tbody).append(...list.items.map((u) => {
        const sel = roleSelect(`role-${u.username}`, u.role);
        sel.setAttribute('aria-label', `Role of ${u.username}`);
        sel.addEventListener('change', () => change(`api/v1/users/${encodeURIComponent(u.username)}`, 'PATCH', { role: sel.value }));
        return el('tr', {}, el('td', { text: u.username }), el('td', {}, sel), el('td', { text: when(u.created_at) }),
          el('td', {}, el('button.small', { type: 'button', text: 'Delete', 'aria-label': `Delete user ${u.username}`, onclick: () => confirm(`Delete user ${u.username}?`) && change(`api/v1/users/${encodeURIComponent(u.username)}`, 'DELETE') })));
      }));
      err.show(null);
    } catch (e) { err.show(e); }
  }
  async function change(path, method, json) {
    try { await api(path, { method, json }); toast('Saved'); } catch (e) { err.show(e); }
    load();
  }
  load();
  return section('Users', err, el('div.tablewrap', {}, el('table', {}, el('thead', {}, el('tr', {}, ['User', 'Role', 'Created', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))), tbody)),
    el('form.grid', { onsubmit: async (ev) => { ev.preventDefault(); await change('api/v1/users', 'POST', { username: name.value, password: pass.value, role: role.value }); ev.target.reset(); } },
      el('label', { for: 'u-name', text: 'Username' }), name, el('label', { for: 'u-pass', text: 'Password' }), pass,
      el('label', { for: 'u-role', text: 'Role' }), role, el('button', { type: 'submit', text: 'Add user' })));
}

function roleSelect(id, value) {
  const s = el('select', { id }, ['viewer', 'operator', 'admin'].map((r) => el('option', { value: r, text: r })));
  s.value = value;
  return s;
}

function tokens() {
  const err = errorBox();
  const tbody = el('tbody');
  const shown = el('div.secret', { role: 'status' });
  const name = el('input', { id: 't-name', name: 'token_name', required: true });
  // A token holds some of its owner's scopes, never the ones that manage identities.
  const offered = session.me.scopes.filter((s) => s !== 'tokens:manage' && s !== 'users:admin');
  const boxes = offered.map((s) => el('input', { type: 'checkbox', id: `t-scope-${s}`, value: s, checked: s.endsWith(':read') }));
  const scopes = el('fieldset.scopes', {}, el('legend', { text: 'Scopes' }),
    boxes.map((b) => el('label', { for: b.id }, b, ` ${b.value}`)));
  async function load() {
    try {
      const list = await api('api/v1/tokens');
      clear(tbody).append(...list.items.map((t) => el('tr', {}, el('td', { text: t.name }), el('td', { text: t.username }), el('td', { text: t.scopes.join(' ') }), el('td', { text: when(t.expires_at) }),
        el('td', {}, el('button.small', { type: 'button', text: 'Revoke', 'aria-label': `Revoke token ${t.name}`, onclick: async () => { try { await api(`api/v1/tokens/${t.token_id}`, { method: 'DELETE' }); } catch (e) { err.show(e); } load(); } })))));
    } catch (e) { err.show(e); }
  }
  load();
  return section('API tokens', err, el('div.tablewrap', {}, el('table', {}, el('thead', {}, el('tr', {}, ['Name', 'Owner', 'Scopes', 'Expires', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))), tbody)),
    el('form.grid', { onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const t = await api('api/v1/tokens', { method: 'POST', json: { name: name.value, scopes: boxes.filter((b) => b.checked).map((b) => b.value) } });
        clear(shown).append(el('p', { text: 'Copy this token now: it is not shown again.' }), el('code', { text: t.token }));
        ev.target.reset();
        err.show(null);
        load();
      } catch (e) { err.show(e); }
    } }, el('label', { for: 't-name', text: 'Token name' }), name, scopes, el('button', { type: 'submit', text: 'Create token' })), shown);
}

function password() {
  const err = errorBox();
  const cur = el('input', { id: 'p-cur', name: 'current_password', type: 'password', autocomplete: 'current-password', required: true });
  const next = el('input', { id: 'p-new', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true });
  return section(`Password of ${session.me.username}`, el('form.grid', { onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api('api/v1/auth/password', { method: 'POST', json: { current_password: cur.value, new_password: next.value } });
      toast('Password changed: log in again');
      location.reload();
    } catch (e) { err.show(e); }
  } }, el('label', { for: 'p-cur', text: 'Current password' }), cur, el('label', { for: 'p-new', text: 'New password' }), next,
  el('button', { type: 'submit', text: 'Change password' }), err));
}
