// The API as the pages use it: relative URLs (the page's <base> is where smsd is mounted), the
// session in an HttpOnly cookie, the CSRF token in memory only, errors as thrown ApiErrors.
let csrf = '';
let onUnauthenticated = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `request failed (${status})`);
    this.status = status;
    this.code = e.code || 'error';
    this.field = e.field || '';
  }
}

export function setCsrf(token) { csrf = token || ''; }
export function whenUnauthenticated(fn) { onUnauthenticated = fn; }

// fetch(path) with the CSRF header on changes; JSON in and out. 401 ends the session.
export async function api(path, { method = 'GET', json, body, headers = {}, raw = false } = {}) {
  const h = { ...headers };
  if (method !== 'GET' && method !== 'HEAD') h['X-CSRF-Token'] = csrf;
  if (json !== undefined) {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  }
  const res = await fetch(path, { method, headers: h, body, credentials: 'same-origin' });
  if (res.status === 401 && !path.endsWith('auth/login')) {
    csrf = '';
    onUnauthenticated();
  }
  if (!res.ok) {
    let parsed = null;
    try { parsed = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, parsed);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  return res.json();
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
