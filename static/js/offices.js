/* Places: "Near me" (location asked only on a tap), one-tap reminders (push permission asked
 * on the tap, then the plain form is sent: without push the reminder still reaches the inbox),
 * and the poster's print button. */
"use strict";

(function () {
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";

  const near = document.getElementById("office-near");
  if (near && "geolocation" in navigator) {
    const status = document.getElementById("office-near-status");
    near.hidden = false;
    near.addEventListener("click", () => {
      near.disabled = true;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { latitude, longitude } = position.coords;
          window.location.assign(`/offices?near=${latitude.toFixed(4)},${longitude.toFixed(4)}`);
        },
        () => {
          near.disabled = false;
          if (status) status.textContent = near.dataset.denied || "";
        },
        { timeout: 15000, maximumAge: 600000 },
      );
    });
  }

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function pushPossible() {
    const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
    const standalone = navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window && !(ios && !standalone);
  }

  async function subscribe() {
    if ((await Notification.requestPermission()) !== "granted") return;
    const registration = await navigator.serviceWorker.ready;
    let subscription = await registration.pushManager.getSubscription();
    if (!subscription) {
      const response = await fetch("/api/v1/push/key", { credentials: "same-origin" });
      const { public_key: key } = await response.json();
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
    }
    // No `topics`: the device keeps what it follows; the form below adds this commune.
    await fetch("/api/v1/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ subscription: subscription.toJSON() }),
    });
  }

  const remind = document.getElementById("remind-form");
  if (remind && pushPossible()) {
    remind.addEventListener("submit", async (event) => {
      event.preventDefault();
      remind.querySelector("button").disabled = true;
      try {
        await subscribe();
      } catch (error) {
        /* no push on this phone: the reminders still land in the inbox */
      }
      remind.submit();
    });
  }

  const print = document.getElementById("office-print");
  if (print) {
    print.hidden = false;
    print.addEventListener("click", () => window.print());
  }
})();
