/* The Notifications page: one tap turns push on (permission is asked only then),
 * iPhones outside the Home Screen get an explanation, "turn all off" also unsubscribes. */
"use strict";

(function () {
  const box = document.getElementById("push");
  if (!box) return;
  const show = (id, on) => { const el = document.getElementById(id); if (el) el.hidden = !on; };
  const status = document.getElementById("push-status");
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";

  function isIosOutsideHomeScreen() {
    return PwaCommon.isIos() && !PwaCommon.isStandalone();
  }

  /* The topics ticked in the form: its checkboxes are the server's one list of topics. */
  function chosenTopics() {
    const boxes = document.querySelectorAll('#topics-form input[type="checkbox"][id^="topic-"]');
    const topics = Array.from(boxes).filter((input) => input.checked).map((input) => input.name);
    const commune = document.getElementById("commune");
    if (commune && commune.value) topics.push(`commune:${commune.value}`);
    return topics;
  }

  async function post(subscription) {
    const response = await fetch("/api/v1/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ subscription: subscription.toJSON(), topics: chosenTopics() }),
    });
    if (!response.ok) throw new Error(`subscribe failed: ${response.status}`);
  }

  async function enable() {
    show("push-error", false);
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      show("push-denied", permission === "denied");
      return;
    }
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = (await registration.pushManager.getSubscription()) ||
        (await registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: PwaCommon.keyBytes(box.dataset.vapidKey),
        }));
      await post(subscription);
      status.textContent = box.dataset.onText || status.textContent;
      box.dataset.subscribed = "yes";
      show("push-enable-box", false);
      window.location.assign("/notifications?saved=topics");
    } catch (error) {
      show("push-error", true);
    }
  }

  async function turnOff(event) {
    event.preventDefault();
    const form = event.target;
    try {
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.getSubscription();
      if (subscription) await subscription.unsubscribe();
    } catch (error) { /* the server forgets it anyway */ }
    form.submit();
  }

  async function start() {
    if (isIosOutsideHomeScreen()) { show("push-ios", true); return; }
    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      show("push-unsupported", true);
      return;
    }
    if (Notification.permission === "denied") { show("push-denied", true); return; }
    // Not `ready`: on a first visit over slow data the worker may take seconds to install,
    // and the button must not wait for it (enable() waits when it is tapped).
    const registration = await navigator.serviceWorker.getRegistration();
    const subscription = registration ? await registration.pushManager.getSubscription() : null;
    if (subscription && box.dataset.subscribed === "yes") return;
    show("push-enable-box", true);
  }

  document.getElementById("push-enable").addEventListener("click", () => { enable(); });
  const off = document.getElementById("off-form");
  if (off && "serviceWorker" in navigator) off.addEventListener("submit", turnOff);
  start();
})();
