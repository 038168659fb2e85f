// Small DOM and formatting helpers shared by the pages.

// el('tag.class', {attr: value, onclick: fn}, ...children): an element. Text children become
// text nodes (never HTML), so no value from the API is ever parsed as markup.
export function el(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const node = document.createElement(tag || 'div');
  if (classes.length) node.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

// "12 s ago", "3 min ago", "2 h ago", "4 d ago"; "never" for no time.
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (!t) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function pct(x) {
  return x === null || x === undefined ? '–' : `${(x * 100).toFixed(x >= 0.9995 || x === 0 ? 1 : 2)} %`;
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '–' : d.toLocaleString();
}

let toastTimer = 0;
export function toast(message, bad = false) {
  const t = document.querySelector('.toast');
  t.textContent = message;
  t.classList.toggle('bad', bad);
  t.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('shown'), 5000);
}

// An error box the pages show API errors in (the API's message as it is).
export function errorBox() {
  const box = el('p.error', { role: 'alert', hidden: true });
  box.show = (err) => {
    box.textContent = err ? (err.message || String(err)) : '';
    box.hidden = !err;
  };
  return box;
}

// fn once calls stop for `ms`; under calls that never stop, still at least every `maxWait` ms.
export function debounce(fn, ms, maxWait = Infinity) {
  let t = 0;
  let first = 0;
  return (...args) => {
    const now = Date.now();
    if (!t) first = now;
    clearTimeout(t);
    t = setTimeout(() => { t = 0; fn(...args); }, Math.max(0, Math.min(ms, first + maxWait - now)));
  };
}
