// The dashboard's shell: who is logged in, the hash router (#/servers, #/server/<id>, …), the
// session renewal while the page is in use.
import { api, setCsrf, whenUnauthenticated } from './api.js';
import { startLive, stopLive } from './live.js';
import { clear, el, toast } from './util.js';

const pages = {
  overview: () => import('./page-overview.js'),
  servers: () => import('./page-servers.js'),
  server: () => import('./page-server.js'),
  alerts: () => import('./page-alerts.js'),
  reports: () => import('./page-reports.js'),
  admin: () => import('./page-admin.js'),
};

export const session = { me: null };
export function can(scope) {
  return !!session.me && session.me.scopes.includes(scope);
}

const main = document.getElementById('main');
const header = document.querySelector('header.top');
let leave = null;  // the current page's clean-up
let renderId = 0;

async function route() {
  const id = ++renderId;
  if (leave) { leave(); leave = null; }
  if (!session.me) return showLogin();
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  const load = pages[name] || pages.overview;
  for (const a of header.querySelectorAll('nav a')) {
    const active = a.dataset.page === (name === 'server' ? 'servers' : name);
    if (active) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const mod = await load();
  if (id !== renderId) return;
  clear(main);
  leave = mod.render(main, rest.map(decodeURIComponent)) || null;
}

function showLogin(message) {
  stopLive();
  header.hidden = true;
  clear(main);
  const err = el('p.error', { role: 'alert', hidden: !message, text: message || '' });
  const user = el('input', { id: 'login-user', name: 'username', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'login-pass', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = el('form.login', { onsubmit: async (ev) => {
    ev.preventDefault();
    err.hidden = true;
    try {
      const me = await api('api/v1/auth/login', { method: 'POST', json: { username: user.value, password: pass.value, cookie: true } });
      await enter(me);
    } catch (e) {
      err.textContent = e.message;
      err.hidden = false;
    }
  } },
  el('h1', { text: 'Server Management System' }),
  el('label', { for: 'login-user', text: 'Username' }), user,
  el('label', { for: 'login-pass', text: 'Password' }), pass,
  el('button', { type: 'submit', text: 'Log in' }), err);
  main.append(form);
  user.focus();
}

async function enter(me) {
  session.me = me;
  setCsrf(me.csrf_token);
  header.hidden = false;
  header.querySelector('.who').textContent = `${me.username} (${me.role})`;
  lastRenew = Date.now();
  startLive();
  await route();
}

// Renewal: a page in use (keys, clicks) renews its session every few minutes; an idle one
// lets it end (--session-idle-minutes) and comes back to the login page.
let lastRenew = 0;
let active = false;
for (const ev of ['keydown', 'pointerdown']) addEventListener(ev, () => { active = true; }, { passive: true });
setInterval(async () => {
  if (!session.me || !active || Date.now() - lastRenew < 4 * 60 * 1000) return;
  active = false;
  try {
    const me = await api('api/v1/auth/refresh', { method: 'POST' });
    setCsrf(me.csrf_token);
    lastRenew = Date.now();
  } catch { /* a 401 goes to the login page */ }
}, 30 * 1000);

whenUnauthenticated(() => {
  if (!session.me) return;
  session.me = null;
  showLogin('Your session has ended; log in again.');
});

header.querySelector('.logout').addEventListener('click', async () => {
  try { await api('api/v1/auth/logout', { method: 'POST' }); } catch (e) { toast(e.message, true); }
  session.me = null;
  showLogin();
});

addEventListener('hashchange', route);

(async () => {
  try {
    await enter(await api('api/v1/auth/me'));
  } catch {
    showLogin();
  }
})();
