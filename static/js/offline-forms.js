/* Forms that still work without signal. A form with `data-offline-queue="/api/…"` submitted
 * offline (or whose request fails) is kept on the phone (queue.js) and shown as waiting;
 * it is sent when the connection returns. Lists marked `data-queue-list` show what waits,
 * and links inside `data-offline-prefetch` are saved for reading offline. */
"use strict";

(function () {
  const Queue = window.PwaQueue;
  if (!Queue || !("indexedDB" in window)) return;

  function formJson(form) {
    const omit = new Set((form.dataset.queueOmit || "").split(/\s+/));
    const types = JSON.parse(form.dataset.queueTypes || "{}");
    const body = {};
    for (const [name, raw] of new FormData(form).entries()) {
      const value = typeof raw === "string" ? raw.trim() : "";
      if (omit.has(name) || value === "") continue;
      if (types[name] === "int" || types[name] === "number") {
        const number = Number(value.replace(/\s/g, "").replace(",", "."));
        body[name] = Number.isFinite(number) ? number : value; // the server says what is wrong
      } else {
        body[name] = value;
      }
    }
    return body;
  }

  /* Put values into a cloned template: `data-slot` sets the text, `data-slot-href` a link. */
  function fill(node, values) {
    for (const slot of node.querySelectorAll("[data-slot]")) {
      const value = values[slot.dataset.slot];
      slot.textContent = value || "";
      if (slot.hasAttribute("data-hide-empty")) slot.hidden = !value;
    }
    for (const link of node.querySelectorAll("[data-slot-href]")) {
      const value = values[link.dataset.slotHref];
      if (value) link.href = value;
      link.hidden = !value;
    }
    return node;
  }

  function describe(body, form) {
    const labels = [];
    for (const name of (form.dataset.queueLabel || "").split(/\s+/)) {
      const field = form.elements[name];
      if (!field || !body[name]) continue;
      if (field instanceof RadioNodeList) {
        const checked = [...field].find((radio) => radio.checked);
        labels.push(checked && checked.labels.length ? checked.labels[0].textContent.trim() : String(body[name]));
      } else {
        labels.push(field.tagName === "SELECT" ? field.options[field.selectedIndex].text.split(" — ")[0] : String(body[name]));
      }
    }
    return labels.join(" · ");
  }

  async function queue(form) {
    const body = formJson(form);
    // The form's own key: if its first post did reach the server, the replay gets that booking.
    const key = form.elements.idempotency_key ? form.elements.idempotency_key.value : "";
    const entry = { id: key || crypto.randomUUID(), url: form.dataset.offlineQueue, body, page: form.dataset.queuePage || "", label: describe(body, form) };
    await Queue.add(entry);
    const template = document.getElementById(form.dataset.queuedTemplate || "");
    if (template) {
      const panel = fill(template.content.firstElementChild.cloneNode(true), entry);
      panel.dataset.queueId = entry.id;
      form.replaceWith(panel); // no second tap on the same form
      panel.focus();
    }
  }

  /* Offline: keep the post instead of letting the browser fail. Runs before htmx sees it. */
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-offline-queue]");
    if (!form || navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    queue(form);
  }, true);
  document.addEventListener("htmx:sendError", (event) => {
    // Only the form's own post: a live quote failing inside the form must not send the form.
    const source = event.detail && event.detail.elt;
    const verb = event.detail && event.detail.requestConfig ? event.detail.requestConfig.verb : "";
    if (source && source.matches && source.matches("form[data-offline-queue]") && verb === "post") {
      queue(source); // online on paper, but the request never reached the server
    }
  });

  async function renderLists() {
    const lists = document.querySelectorAll("[data-queue-list]");
    if (!lists.length) return;
    // A courier's actions (`kind`) are shown on their round, not in the phone's own bookings.
    const entries = (await Queue.all()).filter((entry) => !entry.kind);
    for (const list of lists) {
      const template = document.getElementById(list.dataset.queueList);
      list.replaceChildren(...entries.map((entry) => {
        const item = fill(template.content.firstElementChild.cloneNode(true), { ...entry, ...outcome(entry, template.dataset) });
        item.dataset.queueId = entry.id;
        return item;
      }));
      const section = list.closest("[data-queue-section]") || list;
      section.hidden = entries.length === 0;
    }
  }

  /* What became of a post the server refused: its message, and the nearest shifts with room. */
  function outcome(entry, labels) {
    if (entry.status !== "refused") return { waiting: labels.waiting };
    const body = (entry.error && entry.error.body) || {};
    const error = body.error || {};
    const lang = document.documentElement.lang || "vi";
    const day = (iso) => new Intl.DateTimeFormat(lang, { weekday: "long", day: "2-digit", month: "2-digit" }).format(new Date(`${iso}T12:00:00`));
    const slots = (body.slots || []).map((s) => `${day(s.date)} ${labels[s.shift] || s.shift} (${s.remaining})`);
    const problem = [error.message, ...Object.values(error.fields || {})].filter(Boolean).join(" ");
    return { waiting: "", problem, slots: slots.length ? `${labels.slots} ${slots.join("; ")}` : "", retry: "/pickups/new" };
  }

  function settle(message) {
    for (const node of document.querySelectorAll(`[data-queue-id="${message.id}"]`)) {
      if (message.type === "queue-rekeyed") {
        node.dataset.queueId = message.newId;
        continue;
      }
      const done = document.getElementById(node.dataset.doneTemplate || "queued-done");
      if (message.type === "queue-sent" && done) {
        const result = message.result || {};
        const link = result.code ? `${node.dataset.donePage || "/pickups"}/${result.code}` : "";
        node.replaceWith(fill(done.content.firstElementChild.cloneNode(true), { code: result.code, link }));
      }
    }
    renderLists();
  }

  window.addEventListener("pwa-queue", (event) => settle(event.detail));
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-queue-remove]");
    const item = button && button.closest("[data-queue-id]");
    if (!item) return;
    await Queue.remove(item.dataset.queueId);
    renderLists();
  });
  if (navigator.serviceWorker) navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && String(event.data.type).startsWith("queue-")) settle(event.data);
  });

  async function flush() {
    if (!navigator.onLine) return;
    await Queue.flush();
    await renderLists();
  }
  window.addEventListener("online", flush);
  document.addEventListener("DOMContentLoaded", () => { renderLists(); flush(); });

  /* Save this phone's own pages (its bookings, its dossiers) for reading offline. */
  window.addEventListener("load", async () => {
    if (!navigator.onLine || !navigator.serviceWorker) return;
    const links = [...document.querySelectorAll("[data-offline-prefetch] a[href^='/']")].map((a) => a.getAttribute("href"));
    if (!links.length) return;
    const registration = await navigator.serviceWorker.ready;
    if (registration.active) registration.active.postMessage({ type: "CACHE_PAGES", urls: [...new Set(links)] });
  });
})();
