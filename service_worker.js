/* Service worker of the post office app.
 * The server fills in VERSION (a hash of everything below and of what it caches)
 * and PRECACHE, so any change to templates, CSS or JS ships a new worker. */
"use strict";

const VERSION = "__PWA_VERSION__";
const PRECACHE = "__PWA_PRECACHE__";
const SHELL_CACHE = `shell-${VERSION}`;
const PAGE_CACHE = "pages-v1"; // visited pages survive updates; bounded and expiring
const PAGE_LIMIT = 60;
const PAGE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;
const NETWORK_TIMEOUT_MS = 4000;
const STAMP = "x-pwa-cached-at";
// Never cached: staff pages, the API, the worker itself.
const NO_CACHE_PREFIXES = ["/staff", "/api/", "/service_worker.js", "/healthz", "/lang"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const shell = await caches.open(SHELL_CACHE);
      await shell.addAll(PRECACHE.shell);
      const pages = await caches.open(PAGE_CACHE);
      await Promise.all(
        PRECACHE.pages.map(async (url) => {
          const response = await fetch(url, { credentials: "same-origin" });
          if (response.ok) await pages.put(url, await stamped(response));
        }),
      );
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, PAGE_CACHE]);
      const names = await caches.keys();
      await Promise.all(names.filter((name) => !keep.has(name)).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") {
    event.waitUntil(self.skipWaiting());
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.headers.get("HX-Request")) return; // fragments are never cached
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && !NO_CACHE_PREFIXES.some((p) => url.pathname.startsWith(p))) {
    event.respondWith(networkFirst(event));
  }
});

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = (await cache.match(request)) || (await caches.match(request, { ignoreSearch: true }));
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function networkFirst(event) {
  const request = event.request;
  const network = fetch(request).then(async (response) => {
    if (response.ok && (response.headers.get("content-type") || "").includes("text/html")) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(request, await stamped(response.clone()));
      await trim(cache);
    }
    return response;
  });
  event.waitUntil(network.catch(() => null));
  const first = await Promise.race([network.catch(() => null), delay(NETWORK_TIMEOUT_MS)]);
  if (first) return first;
  const cached = await cachedPage(request);
  if (cached) return cached;
  try {
    return await network;
  } catch (error) {
    return (await caches.match("/offline")) || Response.error();
  }
}

async function cachedPage(request) {
  const cache = await caches.open(PAGE_CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (!hit) return null;
  const at = Number(hit.headers.get(STAMP) || 0);
  if (Date.now() - at > PAGE_MAX_AGE_MS) {
    await cache.delete(request);
    return null;
  }
  return hit;
}

async function stamped(response) {
  const headers = new Headers(response.headers);
  headers.set(STAMP, String(Date.now()));
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

async function trim(cache) {
  const keys = await cache.keys();
  const extra = keys.length - PAGE_LIMIT;
  if (extra > 0) await Promise.all(keys.slice(0, extra).map((key) => cache.delete(key)));
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}
