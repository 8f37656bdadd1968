/* The app's own script: service worker registration, offline and update banners,
   the install button, focus on error summaries. Small on purpose; pages work without it. */
"use strict";

(function () {
  const lang = document.documentElement.lang || "vi";
  const offlineBanner = document.getElementById("offline-banner");
  const updateBanner = document.getElementById("update-banner");
  const STALE_MS = 60 * 1000; // a page older than this was served from the phone's copy

  function generatedAt() {
    const meta = document.querySelector('meta[name="pwa-generated-at"]');
    const time = meta ? Date.parse(meta.content) : NaN;
    return Number.isNaN(time) ? null : new Date(time);
  }

  /* "Cập nhật lúc 14:05, hôm qua" / "Updated at 14:05, yesterday", in the post office's zone. */
  function updatedText(when) {
    const zone = "Asia/Ho_Chi_Minh";
    const time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone }).format(when);
    const day = (d) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(d); // YYYY-MM-DD
    const days = Math.round((Date.parse(day(new Date())) - Date.parse(day(when))) / 86400000);
    const dayText = days <= 6
      ? new Intl.RelativeTimeFormat(lang, { numeric: "auto" }).format(-days, "day").toLocaleLowerCase(lang)
      : new Intl.DateTimeFormat(lang, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: zone }).format(when);
    return `${offlineBanner.dataset.updated} ${time}, ${dayText}`;
  }

  function showConnectivity() {
    if (!offlineBanner) return;
    const when = generatedAt();
    const stale = when && Date.now() - when.getTime() > STALE_MS;
    offlineBanner.hidden = navigator.onLine && !stale;
    const parts = [];
    if (!navigator.onLine) parts.push(offlineBanner.dataset.offline);
    if (stale) parts.push(offlineBanner.dataset.saved);
    if (when && (stale || !navigator.onLine)) parts.push(updatedText(when) + ".");
    document.getElementById("offline-text").textContent = parts.join(" ");
  }
  window.addEventListener("online", showConnectivity);
  window.addEventListener("offline", showConnectivity);
  window.addEventListener("pageshow", showConnectivity);
  showConnectivity();

  function focusErrors(root) {
    const summary = (root || document).querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", () => focusErrors(document));
  document.addEventListener("htmx:afterSwap", (event) => focusErrors(event.target));

  /* Install: a real button when the browser offers it; a short guide on iPhone. */
  let installPrompt = null;
  const standalone = PwaCommon.isStandalone();
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installPrompt = event;
    const button = document.getElementById("install-app");
    if (button) button.hidden = false;
  });
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("#install-app");
    if (!button || !installPrompt) return;
    installPrompt.prompt();
    await installPrompt.userChoice;
    installPrompt = null;
    button.hidden = true;
  });
  window.addEventListener("appinstalled", () => {
    const box = document.getElementById("install-box");
    if (box) box.hidden = true;
  });
  const iosGuide = document.getElementById("install-ios");
  if (iosGuide && PwaCommon.isIos() && !standalone) iosGuide.hidden = false;
  const installBox = document.getElementById("install-box");
  if (installBox && standalone) installBox.hidden = true;

  /* Offline page: list the pages this phone has saved. */
  async function listSavedPages() {
    const list = document.getElementById("saved-pages");
    if (!list || !("caches" in window)) return;
    const cache = await caches.open(PwaCommon.PAGE_CACHE);
    const requests = await cache.keys();
    const seen = new Set();
    for (const request of requests) {
      const url = new URL(request.url);
      if (seen.has(url.pathname) || url.pathname === "/offline") continue;
      seen.add(url.pathname);
      const response = await cache.match(request);
      const html = response ? await response.text() : "";
      const title = new DOMParser().parseFromString(html, "text/html").title || url.pathname;
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = url.pathname + url.search;
      link.textContent = title;
      item.appendChild(link);
      list.appendChild(item);
    }
    const empty = document.getElementById("saved-pages-empty");
    if (empty) empty.hidden = seen.size > 0;
  }
  document.addEventListener("DOMContentLoaded", listSavedPages);

  if (!("serviceWorker" in navigator)) return;

  let reloading = false;
  function offerUpdate(worker) {
    if (!updateBanner || !worker) return;
    updateBanner.hidden = false;
    document.getElementById("update-reload").addEventListener("click", () => {
      reloading = true;
      worker.postMessage({ type: "SKIP_WAITING" });
    }, { once: true });
  }

  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading) window.location.reload();
  });

  window.addEventListener("load", async () => {
    try {
      const registration = await navigator.serviceWorker.register("/service_worker.js", { scope: "/" });
      const watch = (worker) => {
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      };
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      watch(registration.installing); // an update the navigation already started
      registration.addEventListener("updatefound", () => watch(registration.installing));
    } catch (error) {
      console.warn("service worker registration failed", error);
    }
  });
})();
