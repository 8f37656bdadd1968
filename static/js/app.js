/* The app's own script: service worker registration, offline and update banners,
   focus on error summaries. Small on purpose; works without it too. */
"use strict";

(function () {
  const offlineBanner = document.getElementById("offline-banner");
  const updateBanner = document.getElementById("update-banner");

  function showConnectivity() {
    if (offlineBanner) offlineBanner.hidden = navigator.onLine;
  }
  window.addEventListener("online", showConnectivity);
  window.addEventListener("offline", showConnectivity);
  showConnectivity();

  function focusErrors(root) {
    const summary = (root || document).querySelector("[data-autofocus]");
    if (summary) summary.focus();
  }
  document.addEventListener("DOMContentLoaded", () => focusErrors(document));
  document.addEventListener("htmx:afterSwap", (event) => focusErrors(event.target));

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
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      registration.addEventListener("updatefound", () => {
        const worker = registration.installing;
        if (!worker) return;
        worker.addEventListener("statechange", () => {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
    } catch (error) {
      console.warn("service worker registration failed", error);
    }
  });
})();
