// The app's own small values that must outlive a killed browser (the vocabularies, the last
// sync's time), in an IndexedDB database of its own, "xcz-app": Chromium writes localStorage
// to disk seconds after the page does, so a browser killed right after a sync lost them (and
// with the vocabularies, offline, every category to record a finding with). A write has
// reached IndexedDB when its promise resolves. The records and the outbox are the SDK's.
const name = "xcz-app";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1);
    req.onupgradeneeded = () => req.result.createObjectStore("kept");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function inStore(mode, run) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("kept", mode);
    const req = run(tx.objectStore("kept"));
    tx.oncomplete = () => { db.close(); resolve(req.result); };
    tx.onerror = tx.onabort = () => { db.close(); reject(tx.error); };
  });
}

export const keptGet = (key) => inStore("readonly", (store) => store.get(key));
export const keptPut = (key, value) => inStore("readwrite", (store) => store.put(value, key));
export const keptDelete = (key) => inStore("readwrite", (store) => store.delete(key));
