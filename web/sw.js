// ChatSphere service worker: keeps the built app so it opens offline after the first load.
// The build replaces the two placeholders with the file list and a version (see web/vite.config.ts).
/* global self, caches */
const PRECACHE = self.__PRECACHE__
const VERSION = self.__VERSION__
const CACHE = 'chatsphere-app-' + VERSION

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()))
})

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('chatsphere-app-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()))
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  if (req.method !== 'GET') return
  const url = new URL(req.url)
  // Only the app's own files; the relay info document and everything else always go to the network.
  if (url.origin !== self.location.origin || url.pathname.startsWith('/.well-known/')) return
  if (req.mode === 'navigate') {
    // Network first for the page so a new version shows when online; the cached shell when offline.
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: CACHE })))
    return
  }
  event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)))
})
