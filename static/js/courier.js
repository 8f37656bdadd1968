/* The courier's round. What the courier records at a door goes into the phone's queue (queue.js)
 * and is sent at once when there is signal, later when there is not (Background Sync, the
 * `online` event, the next page load), each under its own Idempotency-Key so it applies once.
 * Each stop shows what waits for signal, what the post office refused (never dropped silently)
 * and what landed. The customer's QR code is read with the browser's BarcodeDetector where it
 * exists; everywhere else the courier types the 4 digits. Without JavaScript the page only reads. */
"use strict";

(function () {
  const Queue = window.PwaQueue;
  const root = document.querySelector("[data-round]");
  if (!root || !Queue || !("indexedDB" in window)) return;
  const T = JSON.parse(root.dataset.texts);
  const OPEN = ["booked", "assigned"];
  const landed = new Map(); // booking code → the booking as the server answered, sent from here
  let flushing = false;
  let signin = false;

  const format = (text, values) => text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  };

  for (const door of root.querySelectorAll("[data-door]")) door.hidden = false;

  /* ---- What the courier typed, checked before it is kept (the server checks again) ---- */

  function collectBody(form, stop, without) {
    const code = form.elements.handover_code.value.replace(/\s/g, "");
    const parcels = Number(form.elements.parcels.value.trim());
    const most = Number(stop.dataset.parcels);
    const errors = {};
    if (!without && !/^\d{4}$/.test(code)) errors.handover_code = T.need_code;
    if (!Number.isInteger(parcels) || parcels < 1 || parcels > most) errors.parcels = format(T.need_parcels, { num: most });
    if (Object.keys(errors).length) return { errors };
    const body = without ? { parcels } : { parcels, handover_code: code };
    const how = without ? T.without_code : format(T.with_code, { code });
    return { body, label: `${format(T.collected, { num: parcels })} · ${how}` };
  }

  function atToday(hhmm) {
    const [hours, minutes] = hhmm.split(":").map(Number);
    const when = new Date();
    when.setHours(hours, minutes, 0, 0);
    return when;
  }

  function failBody(form) {
    const reason = form.elements.reason.value;
    const note = form.elements.note.value.trim();
    const errors = {};
    let calledAt = null;
    if (!reason) errors.reason = T.need_reason;
    if (reason === "no_answer") {
      const typed = form.elements.called_at.value;
      calledAt = typed ? atToday(typed) : null;
      if (!calledAt) errors.called_at = T.need_called;
      else if (calledAt.getTime() > Date.now() + 60000) errors.called_at = T.called_future;
    }
    if (reason === "other" && !note) errors.note = T.need_note;
    if (Object.keys(errors).length) return { errors };
    const body = { reason };
    if (calledAt) body.called_at = calledAt.toISOString();
    if (note) body.note = note;
    const choice = form.querySelector("input[name=reason]:checked").closest("label").textContent.trim();
    return { body, label: note ? `${choice} · ${note}` : choice };
  }

  /* Errors beside the fields, as the server's pages show them (GOV.UK pattern). */
  function clearErrors(form) {
    for (const node of form.querySelectorAll(".field__error")) node.remove();
    for (const node of form.querySelectorAll(".field--error")) node.classList.remove("field--error");
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  }

  function showErrors(form, stop, errors) {
    let first = null;
    for (const [name, message] of Object.entries(errors)) {
      const id = `${stop.dataset.stop}-${name}`;
      const control = document.getElementById(id);
      const field = control && control.closest(".field");
      if (!field) continue;
      const error = el("p", "field__error");
      error.id = `${id}-error`;
      error.append(el("span", "visually-hidden", T.error_prefix), ` ${message}`);
      const before = field.querySelector(".hint") || field.querySelector("label, legend");
      before.after(error);
      field.classList.add("field--error");
      const target = control.type === "radio" ? field : control;
      if (control.type !== "radio") control.setAttribute("aria-invalid", "true");
      const described = new Set((target.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
      described.add(error.id);
      target.setAttribute("aria-describedby", [...described].join(" "));
      first = first || control;
    }
    if (first) first.focus();
  }

  root.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-action]");
    if (!form) return;
    event.preventDefault();
    const stop = form.closest("[data-stop]");
    const without = Boolean(event.submitter && event.submitter.hasAttribute("data-without"));
    const made = form.dataset.action === "collect" ? collectBody(form, stop, without) : failBody(form);
    clearErrors(form);
    if (made.errors) showErrors(form, stop, made.errors);
    else record(stop, form, made);
  });

  async function record(stop, form, made) {
    const code = stop.dataset.stop;
    const action = form.dataset.action;
    await Queue.add({
      id: crypto.randomUUID(),
      kind: "courier",
      code,
      action,
      url: `/api/v1/pickups/${code}/${action}`,
      body: { ...made.body, at: new Date().toISOString() }, // when it happened, even if sent hours later
      page: "/courier",
      label: made.label,
      checkLater: "handover_code" in made.body,
    });
    form.reset();
    for (const details of stop.querySelectorAll("details")) details.open = false;
    landed.delete(code);
    await render();
    stop.querySelector("[data-pending]").focus();
    flush();
  }

  async function flush() {
    if (!navigator.onLine) return;
    flushing = true;
    await render();
    try {
      await Queue.flush();
    } finally {
      flushing = false;
      await render();
    }
  }

  /* ---- What waits, what was refused, what landed ---- */

  function problem(entry) {
    const error = (entry.error && entry.error.body && entry.error.body.error) || {};
    const said = new Set([error.message, ...Object.values(error.fields || {})].filter(Boolean));
    return [...said].join(" ");
  }

  function item(entry) {
    const node = el("div", `pending pending--${entry.status}`);
    node.append(el("p", "pending__what", entry.label));
    if (entry.status === "refused") {
      node.append(el("p", "pending__why", `${T.refused} ${problem(entry)}`));
    } else {
      node.append(el("p", "pending__why", flushing ? T.sending : T.waiting));
      if (entry.checkLater) node.append(el("p", "pending__note", T.code_later));
    }
    const button = el("button", "button button--secondary", entry.status === "refused" ? T.dismiss : T.drop);
    button.type = "button";
    button.dataset.drop = entry.id;
    node.append(button);
    return node;
  }

  function sent(result) {
    const node = el("div", "pending pending--sent");
    const how = result.status === "collected" ? ` · ${result.handover_verified ? T.verified : T.without_code}` : "";
    node.append(el("p", "pending__what", `${T[`status_${result.status}`] || result.status}${how}`), el("p", "", T.sent));
    return node;
  }

  function setStatus(stop, status) {
    const tag = stop.querySelector("[data-status] .pickup-status");
    if (!tag || !T[`status_${status}`]) return;
    tag.className = `tag pickup-status pickup-status--${status}`;
    tag.textContent = T[`status_${status}`];
  }

  function paint(stop, entries, result) {
    const box = stop.querySelector("[data-pending]");
    box.replaceChildren(...entries.map(item), ...(result ? [sent(result)] : []));
    if (result) setStatus(stop, result.status);
    const door = stop.querySelector("[data-door]");
    // Nothing more to do here while an action waits, once one landed, or when the booking changed
    // meanwhile (409: cancelled, moved, recorded by staff): the refusal on the stop says so.
    const waiting = entries.some((entry) => entry.status === "waiting");
    const changed = entries.some((entry) => entry.error && entry.error.status === 409);
    if (door) door.hidden = waiting || changed || Boolean(result && !OPEN.includes(result.status));
  }

  async function render() {
    const entries = (await Queue.all()).filter((entry) => entry.kind === "courier");
    const byCode = new Map();
    for (const entry of entries) byCode.set(entry.code, [...(byCode.get(entry.code) || []), entry]);
    for (const stop of root.querySelectorAll("[data-stop]")) {
      paint(stop, byCode.get(stop.dataset.stop) || [], landed.get(stop.dataset.stop));
      byCode.delete(stop.dataset.stop);
    }
    summary(entries, [...byCode.values()].flat());
  }

  /* The count on top, and actions for bookings no longer on today's round (never lost from sight). */
  function summary(entries, elsewhere) {
    const waiting = entries.filter((entry) => entry.status === "waiting").length;
    const refused = entries.length - waiting;
    const parts = [waiting && format(T.waiting_count, { num: waiting }), refused && format(T.refused_count, { num: refused })];
    document.getElementById("round-queue-text").textContent = parts.filter(Boolean).join(" ");
    document.getElementById("round-signin").hidden = !(signin && waiting);
    document.getElementById("round-orphans").replaceChildren(...elsewhere.map((entry) => {
      const li = el("li");
      li.append(el("p", "code", entry.code), item(entry));
      return li;
    }));
    document.getElementById("round-queue").hidden = !entries.length;
  }

  function onMessage(message) {
    if (!message || !String(message.type).startsWith("queue-")) return;
    if (message.type === "queue-sent" && message.result && message.result.code) landed.set(message.result.code, message.result);
    if (message.type === "queue-signin") signin = true;
    render();
  }
  window.addEventListener("pwa-queue", (event) => onMessage(event.detail));
  if (navigator.serviceWorker) navigator.serviceWorker.addEventListener("message", (event) => onMessage(event.data));
  window.addEventListener("online", flush);
  window.addEventListener("offline", render);

  root.addEventListener("click", async (event) => {
    const call = event.target.closest("[data-call]");
    if (call) localStorage.setItem(`pwa-called:${call.dataset.call}`, new Date().toISOString());
    const drop = event.target.closest("[data-drop]");
    if (drop) {
      await Queue.remove(drop.dataset.drop);
      await render();
    }
  });

  /* "Not answering" needs the time of the call: the tap on the number above wrote it down. */
  const hhmm = (when) => `${String(when.getHours()).padStart(2, "0")}:${String(when.getMinutes()).padStart(2, "0")}`;
  root.addEventListener("change", (event) => {
    const radio = event.target.closest("input[name=reason]");
    if (!radio) return;
    const box = radio.form.querySelector("[data-called]");
    box.hidden = radio.value !== "no_answer";
    const field = radio.form.elements.called_at;
    const at = new Date(localStorage.getItem(`pwa-called:${radio.closest("[data-stop]").dataset.stop}`) || NaN);
    if (!box.hidden && !field.value && at.toDateString() === new Date().toDateString()) field.value = hhmm(at);
  });

  /* Signing out: the saved copy of the round goes too (the queue stays, to be sent after the next sign-in). */
  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("form[data-logout]");
    if (!form || !("caches" in window)) return;
    event.preventDefault();
    try {
      const cache = await caches.open(PwaCommon.PAGE_CACHE);
      await cache.delete("/courier", { ignoreSearch: true, ignoreVary: true });
    } finally {
      form.submit();
    }
  });

  /* ---- The customer's QR code: `<site>/pickups/<CODE>#h=<4 digits>` ---- */

  const normalise = (text) => text.replace(/[\s.-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");

  function readQr(raw) {
    let url;
    try {
      url = new URL(raw);
    } catch (error) {
      return null;
    }
    const match = url.pathname.match(/^\/pickups\/([0-9A-Za-z-]{12,16})\/?$/);
    if (!match) return null;
    const h = new URLSearchParams(url.hash.slice(1)).get("h") || "";
    return { code: normalise(match[1]), h: /^\d{4}$/.test(h) ? h : "" };
  }

  /* Fill the code if the QR is this stop's; else say why. */
  function useQr(form, raw) {
    const note = form.querySelector("[data-scan-note]");
    const found = readQr(raw);
    const stop = form.closest("[data-stop]").dataset.stop;
    if (!found) note.textContent = T.qr_unknown;
    else if (found.code !== stop) note.textContent = format(T.qr_other, { code: found.code });
    else if (!found.h) note.textContent = T.qr_no_code;
    else {
      form.elements.handover_code.value = found.h;
      note.textContent = T.qr_read;
    }
  }

  const scan = document.getElementById("scan");
  const video = document.getElementById("scan-video");
  let stream = null;
  let timer = null;

  function stopScan() {
    clearTimeout(timer);
    if (stream) for (const track of stream.getTracks()) track.stop();
    stream = null;
    video.srcObject = null;
    scan.hidden = true;
  }

  async function startScan(form) {
    stopScan();
    form.querySelector("[data-scan]").after(scan);
    scan.hidden = false;
    document.getElementById("scan-text").textContent = T.qr_looking;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      video.srcObject = stream;
      await video.play();
    } catch (error) {
      stopScan();
      form.querySelector("[data-scan-note]").textContent = T.qr_failed;
      return;
    }
    const detector = new BarcodeDetector({ formats: ["qr_code"] });
    const look = async () => {
      if (!stream) return;
      const codes = await detector.detect(video).catch(() => []);
      if (codes.length) {
        useQr(form, codes[0].rawValue);
        return stopScan();
      }
      timer = setTimeout(look, 250);
    };
    look();
  }

  document.getElementById("scan-close").addEventListener("click", stopScan);
  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-scan]");
    if (button) startScan(button.form);
  });

  async function canScan() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return false;
    const formats = await BarcodeDetector.getSupportedFormats().catch(() => []);
    return formats.includes("qr_code");
  }
  canScan().then((yes) => {
    for (const button of root.querySelectorAll("[data-scan]")) button.hidden = !yes;
  });

  render().then(flush); // the next page load sends what waits, as the `online` event does
})();
