// The page's service worker: the page's own files come from the phone's
// cache, so the page opens with no signal at all; the API always goes to
// the network and is never cached (a report's state, a warning, must be
// the hub's word or nothing). After each opening of the page the files are
// fetched again in the background, so a new version of the page is there
// from the next opening on.
'use strict';

const VERSION = 'report-2';
const FILES = ['/report', '/report/app.js', '/report/app.css', '/report/manifest.webmanifest', '/report/icon-192.png', '/report/icon-512.png'];
// The hub's Chinese font, for phones without one: kept once fetched.
const FONT = '/join/font.otf';

self.addEventListener('install', (ev) => {
  ev.waitUntil(caches.open(VERSION).then((c) => c.addAll(FILES.map((f) => new Request(f, { cache: 'reload' })))).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (ev) => {
  ev.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== VERSION && k !== 'font').map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function refresh() {
  const c = await caches.open(VERSION);
  // All or nothing: a new page with an old script would not work.
  const resps = await Promise.all(FILES.map((f) => fetch(f, { cache: 'no-cache' }))); // revalidated by ETag: unchanged files cost a 304
  if (resps.every((r) => r.ok)) await Promise.all(resps.map((r, i) => c.put(FILES[i], r)));
}

self.addEventListener('fetch', (ev) => {
  const url = new URL(ev.request.url);
  if (ev.request.method !== 'GET' || url.origin !== location.origin) return;
  if (url.pathname.startsWith('/report/api/')) return; // network only
  let path = url.pathname;
  if (path === '/report/' || path === '/report/index.html') path = '/report';
  if (FILES.includes(path)) {
    ev.respondWith(caches.open(VERSION).then((c) => c.match(path)).then((hit) => hit || fetch(ev.request)));
    if (ev.request.mode === 'navigate') ev.waitUntil(refresh().catch(() => {}));
    return;
  }
  if (path === FONT) {
    ev.respondWith(caches.open('font').then(async (c) => {
      const hit = await c.match(FONT);
      if (hit) return hit;
      const r = await fetch(ev.request);
      if (r.ok) await c.put(FONT, r.clone());
      return r;
    }));
  }
});
