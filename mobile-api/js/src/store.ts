// The local store in IndexedDB, through idb (a 1 kB promise wrapper that keeps IndexedDB's own
// transactions: every local operation below is one readwrite transaction over the stores it
// touches, so a tab killed at any moment reopens a consistent store).
//
// A record keeps two copies of its data, as the Go reference client does: base, the server's
// data at version v, and data, what the inspector sees (base with the unsettled mutations of
// the outbox replayed on top). A pull only ever writes base; data is rebuilt. data is stored
// only when it differs from base (the record has unsettled mutations).
//
// Records live in blocks (Block): each IndexedDB value holds the records of a collection
// whose ids fall in one of 64 buckets, with, per record, the scopes the server put it in and
// the version each delivered. The browser's cost of storing is per value, not per byte.
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from "idb";
import type { Mutation, Result } from "./wire.js";

/** A record as the app reads it, with its key. */
export interface StoredRecord extends Slot {
  coll: string;
  id: string;
}

/**
 * A record inside its block. base is the server's data at version v; data is base with the
 * unsettled mutations replayed, stored only when it differs from base.
 */
export interface Slot {
  /** The server version base is at; 0 for a record only created locally. */
  v: number;
  base: Record<string, unknown> | null;
  /** base with the unsettled mutations replayed; absent when there are none (then it is base). */
  data?: Record<string, unknown>;
  /** 1 while an edit waits to be pushed; absent otherwise. */
  dirty?: 1;
  /** The scopes the server put the record in, each with the version it delivered (what its checksum counts). */
  sc?: Record<string, number>;
  /** The scopes whose fresh download (added, reset, healed) has not sent the record again yet. */
  stale?: Record<string, 1>;
}

/** What the app reads of a stored record: base with the unsettled mutations. */
export const dataOf = (r: Slot): Record<string, unknown> => (r.data ?? r.base)!;

/**
 * The records of a collection whose ids hash to bucket b (blockOf). One IndexedDB value holds
 * many records: the browser pays per value written (its storage process commits each one
 * with its index entries), about 110-170 µs in Chromium, while cloning a value costs a few
 * µs per record in it (docs/notes/i14-sdk4.md has the measurements).
 */
export interface Block {
  coll: string;
  b: number;
  r: Record<string, Slot>;
}

/**
 * How many blocks a collection's records are spread over. More blocks cost a first sync more
 * values; bigger ones cost a delta more bytes per changed record, and Chromium stores a value
 * over 64 KB (serialized) as a blob file of its own. At 64, the 10,844 records of the
 * benchmark's 万寿路 inspector take 917 blocks, the largest about 34 KB.
 */
export const buckets = 64;

/** The bucket of a record id: FNV-1a 32 of its UTF-16 code units, mod buckets. */
export function blockOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % buckets;
}

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
  blocks: { key: [string, number]; value: Block };
  /**
   * sum: the scope's checksum kept up to date with its members (RunningSum), so that a scope
   * at its head is checked without reading them; absent while unknown (stored by version 2
   * before it was kept), then the head computes it from the records once.
   * sweep: 1 while a fresh download of the scope (added, reset, healed) has stale members to
   * drop at its head; absent when it has none (a first download into an empty store).
   */
  cursors: { key: string; value: { scope: string; cursor: number; floor: number; sum?: string; sweep?: 1 } };
  outbox: { key: number; value: OutboxEntry; indexes: { record: [string, string]; acked: number } };
  issues: { key: number; value: StoredIssue };
  photos: { key: string; value: PhotoEntry; indexes: { state: string } };
  locks: { key: string; value: { name: string; owner: string; until: number } };
}

export type DB = IDBPDatabase<FsDB>;
export type Names = StoreNames<FsDB>;
export type Tx = IDBPTransaction<FsDB, Names[], "readwrite">;

export const allStores: Names[] = ["meta", "blocks", "cursors", "outbox", "issues", "photos", "locks"];

/**
 * Opens the store, creating or upgrading it. Version 3 keeps records in blocks (Block) with
 * their scope membership inside them, where version 2 had a value per record with four index
 * entries and a record_scopes value per record and scope: a first sync of 10,800 records wrote
 * 21,700 values and their index entries, now a few hundred. The upgrade from 1 or 2 moves the
 * records and their scopes into blocks in the upgrade's own transaction (a failure leaves the
 * old store as it was); the outbox, photos, issues, cursors and meta are kept as they are.
 */
export function openStore(name: string, onBlocking?: () => void): Promise<DB> {
  return openDB<FsDB>(name, 3, {
    // A newer version of the app (another tab, or this one after an update) asks to upgrade the
    // store: an open connection blocks the upgrade until it closes, so this one steps aside and
    // says so (onBlocking closes it). Version 2 did not, which is why an open v2 tab holds up
    // the upgrade to 3 until it is closed.
    blocking: () => onBlocking?.(),
    upgrade(db, oldVersion, _newVersion, tx) {
      db.createObjectStore("blocks");
      if (oldVersion >= 1) {
        void moveToBlocks(tx as unknown as IDBPTransaction<unknown, string[], "versionchange">, db as unknown as IDBPDatabase<unknown>);
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
    },
  });
}

/** A record as version 1 and 2 stored it, and its scope row. */
interface OldRecord { coll: string; id: string; v: number; base: Record<string, unknown> | null; data?: Record<string, unknown>; dirty?: 1 | 0 }
interface OldScopeRow { scope: string; coll: string; id: string; stale?: 1 | 0; v?: number }

/** The upgrade to version 3: records and their scope rows into blocks, then the old stores go. */
async function moveToBlocks(tx: IDBPTransaction<unknown, string[], "versionchange">, db: IDBPDatabase<unknown>): Promise<void> {
  try {
    const [recs, rows] = await Promise.all([
      tx.objectStore("records").getAll() as Promise<OldRecord[]>,
      tx.objectStore("record_scopes").getAll() as Promise<OldScopeRow[]>,
    ]);
    const blocks = new Map<string, Block>();
    const slots = new Map<string, Slot>();
    for (const r of recs) {
      const slot: Slot = { v: r.v, base: r.base };
      if (r.data) slot.data = r.data;
      if (r.dirty) slot.dirty = 1;
      slots.set(recordKey(r.coll, r.id), slot);
      const k = JSON.stringify([r.coll, blockOf(r.id)]);
      let b = blocks.get(k);
      if (!b) blocks.set(k, (b = { coll: r.coll, b: blockOf(r.id), r: {} }));
      b.r[r.id] = slot;
    }
    for (const row of rows) {
      const slot = slots.get(recordKey(row.coll, row.id));
      if (!slot) continue; // a row without its record held nothing: rebuild had deleted it
      (slot.sc ??= {})[row.scope] = row.v ?? slot.v;
      if (row.stale) (slot.stale ??= {})[row.scope] = 1;
    }
    for (const b of blocks.values()) void tx.objectStore("blocks").put(b, [b.coll, b.b]);
    db.deleteObjectStore("records");
    db.deleteObjectStore("record_scopes");
    // A scope whose rows were stale when the old store was closed mid-download sweeps them at its head.
    const stale = new Set(rows.filter((r) => r.stale).map((r) => r.scope));
    const cursors = tx.objectStore("cursors");
    for (const sc of stale) {
      const cur = (await cursors.get(sc)) as { scope: string } | undefined;
      if (cur) void cursors.put({ ...cur, sweep: 1 });
    }
  } catch {
    // Opening then fails with the aborted upgrade, and the version 2 store stays as it was.
    try { tx.abort(); } catch { /* already aborted */ }
  }
}

/** The primary keys of a collection's blocks. */
export const collBlocks = (coll: string) => IDBKeyRange.bound([coll, 0], [coll, buckets]);

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
 * The blocks a transaction read, changed in memory and written back once when it ends
 * (flush): a page of 5,000 pulled records changes each of a collection's blocks many times
 * and writes it once. Every read and write of records in a transaction goes through its
 * Records (recordsOf), so that what one step wrote is what the next reads.
 */
export class Records {
  private blocks = new Map<string, Block | undefined>();
  private changed = new Set<string>();
  /** Whether the store held no block when this transaction began (counted once). */
  private empty: boolean | undefined;

  constructor(private readonly tx: Tx) {}

  private static key(coll: string, b: number): string { return coll + "\u0000" + b; }

  /**
   * Reads the blocks of these records that are not read yet: none when the store is empty
   * (one count), a collection's blocks with one request when most of them are wanted (a
   * download's page), else one request per block, all at once (a delta: reading the whole
   * collection for ten changed records would clone every record of it).
   */
  async load(records: Iterable<[string, string]>): Promise<void> {
    const want = new Map<string, [string, number]>();
    for (const [coll, id] of records) {
      const b = blockOf(id), k = Records.key(coll, b);
      if (!this.blocks.has(k)) want.set(k, [coll, b]);
    }
    if (want.size === 0) return;
    this.empty ??= (await this.tx.objectStore("blocks").count()) === 0;
    if (this.empty) {
      for (const k of want.keys()) this.blocks.set(k, undefined);
      return;
    }
    const byColl = new Map<string, [string, number][]>();
    for (const kb of want.values()) {
      const list = byColl.get(kb[0]);
      if (list) list.push(kb);
      else byColl.set(kb[0], [kb]);
    }
    const store = this.tx.objectStore("blocks");
    await Promise.all([...byColl].map(async ([coll, list]) => {
      if (list.length > buckets / 2) {
        for (const b of await store.getAll(collBlocks(coll))) if (!this.blocks.has(Records.key(coll, b.b))) this.blocks.set(Records.key(coll, b.b), b);
        for (const [c, b] of list) if (!this.blocks.has(Records.key(c, b))) this.blocks.set(Records.key(c, b), undefined);
      } else {
        await Promise.all(list.map(async ([c, b]) => {
          const block = await store.get([c, b]);
          if (!this.blocks.has(Records.key(c, b))) this.blocks.set(Records.key(c, b), block);
        }));
      }
    }));
  }

  /** Reads every block (a scope's checksum, a sweep of its stale members, revocation). */
  async loadAll(): Promise<void> {
    for (const b of await this.tx.objectStore("blocks").getAll()) {
      const k = Records.key(b.coll, b.b);
      if (!this.blocks.has(k)) this.blocks.set(k, b);
    }
    this.empty = false;
  }

  /** Every record of the blocks read (after loadAll: every record). */
  *all(): Generator<StoredRecord> {
    for (const block of this.blocks.values()) {
      if (block) for (const [id, slot] of Object.entries(block.r)) yield { coll: block.coll, id, ...slot };
    }
  }

  /** A record of a block read by load; undefined when there is none. */
  get(coll: string, id: string): Slot | undefined {
    const k = Records.key(coll, blockOf(id));
    if (!this.blocks.has(k)) throw new Error(`store: ${coll}/${id} read before its block was loaded`);
    return this.blocks.get(k)?.r[id];
  }

  /** Stores (or deletes, with null) a record of a block read by load. */
  set(coll: string, id: string, slot: Slot | null): void {
    const b = blockOf(id), k = Records.key(coll, b);
    if (!this.blocks.has(k)) throw new Error(`store: ${coll}/${id} written before its block was loaded`);
    let block = this.blocks.get(k);
    if (!slot) {
      if (!block || !(id in block.r)) return;
      delete block.r[id];
    } else {
      if (!block) this.blocks.set(k, (block = { coll, b, r: {} }));
      block.r[id] = slot;
    }
    this.changed.add(k);
  }

  /** Marks a record's block changed after its slot was changed in place. */
  touch(coll: string, id: string): void { this.changed.add(Records.key(coll, blockOf(id))); }

  /** Writes the changed blocks (an emptied block is deleted). */
  async flush(): Promise<void> {
    const store = this.tx.objectStore("blocks");
    const writes: Promise<unknown>[] = [];
    for (const k of this.changed) {
      const block = this.blocks.get(k)!;
      writes.push(Object.keys(block.r).length > 0 ? store.put(block, [block.coll, block.b]) : store.delete([block.coll, block.b]));
    }
    this.changed.clear();
    await Promise.all(writes);
  }
}

const recordsByTx = new WeakMap<object, Records>();

/** The Records of a transaction; flushRecords writes what it changed before the transaction ends. */
export function recordsOf(tx: Tx): Records {
  let r = recordsByTx.get(tx);
  if (!r) recordsByTx.set(tx, (r = new Records(tx)));
  return r;
}

export async function flushRecords(tx: Tx): Promise<void> {
  await recordsByTx.get(tx)?.flush();
}

const held = (s: Slot | undefined) => s?.sc !== undefined && Object.keys(s.sc).length > 0;

/**
 * Recomputes the local copy of a record from its base and its unsettled mutations, and
 * deletes it when nothing holds it any more: no scope the server put it in, and no unsettled
 * mutation. Every change of base, scopes or outbox ends with a rebuild.
 */
export async function rebuild(tx: Tx, coll: string, id: string): Promise<void> {
  await rebuildAll(tx, [recordKey(coll, id)]);
}

/**
 * The stored record made of base (at server version v) and the record's queued mutations, or
 * null when nothing holds it: no scope (scoped) and no unsettled mutation. Its scopes are the
 * caller's to keep.
 */
export function compose(v: number, base: Record<string, unknown> | null, queued: OutboxEntry[], scoped: boolean): Slot | null {
  const muts = queued.filter((o) => o.acked === 0 || o.v > v).sort((a, b) => a.mid - b.mid);
  let data: Record<string, unknown> | null = base;
  for (const o of muts) data = applyMutation(o.m, data);
  if (!data || (!scoped && muts.length === 0)) return null;
  const rec: Slot = { v, base };
  if (muts.length > 0 || !base) rec.data = data;
  if (muts.some((o) => o.acked === 0)) rec.dirty = 1;
  return rec;
}

/** compose over a stored record, keeping its scopes; null deletes it. */
export function recompose(old: Slot | undefined, queued: OutboxEntry[]): Slot | null {
  const next = compose(old?.v ?? 0, old?.base ?? null, queued, held(old));
  if (next && old?.sc) next.sc = old.sc;
  if (next && old?.stale) next.stale = old.stale;
  return next;
}

/** Rebuilds the records of keys (recordKey): their blocks and queued mutations read together. */
export async function rebuildAll(tx: Tx, keys: Iterable<string>): Promise<void> {
  const list = [...new Set(keys)].map((k) => JSON.parse(k) as [string, string]);
  if (list.length === 0) return;
  const recs = recordsOf(tx);
  // Many records: the whole outbox in one read beats a read of its index per record.
  const [, queued] = await Promise.all([
    recs.load(list),
    list.length > 20
      ? outboxByRecord(tx).then((byRec) => list.map(([c, i]) => byRec.get(recordKey(c, i)) ?? []))
      : Promise.all(list.map((k) => tx.objectStore("outbox").index("record").getAll(k))),
  ]);
  list.forEach(([coll, id], n) => recs.set(coll, id, recompose(recs.get(coll, id), queued[n]!)));
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
