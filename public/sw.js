// Callwright's service worker: keeps the app shell and static assets available
// offline. It never caches API responses, server-function calls, the live
// websocket or health probes: those always go to the network.
const VERSION = "v1";
const SHELL_CACHE = `callwright-shell-${VERSION}`;
const SHELL = [
  "/",
  "/offline.html",
  "/manifest.webmanifest",
  "/favicon.ico",
  "/register-sw.js",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
  "/icons/icon-maskable-512.png",
  "/pkg/callwright.css",
  "/pkg/callwright.js",
  "/pkg/callwright.wasm",
];

// Paths whose responses are user data or live state: never cached.
const NEVER_CACHE = [/^\/api\//, /^\/ws$/, /^\/healthz$/, /^\/readyz$/];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) =>
      // One missing asset (e.g. a renamed bundle) must not stop installation.
      Promise.all(SHELL.map((url) => cache.add(url).catch(() => undefined))),
    ).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("callwright-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (NEVER_CACHE.some((re) => re.test(url.pathname))) return;

  if (request.mode === "navigate") {
    // Pages: always fresh from the server (they carry the user's data);
    // offline, fall back to the offline page.
    event.respondWith(
      fetch(request).catch(async () => (await caches.match("/offline.html")) || Response.error()),
    );
    return;
  }

  // Static assets: network first so a deploy is picked up at once, with the
  // cached copy when the network is gone.
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.type === "basic") {
          const copy = response.clone();
          caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(async () => (await caches.match(request)) || Response.error()),
  );
});
