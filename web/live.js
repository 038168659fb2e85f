// One EventSource for the whole page (GET api/v1/events/stream). It reconnects by itself with
// Last-Event-ID, so no transition is lost; on each (re)start the server sends "ready" and the
// listeners reload what they show.
let source = null;
const listeners = new Set();
// The latest transitions seen since the page loaded, newest first (the overview lists them).
export const recent = [];

export function onLive(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(kind, data) {
  for (const l of listeners) {
    try { l(kind, data); } catch (e) { console.error(e); }
  }
}

export function startLive() {
  if (source) return;
  source = new EventSource('api/v1/events/stream');
  source.addEventListener('ready', () => emit('ready', null));
  source.addEventListener('transition', (m) => {
    const t = JSON.parse(m.data);
    recent.unshift(t);
    if (recent.length > 50) recent.pop();
    emit('transition', t);
  });
  source.addEventListener('error', () => emit('error', null));
}

export function stopLive() {
  if (source) source.close();
  source = null;
}
