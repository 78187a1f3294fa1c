// The browser half of the SDK benchmark (run.mjs drives it through playwright-core): one
// inspector's first sync into IndexedDB by the SDK, and by PocketBase's own JS SDK listing every
// collection with getFullList and storing the records the plain way; then delta syncs.
import { Client, collections } from "/__bench/fieldsync.js";
export { collections };
import PocketBase from "/__bench/pocketbase.es.mjs";

// Exact counts beside the times, which the machine's load makes noisy: the IndexedDB requests
// the page issues (every request method of object stores, indexes and cursors counts one), the
// values (or keys) their answers carry, and the HTTP requests a client sends (through its fetch).
export const counts = { idb: 0, read: 0 };
for (const proto of [IDBObjectStore.prototype, IDBIndex.prototype, IDBCursor.prototype]) {
  for (const m of ["get", "getAll", "getAllKeys", "getKey", "count", "openCursor", "openKeyCursor", "put", "add", "delete", "clear", "update", "continue", "advance", "continuePrimaryKey"]) {
    const f = Object.getOwnPropertyDescriptor(proto, m)?.value;
    if (typeof f !== "function") continue;
    const reads = m.startsWith("get") || m.startsWith("open");
    proto[m] = function (...args) {
      counts.idb++;
      const req = f.apply(this, args);
      if (reads) req.addEventListener("success", () => { counts.read += Array.isArray(req.result) ? req.result.length : req.result === undefined || req.result === null ? 0 : 1; });
      return req;
    };
  }
}

/**
 * A fetch that counts the requests it sends into n.http and adds into n.ms the time from each
 * request to its answer's headers (the server and the network; the bodies of a delta are small).
 */
const counting = (n) => async (url, init) => {
  n.http++;
  const t0 = performance.now();
  try {
    return await fetch(url, init);
  } finally {
    n.ms += performance.now() - t0;
  }
};

/** What f cost in IndexedDB requests, and its result. */
async function idbRequests(f) {
  const [idb, read] = [counts.idb, counts.read];
  const out = await f();
  return [{ requests: counts.idb - idb, read: counts.read - read }, out];
}

/** The SDK's first sync on a fresh database: open, sign in, sync (register, push nothing, pull to the head). */
export async function sdkFirstSync({ email, password, dbName }) {
  const t0 = performance.now();
  const [idb0, read0] = [counts.idb, counts.read], net = { http: 0, ms: 0 };
  const c = await Client.open({ baseURL: location.origin, dbName, appVersion: "bench", fetch: counting(net) });
  await c.signIn(email, password);
  const rep = await c.sync();
  const ms = performance.now() - t0;
  const idb = { requests: counts.idb - idb0, read: counts.read - read0 };
  const held = {};
  for (const coll of collections) {
    const n = await c.count(coll);
    if (n) held[coll] = n;
  }
  c.close();
  return { ms, counts: held, changes: rep.pull.changes, idb, http: net.http };
}

/**
 * The plain way with PocketBase's JS SDK: sign in, then for each collection getFullList (pages
 * of 1,000, PocketBase's maximum) and put its records into an object store of their own, in
 * one transaction. parallel lists all collections at once (the browser's six connections).
 * A collection the server cannot list (an error) is reported in failed and left out.
 */
export async function pbFirstSync({ email, password, dbName, colls, parallel }) {
  const t0 = performance.now();
  const pb = new PocketBase(location.origin);
  pb.autoCancellation(false);
  await pb.collection("users").authWithPassword(email, password);
  const db = await openPlain(dbName, colls);
  const counts = {}, failed = {};
  const one = async (coll) => {
    let items;
    try {
      items = await pb.collection(coll).getFullList({ batch: 1000 });
    } catch (e) {
      failed[coll] = `${e.status ?? ""} ${e.message}`;
      return;
    }
    await putAll(db, coll, items);
    if (items.length) counts[coll] = items.length;
  };
  if (parallel) await Promise.all(colls.map(one));
  else for (const coll of colls) await one(coll);
  const ms = performance.now() - t0;
  db.close();
  return { ms, counts, failed };
}

function openPlain(name, colls) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => { for (const c of colls) req.result.createObjectStore(c, { keyPath: "id" }); };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function putAll(db, coll, items) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(coll, "readwrite");
    const store = tx.objectStore(coll);
    for (const it of items) store.put(it);
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/**
 * Two delta syncs of n changes on a store the SDK has synced: n findings created by another
 * device of the same inspector (pushed by a second client that holds nothing) and pulled by
 * sync(); then n patches made on this phone, pushed and pulled back by sync().
 */
export async function sdkDeltas({ email, password, dbName, n }) {
  const net = { http: 0, ms: 0 };
  const c = await Client.open({ baseURL: location.origin, dbName, appVersion: "bench", fetch: counting(net) });
  const other = await Client.open({ baseURL: location.origin, dbName: dbName + "-other", appVersion: "bench" });
  try {
    await other.signIn(email, password);
    const f0 = (await c.list("findings")).find((f) => !f.data.voided)?.data;
    if (!f0) throw new Error("delta: no finding held to copy");
    const made = [];
    for (let i = 0; i < n; i++) {
      made.push(await other.create("findings", { programme: f0.programme, place: f0.place, subdistrict: f0.subdistrict, category: f0.category, severity: "general", description: `基准增量 ${i}` }));
    }
    const pushed = await other.push();
    const refused = pushed.results.filter((r) => r.outcome !== "applied");
    if (refused.length) throw new Error(`delta: the other device's creates were not applied: ${JSON.stringify(refused[0])}`);
    Object.assign(net, { http: 0, ms: 0 });
    let t0 = performance.now();
    const [remoteIdb, remote] = await idbRequests(() => c.sync());
    const remoteMs = performance.now() - t0;
    const [remoteHttp, remoteHttpMs] = [net.http, net.ms];
    // The inspector then edits the n findings on this phone, offline, and syncs.
    for (const [i, id] of made.entries()) await c.patch("findings", id, { description: `基准增量 ${i}，已复查` });
    Object.assign(net, { http: 0, ms: 0 });
    t0 = performance.now();
    const [localIdb, local] = await idbRequests(() => c.sync());
    const localMs = performance.now() - t0;
    const outcomes = local.push.results.map((r) => r.outcome);
    return { remoteMs, remoteChanges: remote.pull.changes, remoteIdb, remoteHttp, remoteHttpMs, localMs, localOutcomes: outcomes, localPulled: local.pull.changes, localIdb, localHttp: net.http, localHttpMs: net.ms, pending: await c.pendingCount() };
  } finally {
    c.close();
    other.close();
  }
}

export function drop(name) {
  return new Promise((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error(`delete ${name}: blocked`));
  });
}
