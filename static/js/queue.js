/* Posts kept on the phone until there is signal (IndexedDB), shared by the pages and the worker.
 * A form with `data-offline-queue="/api/…"` that is submitted offline is stored here as JSON
 * (fields with `data-type="int|number"` are converted) under its idempotency key, and sent to
 * that API when the connection returns: Background Sync where the browser has it, the `online`
 * event and the next page load everywhere else. The key makes a replay never book twice. */
"use strict";

(function (scope) {
  const DB_NAME = "pwa-queue";
  const STORE = "posts";
  const SYNC_TAG = "pwa-queue";

  function database() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, action) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = action(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  const put = (entry) => run("readwrite", (store) => store.put(entry));
  const remove = (id) => run("readwrite", (store) => store.delete(id));
  const all = () => run("readonly", (store) => store.getAll());

  async function tell(message) {
    const clients = scope.clients ? await scope.clients.matchAll({ includeUncontrolled: true }) : [];
    for (const client of clients) client.postMessage(message);
    if (scope.document) scope.dispatchEvent(new CustomEvent("pwa-queue", { detail: message }));
  }

  /* Send every waiting post once; keep those that could not reach the server. The page, another
   * tab and the worker may all flush at once: a Web Lock makes them take turns, so a post is not
   * sent again while its first send is on its way (the key would make that harmless, but a wrong
   * handover code sent twice would count twice against the customer's five tries). */
  function flush() {
    const locks = scope.navigator && scope.navigator.locks;
    return locks ? locks.request(SYNC_TAG, flushOnce) : flushOnce();
  }

  async function flushOnce() {
    const entries = await all();
    for (const entry of entries) {
      if (entry.status !== "waiting") continue;
      let response;
      try {
        response = await fetch(entry.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "Idempotency-Key": entry.id },
          body: JSON.stringify(entry.body),
          // Weak signal can leave a request hanging: give up and try later (the key makes that safe).
          signal: AbortSignal.timeout ? AbortSignal.timeout(30000) : undefined,
        });
      } catch (error) {
        return; // still no signal: try again later
      }
      const data = await response.json().catch(() => ({}));
      if (response.status === 422 && keyWasTaken(data)) {
        // The key came from a saved form already used for another booking: this is a new one.
        // Derived, not random: the worker and a page flushing at once must pick the same new key.
        const fresh = { ...entry, id: `${entry.id}.n` };
        await remove(entry.id);
        await put(fresh);
        await tell({ type: "queue-rekeyed", id: entry.id, newId: fresh.id });
        return flushOnce();
      }
      if (response.status === 401 || response.status === 403) {
        // Signed out meanwhile (a courier's session ends): keep it for after the next sign-in.
        await tell({ type: "queue-signin", id: entry.id });
        return;
      }
      if (response.ok) {
        await remove(entry.id);
        await tell({ type: "queue-sent", id: entry.id, result: data, page: entry.page });
      } else if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        entry.status = "refused";
        entry.error = { status: response.status, body: data };
        await put(entry);
        await tell({ type: "queue-refused", id: entry.id, error: entry.error });
      } else {
        return; // the server is busy or down: keep it for later
      }
    }
  }

  function keyWasTaken(data) {
    const fields = (data && data.error && data.error.fields) || {};
    return Object.keys(fields).length === 1 && "idempotency_key" in fields;
  }

  async function add(entry) {
    await put({ ...entry, status: "waiting", queuedAt: new Date().toISOString() });
    if (scope.navigator && scope.navigator.serviceWorker && "SyncManager" in scope) {
      try {
        const registration = await scope.navigator.serviceWorker.ready;
        await registration.sync.register(SYNC_TAG);
      } catch (error) {
        /* no Background Sync here: the online event and the next page load send it */
      }
    }
  }

  scope.PwaQueue = { add, all, remove, flush, SYNC_TAG };
})(self);
