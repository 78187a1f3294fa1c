var __defProp = Object.defineProperty;
var __defNormalProp = (obj, key, value) => key in obj ? __defProp(obj, key, { enumerable: true, configurable: true, writable: true, value }) : obj[key] = value;
var __publicField = (obj, key, value) => __defNormalProp(obj, typeof key !== "symbol" ? key + "" : key, value);

// src/errors.ts
var ServerError = class extends Error {
  constructor(status, code, message, data) {
    super(`server: ${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
    this.data = data;
    this.name = "ServerError";
  }
};
var RevokedError = class extends ServerError {
};
var SignedOutError = class extends ServerError {
};
var SchemaMismatchError = class extends Error {
  constructor(client, server) {
    super(`schema version mismatch: client ${client}, server ${server}`);
    this.client = client;
    this.server = server;
    this.name = "SchemaMismatchError";
  }
};
var DriftError = class extends Error {
  constructor(scopes) {
    super(`local store drifted from the server: ${scopes.join(", ")}`);
    this.scopes = scopes;
    this.name = "DriftError";
  }
};
var OfflineError = class extends Error {
  constructor(cause) {
    super(`offline: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "OfflineError";
  }
};

// src/checksum.ts
var encoder = new TextEncoder();
var hi = 0;
var lo = 0;
function fnv1a64(s) {
  hi = 3421674724;
  lo = 2216829733;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return fnvBytes(encoder.encode(s));
    step(c);
  }
}
function fnvBytes(bytes) {
  hi = 3421674724;
  lo = 2216829733;
  for (const b of bytes) step(b);
}
function step(b) {
  lo = (lo ^ b) >>> 0;
  const t = lo * 435;
  hi = Math.imul(hi, 435) + Math.floor(t / 4294967296) + (lo << 8) >>> 0;
  lo = t >>> 0;
}
function recordHash(coll, id, v) {
  fnv1a64(`${coll}/${id}/${v}`);
  return BigInt(hi) << 32n | BigInt(lo);
}
function checksumOf(entries) {
  const sum = new RunningSum();
  for (const e of entries) sum.toggle(e.coll, e.id, e.v);
  return sum.toString();
}
var RunningSum = class _RunningSum {
  constructor() {
    __publicField(this, "hi", 0);
    __publicField(this, "lo", 0);
  }
  /** The running sum a stored checksum stands for; null when it is not 16 hex digits (damaged or absent). */
  static parse(s) {
    if (s === void 0 || !/^[0-9a-f]{16}$/.test(s)) return null;
    const sum = new _RunningSum();
    sum.hi = parseInt(s.slice(0, 8), 16);
    sum.lo = parseInt(s.slice(8), 16);
    return sum;
  }
  /** Puts (coll, id, v) in the sum, or takes it out when it is in. */
  toggle(coll, id, v) {
    fnv1a64(`${coll}/${id}/${v}`);
    this.hi = (this.hi ^ hi) >>> 0;
    this.lo = (this.lo ^ lo) >>> 0;
  }
  toString() {
    return this.hi.toString(16).padStart(8, "0") + this.lo.toString(16).padStart(8, "0");
  }
};

// src/lock.ts
var leaseMs = 3e4;
var SyncLock = class {
  constructor(db, name) {
    this.db = db;
    this.name = name;
    __publicField(this, "tail", Promise.resolve());
    __publicField(this, "owner", Math.random().toString(36).slice(2));
  }
  /** Runs f while holding the lock; waits for the holder, in this tab or another, to finish. */
  run(f) {
    const next = this.tail.then(() => this.acrossTabs(f));
    this.tail = next.catch(() => void 0);
    return next;
  }
  acrossTabs(f) {
    var _a;
    const locks = (_a = globalThis.navigator) == null ? void 0 : _a.locks;
    if (locks == null ? void 0 : locks.request) return locks.request(this.name, () => f());
    return this.withLease(f);
  }
  async withLease(f) {
    for (let wait = 20; !await this.take(); wait = Math.min(wait * 2, 1e3)) {
      await new Promise((r) => setTimeout(r, wait));
    }
    const renew = setInterval(() => void this.take(), leaseMs / 3);
    try {
      return await f();
    } finally {
      clearInterval(renew);
      const tx = this.db.transaction("locks", "readwrite");
      const cur = await tx.store.get(this.name);
      if ((cur == null ? void 0 : cur.owner) === this.owner) await tx.store.delete(this.name);
      await tx.done;
    }
  }
  async take() {
    const tx = this.db.transaction("locks", "readwrite");
    const cur = await tx.store.get(this.name);
    const now = Date.now();
    const free = !cur || cur.owner === this.owner || cur.until < now;
    if (free) await tx.store.put({ name: this.name, owner: this.owner, until: now + leaseMs });
    await tx.done;
    return free;
  }
};

// node_modules/idb/build/index.js
var instanceOfAny = (object, constructors) => constructors.some((c) => object instanceof c);
var idbProxyableTypes;
var cursorAdvanceMethods;
function getIdbProxyableTypes() {
  return idbProxyableTypes || (idbProxyableTypes = [
    IDBIndex,
    IDBObjectStore,
    IDBCursor,
    IDBDatabase,
    IDBTransaction
  ]);
}
function getCursorAdvanceMethods() {
  return cursorAdvanceMethods || (cursorAdvanceMethods = ["advance", "continue", "continuePrimaryKey"].map((method) => IDBCursor.prototype[method]));
}
var transactionDoneMap = /* @__PURE__ */ new WeakMap();
var transformCache = /* @__PURE__ */ new WeakMap();
var reverseTransformCache = /* @__PURE__ */ new WeakMap();
function promisifyRequest(request) {
  const promise = new Promise((resolve, reject) => {
    const unlisten = () => {
      request.removeEventListener("success", success);
      request.removeEventListener("error", error);
    };
    const success = () => {
      resolve(wrap(request.result));
      unlisten();
    };
    const error = () => {
      reject(request.error);
      unlisten();
    };
    request.addEventListener("success", success);
    request.addEventListener("error", error);
  });
  reverseTransformCache.set(promise, request);
  return promise;
}
function cacheDonePromiseForTransaction(tx) {
  if (transactionDoneMap.has(tx))
    return;
  const done = new Promise((resolve, reject) => {
    const unlisten = () => {
      tx.removeEventListener("complete", complete);
      tx.removeEventListener("error", error);
      tx.removeEventListener("abort", error);
    };
    const complete = () => {
      resolve();
      unlisten();
    };
    const error = () => {
      reject(tx.error || new DOMException("AbortError", "AbortError"));
      unlisten();
    };
    tx.addEventListener("complete", complete);
    tx.addEventListener("error", error);
    tx.addEventListener("abort", error);
  });
  transactionDoneMap.set(tx, done);
}
var idbProxyTraps = {
  get(target, prop, receiver) {
    if (target instanceof IDBTransaction) {
      if (prop === "done")
        return transactionDoneMap.get(target);
      if (prop === "store") {
        return receiver.objectStoreNames[1] ? void 0 : receiver.objectStore(receiver.objectStoreNames[0]);
      }
    }
    return wrap(target[prop]);
  },
  set(target, prop, value) {
    target[prop] = value;
    return true;
  },
  has(target, prop) {
    if (target instanceof IDBTransaction && (prop === "done" || prop === "store")) {
      return true;
    }
    return prop in target;
  }
};
function replaceTraps(callback) {
  idbProxyTraps = callback(idbProxyTraps);
}
function wrapFunction(func) {
  if (getCursorAdvanceMethods().includes(func)) {
    return function(...args) {
      func.apply(unwrap(this), args);
      return wrap(this.request);
    };
  }
  return function(...args) {
    return wrap(func.apply(unwrap(this), args));
  };
}
function transformCachableValue(value) {
  if (typeof value === "function")
    return wrapFunction(value);
  if (value instanceof IDBTransaction)
    cacheDonePromiseForTransaction(value);
  if (instanceOfAny(value, getIdbProxyableTypes()))
    return new Proxy(value, idbProxyTraps);
  return value;
}
function wrap(value) {
  if (value instanceof IDBRequest)
    return promisifyRequest(value);
  if (transformCache.has(value))
    return transformCache.get(value);
  const newValue = transformCachableValue(value);
  if (!Object.is(newValue, value)) {
    transformCache.set(value, newValue);
    reverseTransformCache.set(newValue, value);
  }
  return newValue;
}
var unwrap = (value) => reverseTransformCache.get(value);
function openDB(name, version, { blocked, upgrade, blocking, terminated } = {}) {
  const request = indexedDB.open(name, version);
  const openPromise = wrap(request);
  if (upgrade) {
    request.addEventListener("upgradeneeded", (event) => {
      upgrade(wrap(request.result), event.oldVersion, event.newVersion, wrap(request.transaction), event);
    });
  }
  if (blocked) {
    request.addEventListener("blocked", (event) => blocked(
      // Casting due to https://github.com/microsoft/TypeScript-DOM-lib-generator/pull/1405
      event.oldVersion,
      event.newVersion,
      event
    ));
  }
  openPromise.then((db) => {
    if (terminated)
      db.addEventListener("close", () => terminated());
    if (blocking) {
      db.addEventListener("versionchange", (event) => blocking(event.oldVersion, event.newVersion, event));
    }
  }).catch(() => {
  });
  return openPromise;
}
var readMethods = ["get", "getKey", "getAll", "getAllKeys", "count"];
var writeMethods = ["put", "add", "delete", "clear"];
var cachedMethods = {};
function getMethod(target, prop) {
  if (!(target instanceof IDBDatabase && !(prop in target) && typeof prop === "string")) {
    return;
  }
  if (cachedMethods[prop])
    return cachedMethods[prop];
  const targetFuncName = prop.replace(/FromIndex$/, "");
  const useIndex = prop !== targetFuncName;
  const isWrite = writeMethods.includes(targetFuncName);
  if (
    // Bail if the target doesn't exist on the target. Eg, getAll isn't in Edge.
    !(targetFuncName in (useIndex ? IDBIndex : IDBObjectStore).prototype) || !(isWrite || readMethods.includes(targetFuncName))
  ) {
    return;
  }
  const method = async function(storeName, ...args) {
    const tx = this.transaction(storeName, isWrite ? "readwrite" : "readonly");
    let target2 = tx.store;
    if (useIndex)
      target2 = target2.index(args.shift());
    return (await Promise.all([
      target2[targetFuncName](...args),
      isWrite && tx.done
    ]))[0];
  };
  return cachedMethods[prop] = method;
}
replaceTraps((oldTraps) => ({
  ...oldTraps,
  get: (target, prop, receiver) => getMethod(target, prop) || oldTraps.get(target, prop, receiver),
  has: (target, prop) => !!getMethod(target, prop) || oldTraps.has(target, prop)
}));
var advanceMethodProps = ["advance", "continue", "continuePrimaryKey"];
var methodMap = {};
var advanceResults = /* @__PURE__ */ new WeakMap();
var ittrProxiedCursorToOriginalProxy = /* @__PURE__ */ new WeakMap();
var cursorIteratorTraps = {
  get(target, prop) {
    if (!advanceMethodProps.includes(prop))
      return target[prop];
    let cachedFunc = methodMap[prop];
    if (!cachedFunc) {
      cachedFunc = methodMap[prop] = function(...args) {
        advanceResults.set(this, ittrProxiedCursorToOriginalProxy.get(this)[prop](...args));
      };
    }
    return cachedFunc;
  }
};
async function* iterate(...args) {
  let cursor = this;
  if (!(cursor instanceof IDBCursor)) {
    cursor = await cursor.openCursor(...args);
  }
  if (!cursor)
    return;
  cursor = cursor;
  const proxiedCursor = new Proxy(cursor, cursorIteratorTraps);
  ittrProxiedCursorToOriginalProxy.set(proxiedCursor, cursor);
  reverseTransformCache.set(proxiedCursor, unwrap(cursor));
  while (cursor) {
    yield proxiedCursor;
    cursor = await (advanceResults.get(proxiedCursor) || cursor.continue());
    advanceResults.delete(proxiedCursor);
  }
}
function isIteratorProp(target, prop) {
  return prop === Symbol.asyncIterator && instanceOfAny(target, [IDBIndex, IDBObjectStore, IDBCursor]) || prop === "iterate" && instanceOfAny(target, [IDBIndex, IDBObjectStore]);
}
replaceTraps((oldTraps) => ({
  ...oldTraps,
  get(target, prop, receiver) {
    if (isIteratorProp(target, prop))
      return iterate;
    return oldTraps.get(target, prop, receiver);
  },
  has(target, prop) {
    return isIteratorProp(target, prop) || oldTraps.has(target, prop);
  }
}));

// src/store.ts
var dataOf = (r) => r.data ?? r.base;
var buckets = 64;
function blockOf(id) {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return (h >>> 0) % buckets;
}
var allStores = ["meta", "blocks", "cursors", "outbox", "issues", "photos", "locks"];
function openStore(name, onBlocking) {
  return openDB(name, 3, {
    // A newer version of the app (another tab, or this one after an update) asks to upgrade the
    // store: an open connection blocks the upgrade until it closes, so this one steps aside and
    // says so (onBlocking closes it). Version 2 did not, which is why an open v2 tab holds up
    // the upgrade to 3 until it is closed.
    blocking: () => onBlocking == null ? void 0 : onBlocking(),
    upgrade(db, oldVersion, _newVersion, tx) {
      db.createObjectStore("blocks");
      if (oldVersion >= 1) {
        void moveToBlocks(tx, db);
        return;
      }
      db.createObjectStore("meta");
      db.createObjectStore("cursors", { keyPath: "scope" });
      const o = db.createObjectStore("outbox", { keyPath: "mid" });
      o.createIndex("record", ["coll", "id"]);
      o.createIndex("acked", "acked");
      db.createObjectStore("issues", { keyPath: "n", autoIncrement: true });
      const p = db.createObjectStore("photos", { keyPath: "sha256" });
      p.createIndex("state", "state");
      db.createObjectStore("locks", { keyPath: "name" });
    }
  });
}
async function moveToBlocks(tx, db) {
  try {
    const [recs, rows] = await Promise.all([
      tx.objectStore("records").getAll(),
      tx.objectStore("record_scopes").getAll()
    ]);
    const blocks = /* @__PURE__ */ new Map();
    const slots = /* @__PURE__ */ new Map();
    for (const r of recs) {
      const slot = { v: r.v, base: r.base };
      if (r.data) slot.data = r.data;
      if (r.dirty) slot.dirty = 1;
      slots.set(recordKey(r.coll, r.id), slot);
      const k = JSON.stringify([r.coll, blockOf(r.id)]);
      let b = blocks.get(k);
      if (!b) blocks.set(k, b = { coll: r.coll, b: blockOf(r.id), r: {} });
      b.r[r.id] = slot;
    }
    for (const row of rows) {
      const slot = slots.get(recordKey(row.coll, row.id));
      if (!slot) continue;
      (slot.sc ?? (slot.sc = {}))[row.scope] = row.v ?? slot.v;
      if (row.stale) (slot.stale ?? (slot.stale = {}))[row.scope] = 1;
    }
    for (const b of blocks.values()) void tx.objectStore("blocks").put(b, [b.coll, b.b]);
    db.deleteObjectStore("records");
    db.deleteObjectStore("record_scopes");
    const stale = new Set(rows.filter((r) => r.stale).map((r) => r.scope));
    const cursors = tx.objectStore("cursors");
    for (const sc of stale) {
      const cur = await cursors.get(sc);
      if (cur) void cursors.put({ ...cur, sweep: 1 });
    }
  } catch {
    try {
      tx.abort();
    } catch {
    }
  }
}
var collBlocks = (coll) => IDBKeyRange.bound([coll, 0], [coll, buckets]);
function applyMutation(m, data) {
  switch (m.op) {
    case "create":
      return { ...data ?? { id: m.id }, ...m.data };
    case "patch":
      return data && { ...data, ...m.set };
    case "void":
      return data && { ...data, voided: true };
    default:
      return data;
  }
}
var Records = class _Records {
  constructor(tx) {
    this.tx = tx;
    __publicField(this, "blocks", /* @__PURE__ */ new Map());
    __publicField(this, "changed", /* @__PURE__ */ new Set());
    /** Whether the store held no block when this transaction began (counted once). */
    __publicField(this, "empty");
  }
  static key(coll, b) {
    return coll + "\0" + b;
  }
  /**
   * Reads the blocks of these records that are not read yet: none when the store is empty
   * (one count), a collection's blocks with one request when most of them are wanted (a
   * download's page), else one request per block, all at once (a delta: reading the whole
   * collection for ten changed records would clone every record of it).
   */
  async load(records) {
    const want = /* @__PURE__ */ new Map();
    for (const [coll, id] of records) {
      const b = blockOf(id), k = _Records.key(coll, b);
      if (!this.blocks.has(k)) want.set(k, [coll, b]);
    }
    if (want.size === 0) return;
    this.empty ?? (this.empty = await this.tx.objectStore("blocks").count() === 0);
    if (this.empty) {
      for (const k of want.keys()) this.blocks.set(k, void 0);
      return;
    }
    const byColl = /* @__PURE__ */ new Map();
    for (const kb of want.values()) {
      const list = byColl.get(kb[0]);
      if (list) list.push(kb);
      else byColl.set(kb[0], [kb]);
    }
    const store = this.tx.objectStore("blocks");
    await Promise.all([...byColl].map(async ([coll, list]) => {
      if (list.length > buckets / 2) {
        for (const b of await store.getAll(collBlocks(coll))) if (!this.blocks.has(_Records.key(coll, b.b))) this.blocks.set(_Records.key(coll, b.b), b);
        for (const [c, b] of list) if (!this.blocks.has(_Records.key(c, b))) this.blocks.set(_Records.key(c, b), void 0);
      } else {
        await Promise.all(list.map(async ([c, b]) => {
          const block = await store.get([c, b]);
          if (!this.blocks.has(_Records.key(c, b))) this.blocks.set(_Records.key(c, b), block);
        }));
      }
    }));
  }
  /** Reads every block (a scope's checksum, a sweep of its stale members, revocation). */
  async loadAll() {
    for (const b of await this.tx.objectStore("blocks").getAll()) {
      const k = _Records.key(b.coll, b.b);
      if (!this.blocks.has(k)) this.blocks.set(k, b);
    }
    this.empty = false;
  }
  /** Every record of the blocks read (after loadAll: every record). */
  *all() {
    for (const block of this.blocks.values()) {
      if (block) for (const [id, slot] of Object.entries(block.r)) yield { coll: block.coll, id, ...slot };
    }
  }
  /** A record of a block read by load; undefined when there is none. */
  get(coll, id) {
    var _a;
    const k = _Records.key(coll, blockOf(id));
    if (!this.blocks.has(k)) throw new Error(`store: ${coll}/${id} read before its block was loaded`);
    return (_a = this.blocks.get(k)) == null ? void 0 : _a.r[id];
  }
  /** Stores (or deletes, with null) a record of a block read by load. */
  set(coll, id, slot) {
    const b = blockOf(id), k = _Records.key(coll, b);
    if (!this.blocks.has(k)) throw new Error(`store: ${coll}/${id} written before its block was loaded`);
    let block = this.blocks.get(k);
    if (!slot) {
      if (!block || !(id in block.r)) return;
      delete block.r[id];
    } else {
      if (!block) this.blocks.set(k, block = { coll, b, r: {} });
      block.r[id] = slot;
    }
    this.changed.add(k);
  }
  /** Marks a record's block changed after its slot was changed in place. */
  touch(coll, id) {
    this.changed.add(_Records.key(coll, blockOf(id)));
  }
  /** Writes the changed blocks (an emptied block is deleted). */
  async flush() {
    const store = this.tx.objectStore("blocks");
    const writes = [];
    for (const k of this.changed) {
      const block = this.blocks.get(k);
      writes.push(Object.keys(block.r).length > 0 ? store.put(block, [block.coll, block.b]) : store.delete([block.coll, block.b]));
    }
    this.changed.clear();
    await Promise.all(writes);
  }
};
var recordsByTx = /* @__PURE__ */ new WeakMap();
function recordsOf(tx) {
  let r = recordsByTx.get(tx);
  if (!r) recordsByTx.set(tx, r = new Records(tx));
  return r;
}
async function flushRecords(tx) {
  var _a;
  await ((_a = recordsByTx.get(tx)) == null ? void 0 : _a.flush());
}
var held = (s) => (s == null ? void 0 : s.sc) !== void 0 && Object.keys(s.sc).length > 0;
async function rebuild(tx, coll, id) {
  await rebuildAll(tx, [recordKey(coll, id)]);
}
function compose(v, base, queued, scoped) {
  const muts = queued.filter((o) => o.acked === 0 || o.v > v).sort((a, b) => a.mid - b.mid);
  let data = base;
  for (const o of muts) data = applyMutation(o.m, data);
  if (!data || !scoped && muts.length === 0) return null;
  const rec = { v, base };
  if (muts.length > 0 || !base) rec.data = data;
  if (muts.some((o) => o.acked === 0)) rec.dirty = 1;
  return rec;
}
function recompose(old, queued) {
  const next = compose((old == null ? void 0 : old.v) ?? 0, (old == null ? void 0 : old.base) ?? null, queued, held(old));
  if (next && (old == null ? void 0 : old.sc)) next.sc = old.sc;
  if (next && (old == null ? void 0 : old.stale)) next.stale = old.stale;
  return next;
}
async function rebuildAll(tx, keys) {
  const list = [...new Set(keys)].map((k) => JSON.parse(k));
  if (list.length === 0) return;
  const recs = recordsOf(tx);
  const [, queued] = await Promise.all([
    recs.load(list),
    list.length > 20 ? outboxByRecord(tx).then((byRec) => list.map(([c, i]) => byRec.get(recordKey(c, i)) ?? [])) : Promise.all(list.map((k) => tx.objectStore("outbox").index("record").getAll(k)))
  ]);
  list.forEach(([coll, id], n) => recs.set(coll, id, recompose(recs.get(coll, id), queued[n])));
}
async function outboxByRecord(tx) {
  const out = /* @__PURE__ */ new Map();
  for (const o of await tx.objectStore("outbox").getAll()) {
    const k = recordKey(o.coll, o.id);
    const list = out.get(k);
    if (list) list.push(o);
    else out.set(k, [o]);
  }
  return out;
}
var recordKey = (coll, id) => JSON.stringify([coll, id]);
async function settle(tx) {
  const cursors = await tx.objectStore("cursors").getAll();
  if (cursors.length === 0) return;
  const low = Math.min(...cursors.map((c) => c.cursor));
  const touched = /* @__PURE__ */ new Set();
  const deletes = [];
  for (const o of await tx.objectStore("outbox").index("acked").getAll(1)) {
    if (o.seq <= low) {
      deletes.push(tx.objectStore("outbox").delete(o.mid));
      touched.add(recordKey(o.coll, o.id));
    }
  }
  await Promise.all(deletes);
  await rebuildAll(tx, touched);
}
async function realign(tx, last) {
  const outbox = tx.objectStore("outbox");
  const all = (await outbox.getAll()).sort((a, b) => a.mid - b.mid);
  const touched = /* @__PURE__ */ new Set();
  const keep = [];
  for (const o of all) {
    if (o.acked === 0 && o.mid <= last) {
      touched.add(recordKey(o.coll, o.id));
      await outbox.delete(o.mid);
    } else if (o.mid > last) {
      if (o.acked === 1) touched.add(recordKey(o.coll, o.id));
      keep.push(o);
    }
  }
  let next = last + 1;
  for (const o of keep) {
    if (o.mid !== next || o.acked === 1) {
      await outbox.delete(o.mid);
      await outbox.put({ ...o, mid: next, acked: 0, v: 0, seq: 0 });
    }
    next++;
  }
  const meta = tx.objectStore("meta");
  const m = await meta.get("meta");
  await meta.put({ ...m, next_mid: next, acked_mid: last }, "meta");
  await rebuildAll(tx, touched);
}

// src/wire.ts
var SCHEMA_VERSION = 1;
var changed = (r) => r.outcome !== "rejected" && r.outcome !== "quarantined";
var noteworthy = (r) => r.outcome === "conflict" || r.outcome === "rejected" || r.outcome === "quarantined";

// src/messages.ts
var messages = {
  validation_required: ["\u5FC5\u586B", "required"],
  validation_not_in_values: ["\u4E0D\u662F\u5141\u8BB8\u7684\u53D6\u503C", "not one of the allowed values"],
  validation_invalid_value: ["\u53D6\u503C\u65E0\u6548", "invalid value"],
  validation_length_out_of_range: ["\u957F\u5EA6\u8D85\u51FA\u8303\u56F4", "length out of range"],
  validation_max_text_constraint: ["\u6587\u5B57\u8FC7\u957F", "text too long"],
  validation_min_text_constraint: ["\u6587\u5B57\u8FC7\u77ED", "text too short"],
  validation_invalid_format: ["\u683C\u5F0F\u4E0D\u6B63\u786E", "invalid format"],
  validation_min_number_constraint: ["\u6570\u503C\u8FC7\u5C0F", "number too small"],
  validation_max_number_constraint: ["\u6570\u503C\u8FC7\u5927", "number too large"],
  validation_missing_rel_records: ["\u5173\u8054\u7684\u8BB0\u5F55\u4E0D\u5B58\u5728", "the linked record does not exist"],
  validation_invalid_date: ["\u65E5\u671F\u65E0\u6548", "invalid date"],
  validation_too_many_values: ["\u9009\u9879\u8FC7\u591A", "too many values"],
  validation_invalid_email: ["\u90AE\u7BB1\u683C\u5F0F\u4E0D\u6B63\u786E", "invalid e-mail"],
  protected_field: ["\u6B64\u5B57\u6BB5\u53EA\u80FD\u7531\u670D\u52A1\u5668\u6216\u4E0A\u7EA7\u4FEE\u6539", "this field is set by the server or a supervisor"],
  scope_forbidden: ["\u4E0D\u5728\u4F60\u8D1F\u8D23\u7684\u8857\u9053", "not in a subdistrict you hold"],
  link_invalid: ["\u5173\u8054\u7684\u8BB0\u5F55\u4E0D\u53EF\u7528", "the linked record cannot be used"],
  client_field_locked: ["\u53EA\u80FD\u4FEE\u6539\u662F\u5426\u540A\u9500", "only revoked may change"],
  unknown_field: ["\u672A\u77E5\u5B57\u6BB5", "unknown field"]
};
function fieldMessage(field, code) {
  const m = messages[code];
  return m ? { zh: `${field}\uFF1A${m[0]}`, en: `${field}: ${m[1]}` } : { zh: `${field}\uFF1A\u4E0D\u7B26\u5408\u89C4\u5219\uFF08${code}\uFF09`, en: `${field}: refused (${code})` };
}

// src/client.ts
var busyRetries = 5;
function busyWait(retryAfter) {
  return retryAfter * 1e3 * (1 + Math.random() / 2);
}
function retryAfterOf(data) {
  return Math.max(1, Number(data == null ? void 0 : data.retry_after) || 1);
}
var idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
function randomId(n = 15) {
  let out = "";
  while (out.length < n) {
    for (const b of crypto.getRandomValues(new Uint8Array(2 * n))) {
      if (b < 252 && out.length < n) out += idAlphabet[b % 36];
    }
  }
  return out;
}
var Client = class _Client {
  constructor(cfg, db, id) {
    this.cfg = cfg;
    this.db = db;
    this.id = id;
    __publicField(this, "lock");
    __publicField(this, "limits", null);
    __publicField(this, "listeners", /* @__PURE__ */ new Map());
    __publicField(this, "fetch");
    __publicField(this, "now");
    /** Waits ms milliseconds (Config.sleep). */
    __publicField(this, "sleep");
    this.fetch = cfg.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = cfg.now ?? Date.now;
    this.sleep = cfg.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.lock = new SyncLock(db, `fieldsync-sync:${cfg.dbName ?? "fieldsync"}`);
  }
  /** Opens (creating if needed) the local store and asks the browser to keep it through storage pressure. */
  static async open(cfg) {
    var _a, _b, _c;
    let opened;
    const db = await openStore(cfg.dbName ?? "fieldsync", () => {
      db.close();
      opened == null ? void 0 : opened.emit("outdated", {});
    });
    const tx = db.transaction("meta", "readwrite");
    let meta = await tx.store.get("meta");
    if (!meta) {
      meta = { client_id: cfg.clientId ?? "c" + randomId(20), next_mid: 1, acked_mid: 0, token: "", user: "", revoked: false };
      await tx.store.put(meta, "meta");
    }
    await tx.done;
    if (cfg.clientId && meta.client_id !== cfg.clientId) {
      db.close();
      throw new Error(`open: store belongs to client ${meta.client_id}, not ${cfg.clientId}`);
    }
    await ((_c = (_b = (_a = globalThis.navigator) == null ? void 0 : _a.storage) == null ? void 0 : _b.persist) == null ? void 0 : _c.call(_b).catch(() => false));
    opened = new _Client(cfg, db, meta.client_id);
    return opened;
  }
  close() {
    this.db.close();
  }
  on(type, f) {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, set = /* @__PURE__ */ new Set());
    set.add(f);
    return () => set.delete(f);
  }
  /** Tells the app's listeners (the photo uploader and the live loop emit through it too). */
  emit(type, e) {
    for (const f of this.listeners.get(type) ?? []) f(e);
  }
  async meta() {
    return await this.db.get("meta", "meta");
  }
  async setMeta(change) {
    const tx = this.db.transaction("meta", "readwrite");
    await tx.store.put({ ...await tx.store.get("meta"), ...change }, "meta");
    await tx.done;
  }
  // ---- signing in ----
  /** Signs in with PocketBase's password auth and keeps the token in the store. */
  async signIn(email, password) {
    const res = await this.send("POST", "/api/collections/users/auth-with-password", { identity: email, password }, false);
    await this.setMeta({ token: res.token, user: res.record.id, revoked: false });
  }
  /** Uses a token obtained elsewhere (e.g. by the app's own sign-in screen). */
  async useToken(token, user = "") {
    await this.setMeta({ token, user });
  }
  /** Refreshes the token when it expires within ten minutes (PocketBase's auth-refresh). */
  async freshToken() {
    const { token } = await this.meta();
    const exp = tokenExpiry(token);
    if (token && exp && exp * 1e3 - this.now() < 10 * 6e4) {
      const res = await this.send("POST", "/api/collections/users/auth-refresh", void 0, true, token);
      await this.setMeta({ token: res.token });
      return res.token;
    }
    return token;
  }
  // ---- HTTP ----
  /** Sends a JSON request with the installation header; turns errors into typed ones. */
  async send(method, path, body, auth = true, token) {
    const sent = auth ? token ?? await this.freshToken() : "";
    const res = await this.raw(method, path, { body: body === void 0 ? void 0 : JSON.stringify(body), headers: body === void 0 ? {} : { "Content-Type": "application/json" } }, auth, sent);
    let text;
    try {
      text = await res.text();
    } catch (e) {
      throw new OfflineError(e);
    }
    if (!res.ok) throw await this.answerError(res.status, text, sent);
    return text ? JSON.parse(text) : {};
  }
  /** One request with the installation's headers; a failed connection is an OfflineError. */
  async raw(method, path, init, auth = true, token) {
    const headers = { "X-Fieldsync-Client": this.id, ...init.headers };
    if (auth) {
      const t = token ?? await this.freshToken();
      if (t) headers.Authorization = t;
    }
    try {
      return await this.fetch(this.cfg.baseURL.replace(/\/$/, "") + path, { method, body: init.body ?? null, headers, signal: init.signal ?? null });
    } catch (e) {
      throw new OfflineError(e);
    }
  }
  /** Turns an error answer into a typed error; sent is the token the request carried. */
  async answerError(status, text, sent) {
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
    }
    const code = (body == null ? void 0 : body.code) ?? `http_${status}`;
    const message = (body == null ? void 0 : body.message) ?? text;
    if (code === "client_revoked") {
      await this.revoked();
      return new RevokedError(status, code, message);
    }
    if (status === 401) {
      if ((await this.meta()).token === sent) {
        await this.setMeta({ token: "" });
        this.emit("signedout", {});
      }
      return new SignedOutError(status, code, message);
    }
    if (code === "mid_gap") return new GapError(body.expected_mid ?? 0, body.results ?? []);
    return new ServerError(status, code, message, body == null ? void 0 : body.data);
  }
  /**
   * A revoked installation stops, tells the app and wipes what it must not keep: every record
   * the server sent, the scopes and cursors, the token. Unsent edits and photos stay (the
   * contract: they may be work nobody else has) until the app calls wipe().
   */
  async revoked() {
    const tx = this.db.transaction(allStores, "readwrite");
    const meta = await tx.objectStore("meta").get("meta");
    await tx.objectStore("meta").put({ ...meta, token: "", revoked: true }, "meta");
    await tx.objectStore("cursors").clear();
    await tx.objectStore("issues").clear();
    for (const p of await tx.objectStore("photos").getAll()) if (p.state !== "queued") await tx.objectStore("photos").delete(p.sha256);
    const store = recordsOf(tx);
    await store.loadAll();
    const recs = [...store.all()];
    for (const r of recs) store.set(r.coll, r.id, null);
    await rebuildAll(tx, recs.map((r) => recordKey(r.coll, r.id)));
    await flushRecords(tx);
    const unsent = await tx.objectStore("outbox").index("acked").count(0);
    await tx.done;
    this.emit("revoked", { unsent });
    this.emit("change", { colls: [...new Set(recs.map((r) => r.coll))] });
  }
  /** Deletes the whole local store's contents, unsent edits included (sign-out, or after revocation). */
  async wipe() {
    const tx = this.db.transaction(allStores, "readwrite");
    const meta = await tx.objectStore("meta").get("meta");
    for (const s of allStores) await tx.objectStore(s).clear();
    await tx.objectStore("meta").put({ ...meta, token: "", user: "", next_mid: meta.next_mid, acked_mid: meta.acked_mid }, "meta");
    await tx.done;
  }
  // ---- registration ----
  /** Announces the installation and realigns the outbox with the server's last mid. */
  async register() {
    if ((await this.meta()).revoked) throw new RevokedError(403, "client_revoked", "revoked");
    const res = await this.send("POST", "/api/sync/v1/clients", { client_id: this.id, app_version: this.cfg.appVersion ?? "", schema_version: SCHEMA_VERSION });
    if (res.schema_version !== SCHEMA_VERSION) throw new SchemaMismatchError(SCHEMA_VERSION, res.schema_version);
    await this.inTx(async (tx) => realign(tx, res.last_mid));
    this.limits = res.limits;
    return res;
  }
  async registered() {
    if (!this.limits) await this.register();
    return this.limits;
  }
  /** Runs f in one readwrite transaction over every store; if f fails, nothing it wrote stays. */
  async inTx(f) {
    const tx = this.db.transaction(allStores, "readwrite");
    try {
      const out = await f(tx);
      await flushRecords(tx);
      await tx.done;
      return out;
    } catch (e) {
      tx.done.catch(() => void 0);
      try {
        tx.abort();
      } catch {
      }
      throw e;
    }
  }
  // ---- sync ----
  /** Pushes the outbox, then pulls; never runs twice at once, in this tab or another. */
  sync() {
    return this.lock.run(async () => {
      this.emit("sync", { state: "start" });
      try {
        const push = await this.pushNow();
        const pull = await this.pullNow();
        this.emit("sync", { state: "done" });
        return { push, pull };
      } catch (error) {
        this.emit("sync", { state: "error", error });
        throw error;
      }
    });
  }
  push() {
    return this.lock.run(() => this.pushNow());
  }
  pull() {
    return this.lock.run(() => this.pullNow());
  }
  async pushNow() {
    const limits = await this.registered();
    const rep = { results: [] };
    let lastGap = -1;
    for (; ; ) {
      const batch = await this.pending(Math.max(1, Math.min(limits.max_mutations || Infinity, this.cfg.maxPush || Infinity)), limits.max_body_bytes * 3 / 4);
      if (batch.length === 0) return rep;
      let results;
      let gap = null;
      try {
        const res = await this.sendPush(batch);
        results = res.results;
        if (results.length === 0) throw new Error("push: server answered no outcome");
      } catch (e) {
        if (!(e instanceof GapError)) throw e;
        if (e.expected === lastGap) throw new Error("push: mid gap does not move");
        lastGap = e.expected;
        gap = e;
        results = e.results;
      }
      rep.results.push(...results);
      const issues = await this.inTx(async (tx) => {
        const out = await recordOutcomes(tx, results);
        if (gap) await realign(tx, gap.expected - 1);
        await settle(tx);
        return out;
      });
      for (const r of results) this.emit("outcome", r);
      for (const is of issues) this.emit("issue", is);
      this.emit("change", { colls: [...new Set(results.map((r) => r.coll ?? ""))].filter(Boolean) });
      if (!gap && results[0].mid !== batch[0].mid) throw new Error(`push: server answered mid ${results[0].mid} to mid ${batch[0].mid}`);
    }
  }
  /**
   * Sends one push. While the server answers 503 sync_busy (its writer's queue is full), waits
   * the wait it gives (data.retry_after: a page of another origin cannot read Retry-After),
   * plus up to half again at random so that phones turned away together do not return
   * together, and sends the same mids again, at most busyRetries times; then the ServerError
   * (code sync_busy) reaches the app, the edits still in the outbox.
   */
  async sendPush(batch) {
    for (let tries = 0; ; tries++) {
      try {
        return await this.send("POST", "/api/sync/v1/push", { client_id: this.id, sent_at: new Date(this.now()).toISOString(), mutations: batch });
      } catch (e) {
        if (!(e instanceof ServerError) || e.code !== "sync_busy" || tries >= busyRetries) throw e;
        const retryAfter = retryAfterOf(e.data);
        this.emit("sync", { state: "busy", retryAfter });
        await this.sleep(busyWait(retryAfter));
      }
    }
  }
  /** The first unsent mutations, at most n and about maxBytes: one read of the outbox's unsent index (mid order). */
  async pending(n, maxBytes) {
    const out = [];
    let size = 0;
    for (const o of await this.db.getAllFromIndex("outbox", "acked", 0, Number.isFinite(n) ? n : void 0)) {
      size += JSON.stringify(o.m).length;
      if (maxBytes > 0 && size > maxBytes && out.length > 0) break;
      out.push({ ...o.m, mid: o.mid });
    }
    return out;
  }
  /**
   * Pulls until no scope has more. The next page is asked for as soon as an answer arrives,
   * from that answer's cursors, while the answer is being stored: storing a page of thousands
   * of records takes as long as the server takes to send the next. A scope healed at its head
   * (its cursor reset) makes the page asked for ahead useless: it is dropped and asked again.
   */
  async pullNow() {
    const limits = await this.registered();
    const run = new PullRun();
    const rows = Math.min(limits.max_pull_rows || Infinity, this.cfg.pullRows || Infinity);
    const request = (scopes2) => {
      const p = this.send("POST", "/api/sync/v1/pull", { client_id: this.id, scopes: scopes2, ...Number.isFinite(rows) ? { limit_rows: rows } : {} });
      p.catch(() => void 0);
      return p;
    };
    let scopes = await this.storedCursors();
    let next = request(scopes);
    for (; ; ) {
      const res = await next;
      const ahead = Object.values(res.scopes).some((sr) => sr.has_more) ? cursorsAfter(scopes, res) : null;
      if (ahead) next = request(ahead);
      const colls = /* @__PURE__ */ new Set();
      const { more, restarted } = await this.inTx((tx) => run.apply(tx, scopes, res, colls));
      if (colls.size) this.emit("change", { colls: [...colls] });
      if (run.drifted.length) throw new DriftError(run.drifted);
      if (!more) return run.rep;
      if (ahead && !restarted) {
        scopes = ahead;
      } else {
        scopes = await this.storedCursors();
        next = request(scopes);
      }
    }
  }
  async storedCursors() {
    const scopes = {};
    for (const c of await this.db.getAll("cursors")) scopes[c.scope] = c.floor ? { cursor: c.cursor, floor: c.floor } : { cursor: c.cursor };
    return scopes;
  }
  // ---- local edits ----
  /** Creates a record locally with a new id and queues its creation; returns the id. */
  async create(coll, data) {
    const id = randomId(15);
    await this.enqueue({ op: "create", coll, id, data });
    return id;
  }
  /** Sets fields of a local record and queues the change, based on the server version held. */
  async patch(coll, id, set) {
    if (Object.keys(set).length === 0) throw new Error(`patch ${coll}/${id}: nothing to set`);
    await this.enqueue({ op: "patch", coll, id, set });
  }
  async void(coll, id) {
    await this.enqueue({ op: "void", coll, id });
  }
  /** Queues a named workflow step such as "inspection.review@1"; its effect arrives with a pull. */
  async command(name, coll, id, args = {}) {
    await this.enqueue({ op: "cmd", name, coll, id, args });
  }
  /** Gives m the next mid (no gaps) and its record's base version, queues it and applies it locally, in one transaction. */
  async enqueue(m) {
    m.device_time = new Date(this.now()).toISOString();
    const mid = await this.inTx(async (tx) => {
      if (m.op !== "create") {
        const recs = recordsOf(tx);
        await recs.load([[m.coll, m.id]]);
        const rec = recs.get(m.coll, m.id);
        if (!rec) throw new Error(`${m.op} ${m.coll}/${m.id}: record not found`);
        if (rec.v > 0) m.base_v = rec.v;
      }
      const meta = await tx.objectStore("meta").get("meta");
      await tx.objectStore("meta").put({ ...meta, next_mid: meta.next_mid + 1 }, "meta");
      await tx.objectStore("outbox").add({ mid: meta.next_mid, coll: m.coll, id: m.id, m, acked: 0, v: 0, seq: 0 });
      await rebuild(tx, m.coll, m.id);
      return meta.next_mid;
    });
    this.emit("change", { colls: [m.coll] });
    return mid;
  }
  // ---- local reads ----
  async get(coll, id) {
    var _a;
    const slot = (_a = await this.db.get("blocks", [coll, blockOf(id)])) == null ? void 0 : _a.r[id];
    return slot && local(coll, id, slot);
  }
  /**
   * A collection's records, optionally those with one field equal to a value (place, status,
   * subdistrict) or a deadline before a date; in order of that field, then of id. The
   * collection's blocks are read whole and filtered here: reading a block of records costs
   * the browser about what reading one record did.
   */
  async list(coll, by) {
    const rows = [];
    for (const block of await this.db.getAll("blocks", collBlocks(coll))) {
      for (const [id, slot] of Object.entries(block.r)) rows.push(local(coll, id, slot));
    }
    const field = (by == null ? void 0 : by.place) !== void 0 ? "place" : (by == null ? void 0 : by.status) !== void 0 ? "status" : (by == null ? void 0 : by.subdistrict) !== void 0 ? "subdistrict" : (by == null ? void 0 : by.deadlineBefore) !== void 0 ? "deadline" : null;
    const of = (r) => r.data[field];
    const picked = field === null ? rows : rows.filter((r) => {
      const x = of(r);
      if (typeof x !== "string" || x === "") return false;
      return field === "deadline" ? x >= "0" && x < by.deadlineBefore : x === by[field];
    });
    const byId = (a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return picked.sort(field === "deadline" ? (a, b) => of(a) < of(b) ? -1 : of(a) > of(b) ? 1 : byId(a, b) : byId);
  }
  /** How many records the store holds, of one collection or of all. */
  async count(coll) {
    let n = 0;
    for (const block of await this.db.getAll("blocks", coll ? collBlocks(coll) : void 0)) n += Object.keys(block.r).length;
    return n;
  }
  /** How many local edits wait to be pushed or answered. */
  async pendingCount() {
    return this.db.countFromIndex("outbox", "acked", 0);
  }
  async scopes() {
    return (await this.db.getAllKeys("cursors")).sort();
  }
  /** The local checksum of a scope, as the server computes it. */
  async checksum(scope) {
    return this.inTx((tx) => scopeChecksum(tx, scope));
  }
  // ---- issues ----
  async issues() {
    return (await this.db.getAll("issues")).map(toIssue);
  }
  async dismissIssue(mid) {
    const tx = this.db.transaction("issues", "readwrite");
    for (const is of await tx.store.getAll()) if (is.mid === mid) await tx.store.delete(is.n);
    await tx.done;
  }
  /** Records a decision (acknowledge, accept, discard) on the server's sync issue and forgets the local ones pointing to it. */
  async resolveIssue(issueId, decision) {
    await this.send("POST", `/api/sync/v1/issues/${encodeURIComponent(issueId)}/resolve`, { decision });
    const tx = this.db.transaction("issues", "readwrite");
    for (const is of await tx.store.getAll()) if (is.result.issue === issueId) await tx.store.delete(is.n);
    await tx.done;
  }
};
var GapError = class extends ServerError {
  constructor(expected, results) {
    super(409, "mid_gap", `server expects mid ${expected}`);
    this.expected = expected;
    this.results = results;
  }
};
function local(coll, id, r) {
  return { coll, id, v: r.v, data: dataOf(r), dirty: r.dirty === 1 };
}
function toIssue(is) {
  const m = is.mutation;
  return {
    mid: is.mid,
    coll: is.coll,
    id: is.id,
    result: is.result,
    op: m.op,
    ...m.name ? { name: m.name } : {},
    data: m.op === "patch" ? m.set : m.op === "cmd" ? m.args : m.data,
    fields: Object.entries(is.result.fields ?? {}).map(([field, code]) => {
      var _a;
      const message = (_a = is.result.messages) == null ? void 0 : _a[field];
      if (message === void 0) {
        const own = fieldMessage(field, code);
        return { field, code, message: `${own.zh} / ${own.en}`, ...own };
      }
      return { field, code, message, ...splitMessage(message) };
    }),
    ...splitMessage(is.result.message ?? "")
  };
}
function splitMessage(message) {
  const at = message.indexOf(" / ");
  return at < 0 ? { zh: message, en: message } : { zh: message.slice(0, at), en: message.slice(at + 3) };
}
function tokenExpiry(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).exp ?? null;
  } catch {
    return null;
  }
}
async function recordOutcomes(tx, results) {
  const outbox = tx.objectStore("outbox");
  const queued = await Promise.all(results.map((r) => outbox.get(r.mid)));
  const writes = [];
  const issues = [];
  const touched = [];
  const answered = /* @__PURE__ */ new Set();
  let last = 0;
  results.forEach((r, i) => {
    const o = queued[i];
    if (!o || o.acked === 1 || answered.has(r.mid)) return;
    answered.add(r.mid);
    writes.push(changed(r) ? outbox.put({ ...o, acked: 1, v: r.v ?? 0, seq: r.seq ?? 0 }) : outbox.delete(r.mid));
    if (noteworthy(r)) {
      const stored = { mid: r.mid, coll: o.coll, id: o.id, result: r, mutation: o.m };
      issues.push(tx.objectStore("issues").add(stored).then((n) => toIssue({ ...stored, n })));
    }
    last = Math.max(last, r.mid);
    touched.push(recordKey(o.coll, o.id));
  });
  await Promise.all(writes);
  const out = await Promise.all(issues);
  if (touched.length > 0) {
    const meta = await tx.objectStore("meta").get("meta");
    await tx.objectStore("meta").put({ ...meta, acked_mid: Math.max(meta.acked_mid, last) }, "meta");
  }
  await rebuildAll(tx, touched);
  return out;
}
var PullRun = class {
  constructor() {
    __publicField(this, "rep", { changes: 0, added: [], removed: [], reset: [], healed: [] });
    __publicField(this, "healedSet", /* @__PURE__ */ new Set());
    __publicField(this, "resetSet", /* @__PURE__ */ new Set());
    __publicField(this, "drifted", []);
  }
  /** Applies one answer, checks the checksums of scopes at their head; true when another request must follow. */
  async apply(tx, req, res, colls) {
    var _a;
    let more = false, moved = false;
    for (const sc of Object.keys(res.scopes).sort()) {
      const sr = res.scopes[sc];
      await this.applyScope(tx, sc, sr, colls);
      more || (more = sr.has_more);
      moved || (moved = sr.status !== "ok" || sr.changes.length > 0 || sr.cursor !== ((_a = req[sc]) == null ? void 0 : _a.cursor));
    }
    if (more && !moved) throw new Error("pull: server has more but sends nothing");
    const restarted = await this.check(tx, res);
    await settle(tx);
    return { more: more || restarted, restarted };
  }
  /**
   * Checks every scope the answer brought to its head against the server's checksum. The
   * running sum kept in the scope's cursor row makes that one read; when it disagrees (or is
   * unknown) the sum is computed from the scope's members and stored, so that a damaged
   * running sum does not download a scope again for nothing, and only members that disagree
   * too heal it.
   */
  async check(tx, res) {
    let restarted = false;
    const cursors = tx.objectStore("cursors");
    for (const sc of Object.keys(res.scopes).sort()) {
      const sr = res.scopes[sc];
      if (sr.status === "removed" || sr.has_more || !sr.checksum) continue;
      const cur = await cursors.get(sc);
      if (cur.sum === sr.checksum) continue;
      const sum = await scopeChecksum(tx, sc);
      if (sum === sr.checksum) {
        await cursors.put({ ...cur, sum });
        continue;
      }
      if (this.healedSet.has(sc)) {
        this.drifted.push(sc);
        continue;
      }
      const sweep = await markStale(tx, sc);
      await cursors.put({ scope: sc, cursor: 0, floor: 0, sum, ...sweep ? { sweep: 1 } : {} });
      this.healedSet.add(sc);
      this.rep.healed.push(sc);
      restarted = true;
    }
    return restarted;
  }
  /**
   * Stores one scope's page. The records' blocks are read once for the page (none at all into
   * an empty store), changed in memory and written back when the transaction ends. A record
   * keeps, per scope, the version the scope delivered: the running sum takes the old one out
   * and puts the new one in, so a scope's checksum is known without reading its members.
   */
  async applyScope(tx, sc, sr, colls) {
    var _a;
    const cursors = tx.objectStore("cursors");
    if (sr.status === "removed") {
      this.rep.removed.push(sc);
      await cursors.delete(sc);
      await leaveScope(tx, sc, false, colls);
      return;
    }
    const cur = await cursors.get(sc);
    let sweep = (cur == null ? void 0 : cur.sweep) === 1;
    let marked = false;
    if (sr.status === "added") this.rep.added.push(sc);
    if (sr.status === "reset") {
      if (this.resetSet.has(sc)) throw new Error(`pull: scope ${sc}: reset again before its download ended`);
      this.resetSet.add(sc);
      this.rep.reset.push(sc);
    }
    if (sr.status === "added" || sr.status === "reset") marked = await markStale(tx, sc);
    sweep || (sweep = marked);
    const sum = cur ? RunningSum.parse(cur.sum) : marked ? null : new RunningSum();
    const recs = recordsOf(tx);
    const [, queued] = sr.changes.length === 0 ? [] : await Promise.all([recs.load(sr.changes.map((ch) => [ch.coll, ch.id])), outboxByRecord(tx)]);
    const removed = [];
    for (const ch of sr.changes) {
      const old = recs.get(ch.coll, ch.id);
      const oldV = (_a = old == null ? void 0 : old.sc) == null ? void 0 : _a[sc];
      if (oldV !== void 0) sum == null ? void 0 : sum.toggle(ch.coll, ch.id, oldV);
      if (ch.op === "put") {
        if (!ch.data) throw new Error(`pull: ${sc} ${ch.coll}/${ch.id}: put without data`);
        const next = compose(ch.v, ch.data, queued.get(recordKey(ch.coll, ch.id)) ?? [], true);
        next.sc = { ...old == null ? void 0 : old.sc, [sc]: ch.v };
        const stale = without(old == null ? void 0 : old.stale, sc);
        if (stale) next.stale = stale;
        recs.set(ch.coll, ch.id, next);
        sum == null ? void 0 : sum.toggle(ch.coll, ch.id, ch.v);
      } else if (ch.op === "remove") {
        if (old && oldV !== void 0) {
          leave(old, sc);
          recs.touch(ch.coll, ch.id);
          removed.push(recordKey(ch.coll, ch.id));
        }
      } else {
        throw new Error(`pull: unknown op ${String(ch.op)}`);
      }
      colls.add(ch.coll);
    }
    await rebuildAll(tx, removed);
    this.rep.changes += sr.changes.length;
    if (!sr.has_more && sweep) {
      for (const s of await leaveScope(tx, sc, true, colls)) sum == null ? void 0 : sum.toggle(s.coll, s.id, s.v);
      sweep = false;
    }
    await cursors.put({ scope: sc, cursor: sr.cursor, floor: sr.floor ?? 0, ...sum ? { sum: sum.toString() } : {}, ...sweep ? { sweep: 1 } : {} });
  }
};
function without(m, k) {
  if (!m || !(k in m)) return m;
  const { [k]: _, ...rest } = m;
  return Object.keys(rest).length > 0 ? rest : void 0;
}
function leave(slot, sc) {
  const scopes = without(slot.sc, sc), stale = without(slot.stale, sc);
  if (scopes) slot.sc = scopes;
  else delete slot.sc;
  if (stale) slot.stale = stale;
  else delete slot.stale;
}
function cursorsAfter(req, res) {
  const out = { ...req };
  for (const [sc, sr] of Object.entries(res.scopes)) {
    if (sr.status === "removed") delete out[sc];
    else out[sc] = sr.floor ? { cursor: sr.cursor, floor: sr.floor } : { cursor: sr.cursor };
  }
  return out;
}
async function scopeChecksum(tx, sc) {
  var _a;
  const recs = recordsOf(tx);
  await recs.loadAll();
  const members = [];
  for (const r of recs.all()) {
    const v = (_a = r.sc) == null ? void 0 : _a[sc];
    if (v !== void 0) members.push({ coll: r.coll, id: r.id, v });
  }
  return checksumOf(members);
}
async function markStale(tx, sc) {
  var _a;
  const recs = recordsOf(tx);
  await recs.loadAll();
  let marked = false;
  for (const r of [...recs.all()]) {
    if (((_a = r.sc) == null ? void 0 : _a[sc]) === void 0) continue;
    const slot = recs.get(r.coll, r.id);
    slot.stale = { ...slot.stale, [sc]: 1 };
    recs.touch(r.coll, r.id);
    marked = true;
  }
  return marked;
}
async function leaveScope(tx, sc, staleOnly, colls) {
  var _a, _b;
  const recs = recordsOf(tx);
  await recs.loadAll();
  const left = [];
  for (const r of [...recs.all()]) {
    const v = (_a = r.sc) == null ? void 0 : _a[sc];
    if (v === void 0 || staleOnly && !((_b = r.stale) == null ? void 0 : _b[sc])) continue;
    leave(recs.get(r.coll, r.id), sc);
    recs.touch(r.coll, r.id);
    left.push({ coll: r.coll, id: r.id, v });
    colls.add(r.coll);
  }
  await rebuildAll(tx, left.map((s) => recordKey(s.coll, s.id)));
  return left;
}

// src/photos.ts
async function sha256Hex(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
async function addPhoto(c, blob, subdistrict) {
  const sha256 = await sha256Hex(blob);
  const record = await c.create("photos", { sha256, subdistrict });
  const entry = { sha256, record, blob, size: blob.size, mime: blob.type || "image/jpeg", state: "queued", offset: 0 };
  const tx = c.db.transaction("photos", "readwrite");
  if (!await tx.store.get(sha256)) await tx.store.put(entry);
  await tx.done;
  return record;
}
async function queuedPhotos(c) {
  return c.db.getAllFromIndex("photos", "state", "queued");
}
async function uploadPhotos(c, opts = {}) {
  const out = { stored: [], refused: [] };
  for (const p of await queuedPhotos(c)) {
    const state = await uploadOne(c, p, opts);
    if (state === "stored") out.stored.push(p.sha256);
    else out.refused.push(p.sha256);
  }
  return out;
}
async function save(c, p) {
  await c.db.put("photos", p);
}
async function uploadOne(c, p, o) {
  const chunk = o.chunkSize ?? 256 * 1024;
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? 500;
  const announce = async () => {
    const res = await c.send("POST", "/api/fs/blobs/uploads", { sha256: p.sha256, size: p.size, mime: p.mime });
    if (res.status === "stored") return true;
    p.upload = res.id;
    p.offset = res.offset ?? 0;
    await save(c, p);
    return false;
  };
  const finish = async (state, code) => {
    p.state = state;
    if (code) p.code = code;
    await save(c, p);
    c.emit("progress", { sha256: p.sha256, record: p.record, sent: state === "stored" ? p.size : p.offset, size: p.size });
    return state;
  };
  if (!p.upload && await announce()) return finish("stored");
  let failures = 0;
  let busy = 0;
  let reannounced = false;
  for (; ; ) {
    const end = Math.min(p.offset + chunk, p.size);
    try {
      const res = await c.raw("PATCH", `/api/fs/blobs/uploads/${p.upload}`, {
        body: p.blob.slice(p.offset, end),
        headers: { "Upload-Offset": String(p.offset), "Content-Type": "application/offset+octet-stream", "Tus-Resumable": "1.0.0" }
      });
      if (res.status === 204) {
        p.offset = Number(res.headers.get("Upload-Offset") ?? end);
        failures = 0;
        await save(c, p);
        c.emit("progress", { sha256: p.sha256, record: p.record, sent: p.offset, size: p.size });
        continue;
      }
      if (res.status === 200) return finish("stored");
      const body = await res.json().catch(() => ({}));
      if (res.status === 409) {
        await resume(c, p);
        continue;
      }
      if (res.status === 404 || body.code === "hash_mismatch" && !reannounced) {
        reannounced = true;
        p.upload = void 0;
        if (await announce()) return finish("stored");
        continue;
      }
      const error = new ServerError(res.status, body.code ?? `http_${res.status}`, body.message ?? "", body.data);
      if (res.status === 503 && body.code === "server_busy") {
        if (++busy > busyRetries) throw error;
        const retryAfter = retryAfterOf(body.data);
        p.offset = Number(res.headers.get("Upload-Offset") ?? p.offset);
        c.emit("progress", { sha256: p.sha256, record: p.record, sent: p.offset, size: p.size, state: "busy", retryAfter });
        await c.sleep(busyWait(retryAfter));
        await resume(c, p).catch(() => void 0);
        continue;
      }
      if (res.status >= 500) throw error;
      return finish("refused", body.code ?? `http_${res.status}`);
    } catch (e) {
      if (!(e instanceof OfflineError) && !(e instanceof ServerError && e.status >= 500 && e.code !== "server_busy")) throw e;
      if (++failures > retries) throw e;
      await c.sleep(backoff * 2 ** (failures - 1));
      await resume(c, p).catch(() => void 0);
    }
  }
}
async function resume(c, p) {
  const res = await c.raw("HEAD", `/api/fs/blobs/uploads/${p.upload}`, { headers: { "Tus-Resumable": "1.0.0" } });
  if (!res.ok) throw new ServerError(res.status, `http_${res.status}`, "upload offset");
  p.offset = Number(res.headers.get("Upload-Offset") ?? 0);
  await save(c, p);
}

// src/realtime.ts
function live(c, opts = {}) {
  var _a, _b;
  let stopped = false;
  let abort = null;
  const run = () => {
    if (!stopped) c.sync().catch(() => void 0);
  };
  const target = globalThis;
  const online = () => {
    c.emit("network", { online: true });
    run();
    connect();
  };
  const offline = () => {
    c.emit("network", { online: false });
    abort == null ? void 0 : abort.abort();
  };
  (_a = target.addEventListener) == null ? void 0 : _a.call(target, "online", online);
  (_b = target.addEventListener) == null ? void 0 : _b.call(target, "offline", offline);
  const timer = setInterval(run, opts.intervalMs ?? 3e5);
  const connect = () => {
    if (stopped) return;
    abort == null ? void 0 : abort.abort();
    abort = new AbortController();
    subscribe(c, abort.signal, run).catch(() => void 0).finally(() => {
      if (!stopped && !(abort == null ? void 0 : abort.signal.aborted)) setTimeout(connect, 5e3);
    });
  };
  run();
  connect();
  return () => {
    var _a2, _b2;
    stopped = true;
    abort == null ? void 0 : abort.abort();
    clearInterval(timer);
    (_a2 = target.removeEventListener) == null ? void 0 : _a2.call(target, "online", online);
    (_b2 = target.removeEventListener) == null ? void 0 : _b2.call(target, "offline", offline);
  };
}
async function subscribe(c, signal, onPoke) {
  const res = await c.raw("GET", "/api/realtime", { signal, headers: { Accept: "text/event-stream" } }, false);
  if (!res.ok || !res.body) throw new Error(`realtime: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (; ; ) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = "", data = "", id = "";
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
        else if (line.startsWith("id:")) id = line.slice(3).trim();
      }
      if (event === "PB_CONNECT") {
        const clientId = JSON.parse(data).clientId ?? id;
        await c.send("POST", "/api/realtime", { clientId, subscriptions: ["fieldsync/sync"] });
      } else if (event === "fieldsync/sync") {
        onPoke(JSON.parse(data).scopes);
      }
    }
  }
}

// src/records.gen.ts
var collections = ["agencies", "bare_land_entries", "centre_classes", "construction_sites", "dustfall_readings", "enforcement_actions", "findings", "households", "inspections", "notifications", "photos", "places", "public_reports", "referrals", "report_updates", "smoke_alarm_followups", "smoke_alarm_installs", "smoke_alarm_quotas", "smoke_alarm_samplings", "subdistricts", "sync_issues", "tutoring_centres", "tutoring_incidents", "users"];
export {
  Client,
  DriftError,
  GapError,
  OfflineError,
  RevokedError,
  SCHEMA_VERSION,
  SchemaMismatchError,
  ServerError,
  SignedOutError,
  addPhoto,
  blockOf,
  checksumOf,
  collections,
  fieldMessage,
  live,
  queuedPhotos,
  randomId,
  recordHash,
  sha256Hex,
  subscribe,
  uploadPhotos
};
