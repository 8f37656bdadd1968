/* What the pages and the service worker share, written once: loaded by every page before the
 * other scripts, and by the service worker with importScripts. */
"use strict";

(function (scope) {
  /* The bytes of a base64url string (a VAPID application server key). */
  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  /* iPhone or iPad (iPadOS says it is a Mac, but a Mac has no touch screen). */
  function isIos() {
    return /iphone|ipad|ipod/i.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  /* Opened from the Home Screen (installed), not in a browser tab. Pages only. */
  function isStandalone() {
    return navigator.standalone === true || scope.matchMedia("(display-mode: standalone)").matches;
  }

  scope.PwaCommon = Object.freeze({
    PAGE_CACHE: "pages-v1", // visited pages survive updates; bounded and expiring
    keyBytes,
    isIos,
    isStandalone,
  });
})(self);
