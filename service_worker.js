/* Service worker of the post office app.
 * The server fills in VERSION (a hash of everything below and of what it caches)
 * and PRECACHE, so any change to templates, CSS or JS ships a new worker. */
"use strict";

const VERSION = "__PWA_VERSION__";
const PRECACHE = "__PWA_PRECACHE__";
importScripts(PRECACHE.common); // PwaCommon: what the pages and this worker share
importScripts(PRECACHE.queue); // PwaQueue: posts kept on the phone until there is signal
const SHELL_CACHE = `shell-${VERSION}`;
const PAGE_CACHE = PwaCommon.PAGE_CACHE;
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
  const data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    event.waitUntil(self.skipWaiting());
  } else if (data.type === "CACHE_PAGES" && Array.isArray(data.urls)) {
    event.waitUntil(cachePages(data.urls)); // pages of this phone's own list, for reading offline
  } else if (data.type === "FLUSH_QUEUE") {
    event.waitUntil(self.PwaQueue.flush());
  }
});

self.addEventListener("sync", (event) => {
  if (event.tag === self.PwaQueue.SYNC_TAG) event.waitUntil(self.PwaQueue.flush());
});

async function cachePages(urls) {
  const cache = await caches.open(PAGE_CACHE);
  for (const url of urls.slice(0, 20)) {
    const path = new URL(url, self.location.origin);
    if (path.origin !== self.location.origin || NO_CACHE_PREFIXES.some((p) => path.pathname.startsWith(p))) continue;
    try {
      const response = await fetch(path.href, { credentials: "same-origin" });
      if (response.ok) await cache.put(path.href, await stamped(response));
    } catch (error) {
      return; // offline: keep what is there
    }
  }
  await trim(cache);
}

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
  const hit = await caches.match(request);
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    // Offline, and a saved page names an older version of this file: the older copy beats nothing.
    const older = await caches.match(request, { ignoreSearch: true });
    if (older) return older;
    throw error;
  }
}

async function networkFirst(event) {
  const request = event.request;
  const network = fetch(request).then(async (response) => {
    if (response.ok && (response.headers.get("content-type") || "").includes("text/html")) {
      const cache = await caches.open(PAGE_CACHE);
      await cache.put(request, await stamped(response.clone()));
      await trim(cache);
    } else if (response.type === "opaqueredirect") {
      // The page now sends the visitor elsewhere (a courier signed out: to the sign-in page),
      // so the copy saved while it was theirs must not be shown offline any more.
      await (await caches.open(PAGE_CACHE)).delete(request, { ignoreVary: true });
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

/* ---------------------------------------------------------------------------
 * Push notifications (issue 5). Payloads are Declarative Web Push JSON:
 * {"web_push": 8030, "notification": {"title", "body", "navigate", "lang", "tag"}}.
 * Every push shows a notification (iOS revokes subscriptions that do not).
 * ------------------------------------------------------------------------- */

const NOTIFICATION_ICON = "/static/icons/icon-192.png";

function readPush(event) {
  try {
    const data = event.data ? event.data.json() : {};
    return data.notification || {};
  } catch (error) {
    return {};
  }
}

self.addEventListener("push", (event) => {
  const note = readPush(event);
  const title = note.title || "Bưu điện Bắc Kạn";
  const options = {
    body: note.body || "",
    tag: note.tag || undefined,
    lang: note.lang || "vi",
    dir: note.dir || "ltr",
    icon: NOTIFICATION_ICON,
    badge: NOTIFICATION_ICON,
    renotify: Boolean(note.tag),
    actions: (note.actions || []).map((a) => ({ action: a.action, title: a.title })),
    data: {
      url: note.navigate || "/notifications",
      actions: Object.fromEntries((note.actions || []).map((a) => [a.action, a.navigate])),
    },
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

// Focus a window already on the target page, else bring any of ours there, else open one.
async function openTarget(url) {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin) target.href = new URL("/notifications", self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const exact = windows.find((client) => client.url === target.href);
  if (exact) return exact.focus();
  const ours = windows.find((client) => new URL(client.url).origin === self.location.origin);
  if (ours) {
    const moved = await ours.navigate(target.href);
    const client = moved || ours;
    try {
      await client.focus();
    } catch (error) {
      /* focusing needs the click's user activation; the page is already there */
    }
    return client;
  }
  return self.clients.openWindow(target.href);
}

async function handleNotificationClick(notification, action) {
  notification.close();
  const data = notification.data || {};
  const chosen = action && data.actions && data.actions[action];
  return openTarget(chosen || data.url || "/notifications");
}

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(handleNotificationClick(event.notification, event.action));
});

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(
    (async () => {
      let subscription = event.newSubscription;
      if (!subscription) {
        const response = await fetch("/api/v1/push/key", { credentials: "same-origin" });
        const { public_key: key } = await response.json();
        subscription = await self.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: PwaCommon.keyBytes(key),
        });
      }
      await fetch("/api/v1/push/subscriptions", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          subscription: subscription.toJSON(),
          old_endpoint: event.oldSubscription ? event.oldSubscription.endpoint : undefined,
        }),
      });
    })(),
  );
});
