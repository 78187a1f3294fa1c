// The local store in IndexedDB, through idb (a 1 kB promise wrapper that keeps IndexedDB's own
// transactions: every local operation below is one readwrite transaction over the stores it
// touches, so a tab killed at any moment reopens a consistent store).
//
// A record keeps two copies of its data, as the Go reference client does: base, the server's
// data at version v, and data, what the inspector sees (base with the unsettled mutations of
// the outbox replayed on top). A pull only ever writes base; data is rebuilt. data is stored
// only when it differs from base (the record has unsettled mutations): a first sync writes
// thousands of records, and a second copy of each doubled the cost of storing them.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import type { Mutation, Result } from "./wire.js";

export interface StoredRecord {
  coll: string;
  id: string;
  /** The server version base is at; 0 for a record only created locally. */
  v: number;
  base: Record<string, unknown> | null;
  /** base with the unsettled mutations replayed; absent when there are none (then it is base). */
  data?: Record<string, unknown>;
  /** 1 while an edit waits to be pushed; absent otherwise. */
  dirty?: 1;
  // Copies of data's fields the app queries by, for the indexes; absent when data has none
  // (IndexedDB then writes no index entry: fewer writes per record).
  place?: string;
  status?: string;
  deadline?: string;
  subdistrict?: string;
}

/** What the app reads of a stored record: base with the unsettled mutations. */
export const dataOf = (r: StoredRecord): Record<string, unknown> => (r.data ?? r.base)!;

export interface OutboxEntry {
  mid: number;
  coll: string;
  id: string;
  m: Omit<Mutation, "mid">;
  /** 1 once the server answered with a change (applied, merged, conflict). */
  acked: 0 | 1;
  v: number;
  seq: number;
}

export interface StoredIssue {
  n?: number;
  mid: number;
  coll: string;
  id: string;
  result: Result;
  mutation: Omit<Mutation, "mid">;
}

export interface PhotoEntry {
  sha256: string;
  /** The photos record that carries this file. */
  record: string;
  blob: Blob;
  size: number;
  mime: string;
  state: "queued" | "stored" | "refused";
  upload?: string;
  offset: number;
  code?: string;
}

export interface Meta {
  client_id: string;
  next_mid: number;
  acked_mid: number;
  token: string;
  user: string;
  revoked: boolean;
}

interface FsDB extends DBSchema {
  meta: { key: string; value: Meta };
  records: {
    key: [string, string];
    value: StoredRecord;
    indexes: { coll_place: [string, string]; coll_status: [string, string]; coll_deadline: [string, string]; coll_subdistrict: [string, string] };
  };
  record_scopes: {
    key: [string, string, string];
    /** v: the server version the scope delivered, which its checksum counts (absent in rows stored before it was kept). */
    /** stale: 1 while a fresh download has not sent the row again (absent otherwise, so only stale rows are in scope_stale). */
    value: { scope: string; coll: string; id: string; stale?: 1; v?: number };
    indexes: { record: [string, string]; scope_stale: [string, number] };
  };
  /**
   * sum: the scope's checksum kept up to date with its rows (RunningSum), so that a scope at
   * its head is checked without reading them; absent while unknown (a big page dropped it, or
   * the row was stored before it was kept), then the head computes it from the rows once.
   */
  cursors: { key: string; value: { scope: string; cursor: number; floor: number; sum?: string } };
  outbox: { key: number; value: OutboxEntry; indexes: { record: [string, string]; acked: number } };
  issues: { key: number; value: StoredIssue };
  photos: { key: string; value: PhotoEntry; indexes: { state: string } };
  locks: { key: string; value: { name: string; owner: string; until: number } };
}

export type DB = IDBPDatabase<FsDB>;
export type Names = StoreNames<FsDB>;
export type Tx = IDBPTransaction<FsDB, Names[], "readwrite">;

export const allStores: Names[] = ["meta", "records", "record_scopes", "cursors", "outbox", "issues", "photos", "locks"];

/**
 * Opens the store, creating or upgrading it. Version 2 dropped three indexes a first sync paid
 * an entry per record for and nothing needed: records by coll and scope rows by scope are key
 * ranges of their primary keys (collKeys, scopeKeys), and no query read "dirty".
 */
export function openStore(name: string): Promise<DB> {
  return openDB<FsDB>(name, 2, {
    upgrade(db, oldVersion, _newVersion, tx) {
      if (oldVersion >= 1) {
        const old = tx as unknown as IDBPTransaction<unknown, string[], "versionchange">;
        old.objectStore("records").deleteIndex("coll");
        old.objectStore("records").deleteIndex("dirty");
        old.objectStore("record_scopes").deleteIndex("scope");
        return;
      }
      db.createObjectStore("meta");
      const r = db.createObjectStore("records", { keyPath: ["coll", "id"] });
      r.createIndex("coll_place", ["coll", "place"]);
      r.createIndex("coll_status", ["coll", "status"]);
      r.createIndex("coll_deadline", ["coll", "deadline"]);
      r.createIndex("coll_subdistrict", ["coll", "subdistrict"]);
      const s = db.createObjectStore("record_scopes", { keyPath: ["scope", "coll", "id"] });
      s.createIndex("record", ["coll", "id"]);
      s.createIndex("scope_stale", ["scope", "stale"]);
      db.createObjectStore("cursors", { keyPath: "scope" });
      const o = db.createObjectStore("outbox", { keyPath: "mid" });
      o.createIndex("record", ["coll", "id"]);
      o.createIndex("acked", "acked");
      db.createObjectStore("issues", { keyPath: "n", autoIncrement: true });
      const p = db.createObjectStore("photos", { keyPath: "sha256" });
      p.createIndex("state", "state");
      db.createObjectStore("locks", { keyPath: "name" });
    },
  });
}

/** The primary keys of a collection's records: [coll, id] for every id ([] sorts after every string). */
export const collKeys = (coll: string) => IDBKeyRange.bound([coll], [coll, []]);
/** The primary keys of a scope's rows: [scope, coll, id]. */
export const scopeKeys = (scope: string) => IDBKeyRange.bound([scope], [scope, []]);

/** Applies a mutation's expected effect to data. Commands have none locally: only the server knows their rules. */
export function applyMutation(m: Omit<Mutation, "mid">, data: Record<string, unknown> | null): Record<string, unknown> | null {
  switch (m.op) {
    case "create":
      return { ...(data ?? { id: m.id }), ...m.data };
    case "patch":
      return data && { ...data, ...m.set };
    case "void":
      return data && { ...data, voided: true };
    default:
      return data;
  }
}

/**
 * Recomputes the local copy of a record from its base and its unsettled mutations, and
 * deletes it when nothing holds it any more: no scope the server put it in, and no unsettled
 * mutation. Every change of base, scopes or outbox ends with a rebuild. Its three reads go out
 * together: a request's answer comes back from the browser's storage process, and waiting for
 * each in turn is what made a store slow.
 */
export async function rebuild(tx: Tx, coll: string, id: string): Promise<void> {
  const [rec, queued, scopes] = await Promise.all([
    tx.objectStore("records").get([coll, id]),
    tx.objectStore("outbox").index("record").getAll([coll, id]),
    tx.objectStore("record_scopes").index("record").count([coll, id]),
  ]);
  const next = compose(coll, id, rec?.v ?? 0, rec?.base ?? null, queued, scopes > 0);
  if (next) await tx.objectStore("records").put(next);
  else if (rec) await tx.objectStore("records").delete([coll, id]);
}

/**
 * The stored record made of base (at server version v) and the record's queued mutations, or
 * null when nothing holds it: no scope (scoped) and no unsettled mutation.
 */
export function compose(coll: string, id: string, v: number, base: Record<string, unknown> | null, queued: OutboxEntry[], scoped: boolean): StoredRecord | null {
  const muts = queued.filter((o) => o.acked === 0 || o.v > v).sort((a, b) => a.mid - b.mid);
  let data: Record<string, unknown> | null = base ? { ...base } : null;
  for (const o of muts) data = applyMutation(o.m, data);
  if (!data || (!scoped && muts.length === 0)) return null;
  const rec: StoredRecord = { coll, id, v, base };
  if (muts.length > 0 || !base) rec.data = data;
  if (muts.some((o) => o.acked === 0)) rec.dirty = 1;
  for (const f of ["place", "status", "deadline", "subdistrict"] as const) {
    const value = data[f];
    if (typeof value === "string" && value !== "") rec[f] = value;
  }
  return rec;
}

/** Rebuilds the records of keys (recordKey), their requests interleaved. */
export async function rebuildAll(tx: Tx, keys: Iterable<string>): Promise<void> {
  await Promise.all([...new Set(keys)].map((k) => {
    const [coll, id] = JSON.parse(k) as [string, string];
    return rebuild(tx, coll, id);
  }));
}

/** The outbox, by record (recordKey): what a batch of rebuilds reads once instead of per record. */
export async function outboxByRecord(tx: Tx): Promise<Map<string, OutboxEntry[]>> {
  const out = new Map<string, OutboxEntry[]>();
  for (const o of await tx.objectStore("outbox").getAll()) {
    const k = recordKey(o.coll, o.id);
    const list = out.get(k);
    if (list) list.push(o);
    else out.set(k, [o]);
  }
  return out;
}

export const recordKey = (coll: string, id: string) => JSON.stringify([coll, id]);

/**
 * Drops the acknowledged mutations whose change every scope's cursor has passed: the pulls
 * since brought their effect into the bases, so the local copies no longer replay them.
 */
export async function settle(tx: Tx): Promise<void> {
  const cursors = await tx.objectStore("cursors").getAll();
  if (cursors.length === 0) return;
  const low = Math.min(...cursors.map((c) => c.cursor));
  const touched = new Set<string>();
  const deletes: Promise<void>[] = [];
  for (const o of await tx.objectStore("outbox").index("acked").getAll(1)) {
    if (o.seq <= low) {
      deletes.push(tx.objectStore("outbox").delete(o.mid));
      touched.add(recordKey(o.coll, o.id));
    }
  }
  await Promise.all(deletes);
  await rebuildAll(tx, touched);
}

/**
 * Brings the outbox in line with last, the last mid the server applied for this client:
 * pending mids up to last were applied though their answer was lost (they leave); acked mids
 * after last were lost by a server restored from a backup (queued again); the queue is
 * renumbered to follow last without a gap.
 */
export async function realign(tx: Tx, last: number): Promise<void> {
  const outbox = tx.objectStore("outbox");
  const all = (await outbox.getAll()).sort((a, b) => a.mid - b.mid);
  const touched = new Set<string>();
  const keep: OutboxEntry[] = [];
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
  const m = (await meta.get("meta"))!;
  await meta.put({ ...m, next_mid: next, acked_mid: last }, "meta");
  await rebuildAll(tx, touched);
}
