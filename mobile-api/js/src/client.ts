// The sync client: sign-in, registration, push, pull, local edits and reads, issues. The Go
// reference client (mobile-api/client) is the reference for every behaviour here.
import { ServerError, RevokedError, SignedOutError, SchemaMismatchError, DriftError, OfflineError } from "./errors.js";
import { checksumOf, RunningSum } from "./checksum.js";
import { SyncLock } from "./lock.js";
import { openStore, rebuild, rebuildAll, compose, dataOf, blockOf, collBlocks, recordsOf, flushRecords, outboxByRecord, recordKey, settle, realign, allStores, type DB, type Tx, type Meta, type Slot, type StoredIssue, type OutboxEntry } from "./store.js";
import { SCHEMA_VERSION, changed, noteworthy, type ClientResponse, type ErrorBody, type Limits, type Mutation, type PullResponse, type PushResponse, type Result, type Scope, type ScopeRequest, type ScopeResponse } from "./wire.js";
import type { Collection, RecordOf } from "./records.gen.js";
import { fieldMessage } from "./messages.js";

export interface Config {
  /** The server, e.g. "https://fieldsync.example.org". IndexedDB is the global one (in Node, load fake-indexeddb/auto first). */
  baseURL: string;
  /** The IndexedDB database name; one per signed-in installation. Default "fieldsync". */
  dbName?: string;
  /** This installation's id; generated and stored on first open when absent. */
  clientId?: string;
  appVersion?: string;
  fetch?: typeof fetch;
  /** The device clock (device_time of mutations); default Date.now. */
  now?: () => number;
  /** How the SDK waits before it sends again (a busy server's wait, a photo chunk's backoff); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Caps below the server's limits (the rows of one pull, the mutations of one push). */
  pullRows?: number;
  maxPush?: number;
}

/** A local record as the app sees it: the server's data with the inspector's unsent edits. */
export interface LocalRecord<T = Record<string, unknown>> {
  coll: string;
  id: string;
  /** The server version the copy is based on; 0 until the server has sent it. */
  v: number;
  data: T;
  /** True while an edit of it waits to be pushed. */
  dirty: boolean;
}

/** A mutation the server did not apply as sent, kept with what the inspector typed. */
export interface Issue {
  mid: number;
  coll: string;
  id: string;
  result: Result;
  op: string;
  name?: string;
  /** What the inspector sent: a create's data, a patch's set, a command's args. */
  data?: Record<string, unknown>;
  /**
   * Per rejected field: its code and the server's message for it (message, Chinese then
   * English, unchanged) split into zh and en. Outcomes stored by a server that sent codes
   * only get the SDK's own message for the code (fieldMessage).
   */
  fields: { field: string; code: string; message: string; zh: string; en: string }[];
  /** The server's message for the whole outcome (result.message) in Chinese and in English; empty when it sent none. */
  zh: string;
  en: string;
}

export interface PullReport { changes: number; added: Scope[]; removed: Scope[]; reset: Scope[]; healed: Scope[] }
export interface PushReport { results: Result[] }

export interface Events {
  /** Local records changed (a pull, an outcome, a local edit): re-read what is on screen. */
  change: { colls: string[] };
  /** The server answered a mutation. */
  outcome: Result;
  /** A conflict, rejection or quarantine to show the inspector. */
  issue: Issue;
  /** The installation was revoked: syncing stopped, the server's data was wiped. */
  revoked: { unsent: number };
  /** The token was refused: ask for the password. */
  signedout: Record<string, never>;
  /**
   * A sync began or ended (error set when it failed), or the server answered a push 503
   * sync_busy: "busy" says the SDK waits retryAfter seconds (plus up to half again) before it
   * sends the same edits again; they stay in the outbox meanwhile.
   */
  sync: { state: "start" | "done" | "error" | "busy"; error?: unknown; retryAfter?: number };
  /**
   * Photo upload progress: the bytes the server holds. With state "busy" the server answered
   * the completing chunk 503 server_busy (every decode slot taken; the bytes are kept): the SDK
   * waits retryAfter seconds (plus up to half again) and completes the upload then.
   */
  progress: { sha256: string; record: string; sent: number; size: number; state?: "busy"; retryAfter?: number };
  /** The device went online or offline. */
  network: { online: boolean };
  /**
   * A newer version of the app opened the store (another tab, or an update): this client closed
   * its connection so that the store's upgrade can run, and can no longer read or sync. Reload
   * the page (the new version opens the upgraded store, outbox and unsent edits intact).
   */
  outdated: Record<string, never>;
}

/** How many times one push (or a photo's completing chunk) is sent again after 503 sync_busy (server_busy) before the error reaches the app. */
export const busyRetries = 5;

/**
 * The milliseconds to wait after a 503 busy answer that told retryAfter seconds: those, plus
 * up to half of them again at random, so that phones turned away together do not return
 * together.
 */
export function busyWait(retryAfter: number): number {
  return retryAfter * 1000 * (1 + Math.random() / 2);
}

/** The seconds a 503 busy answer's body says to wait (data.retry_after), at least 1. */
export function retryAfterOf(data: Record<string, unknown> | undefined): number {
  return Math.max(1, Number(data?.retry_after) || 1);
}

type Listener<K extends keyof Events> = (e: Events[K]) => void;

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

/** n random lowercase letters and digits, each equally likely (Web Crypto). */
export function randomId(n = 15): string {
  let out = "";
  while (out.length < n) {
    for (const b of crypto.getRandomValues(new Uint8Array(2 * n))) {
      if (b < 252 && out.length < n) out += idAlphabet[b % 36]; // 252 = 7*36: no modulo bias
    }
  }
  return out;
}

export class Client {
  readonly lock: SyncLock;
  private limits: Limits | null = null;
  private listeners = new Map<keyof Events, Set<(e: never) => void>>();
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  /** Waits ms milliseconds (Config.sleep). */
  readonly sleep: (ms: number) => Promise<void>;

  private constructor(readonly cfg: Config, readonly db: DB, readonly id: string) {
    this.fetch = cfg.fetch ?? globalThis.fetch.bind(globalThis);
    this.now = cfg.now ?? Date.now;
    this.sleep = cfg.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.lock = new SyncLock(db, `fieldsync-sync:${cfg.dbName ?? "fieldsync"}`);
  }

  /** Opens (creating if needed) the local store and asks the browser to keep it through storage pressure. */
  static async open(cfg: Config): Promise<Client> {
    let opened: Client | undefined;
    const db: DB = await openStore(cfg.dbName ?? "fieldsync", () => {
      db.close();
      opened?.emit("outdated", {});
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
    // Without it, a browser under storage pressure may evict the outbox with the cache.
    await globalThis.navigator?.storage?.persist?.().catch(() => false);
    opened = new Client(cfg, db, meta.client_id);
    return opened;
  }

  close(): void { this.db.close(); }

  on<K extends keyof Events>(type: K, f: Listener<K>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(f as (e: never) => void);
    return () => set!.delete(f as (e: never) => void);
  }

  /** Tells the app's listeners (the photo uploader and the live loop emit through it too). */
  emit<K extends keyof Events>(type: K, e: Events[K]): void {
    for (const f of this.listeners.get(type) ?? []) (f as Listener<K>)(e);
  }

  async meta(): Promise<Meta> { return (await this.db.get("meta", "meta"))!; }

  private async setMeta(change: Partial<Meta>): Promise<void> {
    const tx = this.db.transaction("meta", "readwrite");
    await tx.store.put({ ...(await tx.store.get("meta"))!, ...change }, "meta");
    await tx.done;
  }

  // ---- signing in ----

  /** Signs in with PocketBase's password auth and keeps the token in the store. */
  async signIn(email: string, password: string): Promise<void> {
    const res = await this.send<{ token: string; record: { id: string } }>("POST", "/api/collections/users/auth-with-password", { identity: email, password }, false);
    await this.setMeta({ token: res.token, user: res.record.id, revoked: false });
  }

  /** Uses a token obtained elsewhere (e.g. by the app's own sign-in screen). */
  async useToken(token: string, user = ""): Promise<void> { await this.setMeta({ token, user }); }

  /** Refreshes the token when it expires within ten minutes (PocketBase's auth-refresh). */
  private async freshToken(): Promise<string> {
    const { token } = await this.meta();
    const exp = tokenExpiry(token);
    if (token && exp && exp * 1000 - this.now() < 10 * 60_000) {
      const res = await this.send<{ token: string }>("POST", "/api/collections/users/auth-refresh", undefined, true, token);
      await this.setMeta({ token: res.token });
      return res.token;
    }
    return token;
  }

  // ---- HTTP ----

  /** Sends a JSON request with the installation header; turns errors into typed ones. */
  async send<T>(method: string, path: string, body?: unknown, auth = true, token?: string): Promise<T> {
    const sent = auth ? (token ?? (await this.freshToken())) : "";
    const res = await this.raw(method, path, { body: body === undefined ? undefined : JSON.stringify(body), headers: body === undefined ? {} : { "Content-Type": "application/json" } }, auth, sent);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new OfflineError(e); // the connection broke off during the answer
    }
    if (!res.ok) throw await this.answerError(res.status, text, sent);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** One request with the installation's headers; a failed connection is an OfflineError. */
  async raw(method: string, path: string, init: { body?: BodyInit | undefined; headers?: Record<string, string>; signal?: AbortSignal }, auth = true, token?: string): Promise<Response> {
    const headers: Record<string, string> = { "X-Fieldsync-Client": this.id, ...init.headers };
    if (auth) {
      const t = token ?? (await this.freshToken());
      if (t) headers.Authorization = t;
    }
    try {
      return await this.fetch(this.cfg.baseURL.replace(/\/$/, "") + path, { method, body: init.body ?? null, headers, signal: init.signal ?? null });
    } catch (e) {
      throw new OfflineError(e);
    }
  }

  /** Turns an error answer into a typed error; sent is the token the request carried. */
  private async answerError(status: number, text: string, sent: string): Promise<Error> {
    let body: ErrorBody | null = null;
    try { body = JSON.parse(text) as ErrorBody; } catch { /* not JSON: keep the text */ }
    const code = body?.code ?? `http_${status}`;
    const message = body?.message ?? text;
    if (code === "client_revoked") {
      await this.revoked();
      return new RevokedError(status, code, message);
    }
    if (status === 401) {
      // Only the token the server refused is forgotten: a request sent before a new sign-in
      // (another user's, after an expiry) answered late must not sign the new one out.
      if ((await this.meta()).token === sent) {
        await this.setMeta({ token: "" });
        this.emit("signedout", {});
      }
      return new SignedOutError(status, code, message);
    }
    if (code === "mid_gap") return new GapError(body!.expected_mid ?? 0, body!.results ?? []);
    return new ServerError(status, code, message, body?.data);
  }

  /**
   * A revoked installation stops, tells the app and wipes what it must not keep: every record
   * the server sent, the scopes and cursors, the token. Unsent edits and photos stay (the
   * contract: they may be work nobody else has) until the app calls wipe().
   */
  private async revoked(): Promise<void> {
    const tx = this.db.transaction(allStores, "readwrite");
    const meta = (await tx.objectStore("meta").get("meta"))!;
    await tx.objectStore("meta").put({ ...meta, token: "", revoked: true }, "meta");
    await tx.objectStore("cursors").clear();
    await tx.objectStore("issues").clear();
    for (const p of await tx.objectStore("photos").getAll()) if (p.state !== "queued") await tx.objectStore("photos").delete(p.sha256);
    // Every record loses what the server sent (its base and scopes); rebuilding keeps what
    // unsent creates make of nothing.
    const store = recordsOf(tx as unknown as Tx);
    await store.loadAll();
    const recs = [...store.all()];
    for (const r of recs) store.set(r.coll, r.id, null);
    await rebuildAll(tx as unknown as Tx, recs.map((r) => recordKey(r.coll, r.id)));
    await flushRecords(tx as unknown as Tx);
    const unsent = await tx.objectStore("outbox").index("acked").count(0);
    await tx.done;
    this.emit("revoked", { unsent });
    this.emit("change", { colls: [...new Set(recs.map((r) => r.coll))] });
  }

  /** Deletes the whole local store's contents, unsent edits included (sign-out, or after revocation). */
  async wipe(): Promise<void> {
    const tx = this.db.transaction(allStores, "readwrite");
    const meta = (await tx.objectStore("meta").get("meta"))!;
    for (const s of allStores) await tx.objectStore(s).clear();
    await tx.objectStore("meta").put({ ...meta, token: "", user: "", next_mid: meta.next_mid, acked_mid: meta.acked_mid }, "meta");
    await tx.done;
  }

  // ---- registration ----

  /** Announces the installation and realigns the outbox with the server's last mid. */
  async register(): Promise<ClientResponse> {
    if ((await this.meta()).revoked) throw new RevokedError(403, "client_revoked", "revoked");
    const res = await this.send<ClientResponse>("POST", "/api/sync/v1/clients", { client_id: this.id, app_version: this.cfg.appVersion ?? "", schema_version: SCHEMA_VERSION });
    if (res.schema_version !== SCHEMA_VERSION) throw new SchemaMismatchError(SCHEMA_VERSION, res.schema_version);
    await this.inTx(async (tx) => realign(tx, res.last_mid));
    this.limits = res.limits;
    return res;
  }

  private async registered(): Promise<Limits> {
    if (!this.limits) await this.register();
    return this.limits!;
  }

  /** Runs f in one readwrite transaction over every store; if f fails, nothing it wrote stays. */
  private async inTx<T>(f: (tx: Tx) => Promise<T>): Promise<T> {
    const tx = this.db.transaction(allStores, "readwrite") as unknown as Tx;
    try {
      const out = await f(tx);
      await flushRecords(tx);
      await tx.done;
      return out;
    } catch (e) {
      tx.done.catch(() => undefined);
      try { tx.abort(); } catch { /* already finished or aborted */ }
      throw e;
    }
  }

  // ---- sync ----

  /** Pushes the outbox, then pulls; never runs twice at once, in this tab or another. */
  sync(): Promise<{ push: PushReport; pull: PullReport }> {
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

  push(): Promise<PushReport> { return this.lock.run(() => this.pushNow()); }
  pull(): Promise<PullReport> { return this.lock.run(() => this.pullNow()); }

  private async pushNow(): Promise<PushReport> {
    const limits = await this.registered();
    const rep: PushReport = { results: [] };
    let lastGap = -1;
    for (;;) {
      const batch = await this.pending(Math.max(1, Math.min(limits.max_mutations || Infinity, this.cfg.maxPush || Infinity)), (limits.max_body_bytes * 3) / 4);
      if (batch.length === 0) return rep;
      let results: Result[];
      let gap: GapError | null = null;
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
      if (!gap && results[0]!.mid !== batch[0]!.mid) throw new Error(`push: server answered mid ${results[0]!.mid} to mid ${batch[0]!.mid}`);
    }
  }

  /**
   * Sends one push. While the server answers 503 sync_busy (its writer's queue is full), waits
   * the wait it gives (data.retry_after: a page of another origin cannot read Retry-After),
   * plus up to half again at random so that phones turned away together do not return
   * together, and sends the same mids again, at most busyRetries times; then the ServerError
   * (code sync_busy) reaches the app, the edits still in the outbox.
   */
  private async sendPush(batch: Mutation[]): Promise<PushResponse> {
    for (let tries = 0; ; tries++) {
      try {
        return await this.send<PushResponse>("POST", "/api/sync/v1/push", { client_id: this.id, sent_at: new Date(this.now()).toISOString(), mutations: batch });
      } catch (e) {
        if (!(e instanceof ServerError) || e.code !== "sync_busy" || tries >= busyRetries) throw e;
        const retryAfter = retryAfterOf(e.data);
        this.emit("sync", { state: "busy", retryAfter });
        await this.sleep(busyWait(retryAfter));
      }
    }
  }

  /** The first unsent mutations, at most n and about maxBytes: one read of the outbox's unsent index (mid order). */
  private async pending(n: number, maxBytes: number): Promise<Mutation[]> {
    const out: Mutation[] = [];
    let size = 0;
    for (const o of await this.db.getAllFromIndex("outbox", "acked", 0, Number.isFinite(n) ? n : undefined)) {
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
  private async pullNow(): Promise<PullReport> {
    const limits = await this.registered();
    const run = new PullRun();
    const rows = Math.min(limits.max_pull_rows || Infinity, this.cfg.pullRows || Infinity);
    const request = (scopes: Record<Scope, ScopeRequest>) => {
      const p = this.send<PullResponse>("POST", "/api/sync/v1/pull", { client_id: this.id, scopes, ...(Number.isFinite(rows) ? { limit_rows: rows } : {}) });
      p.catch(() => undefined); // a page asked for ahead may be dropped unread
      return p;
    };
    let scopes = await this.storedCursors();
    let next = request(scopes);
    for (;;) {
      const res = await next;
      const ahead = Object.values(res.scopes).some((sr) => sr.has_more) ? cursorsAfter(scopes, res) : null;
      if (ahead) next = request(ahead);
      const colls = new Set<string>();
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

  private async storedCursors(): Promise<Record<Scope, ScopeRequest>> {
    const scopes: Record<Scope, ScopeRequest> = {};
    for (const c of await this.db.getAll("cursors")) scopes[c.scope] = c.floor ? { cursor: c.cursor, floor: c.floor } : { cursor: c.cursor };
    return scopes;
  }

  // ---- local edits ----

  /** Creates a record locally with a new id and queues its creation; returns the id. */
  async create<C extends Collection>(coll: C, data: Partial<RecordOf[C]>): Promise<string> {
    const id = randomId(15);
    await this.enqueue({ op: "create", coll, id, data: data as Record<string, unknown> });
    return id;
  }

  /** Sets fields of a local record and queues the change, based on the server version held. */
  async patch<C extends Collection>(coll: C, id: string, set: Partial<RecordOf[C]>): Promise<void> {
    if (Object.keys(set).length === 0) throw new Error(`patch ${coll}/${id}: nothing to set`);
    await this.enqueue({ op: "patch", coll, id, set: set as Record<string, unknown> });
  }

  async void(coll: Collection, id: string): Promise<void> { await this.enqueue({ op: "void", coll, id }); }

  /** Queues a named workflow step such as "inspection.review@1"; its effect arrives with a pull. */
  async command(name: string, coll: Collection, id: string, args: Record<string, unknown> = {}): Promise<void> {
    await this.enqueue({ op: "cmd", name, coll, id, args });
  }

  /** Gives m the next mid (no gaps) and its record's base version, queues it and applies it locally, in one transaction. */
  private async enqueue(m: Omit<Mutation, "mid">): Promise<number> {
    m.device_time = new Date(this.now()).toISOString();
    const mid = await this.inTx(async (tx) => {
      if (m.op !== "create") {
        const recs = recordsOf(tx);
        await recs.load([[m.coll, m.id]]);
        const rec = recs.get(m.coll, m.id);
        if (!rec) throw new Error(`${m.op} ${m.coll}/${m.id}: record not found`);
        if (rec.v > 0) m.base_v = rec.v;
      }
      const meta = (await tx.objectStore("meta").get("meta"))!;
      await tx.objectStore("meta").put({ ...meta, next_mid: meta.next_mid + 1 }, "meta");
      await tx.objectStore("outbox").add({ mid: meta.next_mid, coll: m.coll, id: m.id, m, acked: 0, v: 0, seq: 0 });
      await rebuild(tx, m.coll, m.id);
      return meta.next_mid;
    });
    this.emit("change", { colls: [m.coll] });
    return mid;
  }

  // ---- local reads ----

  async get<C extends Collection>(coll: C, id: string): Promise<LocalRecord<RecordOf[C]> | undefined> {
    const slot = (await this.db.get("blocks", [coll, blockOf(id)]))?.r[id];
    return slot && local<RecordOf[C]>(coll, id, slot);
  }

  /**
   * A collection's records, optionally those with one field equal to a value (place, status,
   * subdistrict) or a deadline before a date; in order of that field, then of id. The
   * collection's blocks are read whole and filtered here: reading a block of records costs
   * the browser about what reading one record did.
   */
  async list<C extends Collection>(coll: C, by?: { place?: string; status?: string; subdistrict?: string; deadlineBefore?: string }): Promise<LocalRecord<RecordOf[C]>[]> {
    const rows: LocalRecord<RecordOf[C]>[] = [];
    for (const block of await this.db.getAll("blocks", collBlocks(coll))) {
      for (const [id, slot] of Object.entries(block.r)) rows.push(local<RecordOf[C]>(coll, id, slot));
    }
    const field = by?.place !== undefined ? "place" : by?.status !== undefined ? "status" : by?.subdistrict !== undefined ? "subdistrict" : by?.deadlineBefore !== undefined ? "deadline" : null;
    const of = (r: LocalRecord<RecordOf[C]>) => (r.data as unknown as Record<string, unknown>)[field!];
    const picked = field === null ? rows : rows.filter((r) => {
      const x = of(r);
      if (typeof x !== "string" || x === "") return false;
      return field === "deadline" ? x >= "0" && x < by!.deadlineBefore! : x === by![field as "place"];
    });
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    return picked.sort(field === "deadline" ? (a, b) => (of(a)! < of(b)! ? -1 : of(a)! > of(b)! ? 1 : byId(a, b)) : byId);
  }

  /** How many records the store holds, of one collection or of all. */
  async count(coll?: Collection): Promise<number> {
    let n = 0;
    for (const block of await this.db.getAll("blocks", coll ? collBlocks(coll) : undefined)) n += Object.keys(block.r).length;
    return n;
  }

  /** How many local edits wait to be pushed or answered. */
  async pendingCount(): Promise<number> { return this.db.countFromIndex("outbox", "acked", 0); }

  async scopes(): Promise<Scope[]> { return (await this.db.getAllKeys("cursors")).sort(); }

  /** The local checksum of a scope, as the server computes it. */
  async checksum(scope: Scope): Promise<string> {
    return this.inTx((tx) => scopeChecksum(tx, scope));
  }

  // ---- issues ----

  async issues(): Promise<Issue[]> { return (await this.db.getAll("issues")).map(toIssue); }

  async dismissIssue(mid: number): Promise<void> {
    const tx = this.db.transaction("issues", "readwrite");
    for (const is of await tx.store.getAll()) if (is.mid === mid) await tx.store.delete(is.n!);
    await tx.done;
  }

  /** Records a decision (acknowledge, accept, discard) on the server's sync issue and forgets the local ones pointing to it. */
  async resolveIssue(issueId: string, decision: "acknowledge" | "accept" | "discard"): Promise<void> {
    await this.send("POST", `/api/sync/v1/issues/${encodeURIComponent(issueId)}/resolve`, { decision });
    const tx = this.db.transaction("issues", "readwrite");
    for (const is of await tx.store.getAll()) if (is.result.issue === issueId) await tx.store.delete(is.n!);
    await tx.done;
  }
}

/** The server's 409 to a push whose mids skip ahead. */
export class GapError extends ServerError {
  constructor(readonly expected: number, readonly results: Result[]) {
    super(409, "mid_gap", `server expects mid ${expected}`);
  }
}

function local<T>(coll: string, id: string, r: Slot): LocalRecord<T> {
  return { coll, id, v: r.v, data: dataOf(r) as T, dirty: r.dirty === 1 };
}

function toIssue(is: StoredIssue): Issue {
  const m = is.mutation;
  return {
    mid: is.mid, coll: is.coll, id: is.id, result: is.result, op: m.op, ...(m.name ? { name: m.name } : {}),
    data: m.op === "patch" ? m.set : m.op === "cmd" ? m.args : m.data,
    fields: Object.entries(is.result.fields ?? {}).map(([field, code]) => {
      const message = is.result.messages?.[field];
      if (message === undefined) {
        const own = fieldMessage(field, code);
        return { field, code, message: `${own.zh} / ${own.en}`, ...own };
      }
      return { field, code, message, ...splitMessage(message) };
    }),
    ...splitMessage(is.result.message ?? ""),
  } as Issue;
}

/** Splits the server's "中文 / English" message at its separator; a message without one is both. */
function splitMessage(message: string): { zh: string; en: string } {
  const at = message.indexOf(" / ");
  return at < 0 ? { zh: message, en: message } : { zh: message.slice(0, at), en: message.slice(at + 3) };
}

function tokenExpiry(token: string): number | null {
  try {
    const part = token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/");
    return (JSON.parse(atob(part)) as { exp?: number }).exp ?? null;
  } catch {
    return null;
  }
}

/**
 * Stores the outcomes of a push; returns the issues to show. The requests of all outcomes go
 * out together, a step at a time (read the queued mutations, write their new state and the
 * issues, the acknowledged mid, the rebuilt records): one round trip to the browser's storage
 * per step rather than per step and outcome.
 */
async function recordOutcomes(tx: Tx, results: Result[]): Promise<Issue[]> {
  const outbox = tx.objectStore("outbox");
  const queued = await Promise.all(results.map((r) => outbox.get(r.mid)));
  const writes: Promise<unknown>[] = [];
  const issues: Promise<Issue>[] = [];
  const touched: string[] = [];
  const answered = new Set<number>();
  let last = 0;
  results.forEach((r, i) => {
    const o = queued[i];
    if (!o || o.acked === 1 || answered.has(r.mid)) return; // answered before
    answered.add(r.mid);
    writes.push(changed(r) ? outbox.put({ ...o, acked: 1, v: r.v ?? 0, seq: r.seq ?? 0 } as OutboxEntry) : outbox.delete(r.mid));
    if (noteworthy(r)) {
      const stored: StoredIssue = { mid: r.mid, coll: o.coll, id: o.id, result: r, mutation: o.m };
      issues.push(tx.objectStore("issues").add(stored).then((n) => toIssue({ ...stored, n })));
    }
    last = Math.max(last, r.mid);
    touched.push(recordKey(o.coll, o.id));
  });
  await Promise.all(writes);
  const out = await Promise.all(issues);
  if (touched.length > 0) {
    const meta = (await tx.objectStore("meta").get("meta"))!;
    await tx.objectStore("meta").put({ ...meta, acked_mid: Math.max(meta.acked_mid, last) }, "meta");
  }
  await rebuildAll(tx, touched);
  return out;
}

/** One pull across its requests. */
class PullRun {
  rep: PullReport = { changes: 0, added: [], removed: [], reset: [], healed: [] };
  private healedSet = new Set<Scope>();
  private resetSet = new Set<Scope>();
  drifted: Scope[] = [];

  /** Applies one answer, checks the checksums of scopes at their head; true when another request must follow. */
  async apply(tx: Tx, req: Record<Scope, ScopeRequest>, res: PullResponse, colls: Set<string>): Promise<{ more: boolean; restarted: boolean }> {
    let more = false, moved = false;
    for (const sc of Object.keys(res.scopes).sort()) {
      const sr = res.scopes[sc]!;
      await this.applyScope(tx, sc, sr, colls);
      more ||= sr.has_more;
      moved ||= sr.status !== "ok" || sr.changes.length > 0 || sr.cursor !== req[sc]?.cursor;
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
  private async check(tx: Tx, res: PullResponse): Promise<boolean> {
    let restarted = false;
    const cursors = tx.objectStore("cursors");
    for (const sc of Object.keys(res.scopes).sort()) {
      const sr = res.scopes[sc]!;
      if (sr.status === "removed" || sr.has_more || !sr.checksum) continue;
      const cur = (await cursors.get(sc))!;
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
      await cursors.put({ scope: sc, cursor: 0, floor: 0, sum, ...(sweep ? { sweep: 1 as const } : {}) });
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
  private async applyScope(tx: Tx, sc: Scope, sr: ScopeResponse, colls: Set<string>): Promise<void> {
    const cursors = tx.objectStore("cursors");
    if (sr.status === "removed") {
      this.rep.removed.push(sc);
      await cursors.delete(sc);
      await leaveScope(tx, sc, false, colls);
      return;
    }
    const cur = await cursors.get(sc);
    let sweep = cur?.sweep === 1;
    let marked = false;
    if (sr.status === "added") this.rep.added.push(sc);
    if (sr.status === "reset") {
      if (this.resetSet.has(sc)) throw new Error(`pull: scope ${sc}: reset again before its download ended`);
      this.resetSet.add(sc);
      this.rep.reset.push(sc);
    }
    if (sr.status === "added" || sr.status === "reset") marked = await markStale(tx, sc);
    sweep ||= marked;
    // A scope without a cursor row has no members, so its sum starts at zero; unless members
    // were found all the same (marked), which only its members can tell.
    const sum = cur ? RunningSum.parse(cur.sum) : marked ? null : new RunningSum();
    const recs = recordsOf(tx);
    const [, queued] = sr.changes.length === 0 ? [] : await Promise.all([recs.load(sr.changes.map((ch) => [ch.coll, ch.id])), outboxByRecord(tx)]);
    const removed: string[] = [];
    for (const ch of sr.changes) {
      const old = recs.get(ch.coll, ch.id);
      const oldV = old?.sc?.[sc];
      if (oldV !== undefined) sum?.toggle(ch.coll, ch.id, oldV);
      if (ch.op === "put") {
        if (!ch.data) throw new Error(`pull: ${sc} ${ch.coll}/${ch.id}: put without data`);
        // The new copy is the pulled data with the queued mutations replayed (the outbox read
        // once for the page), with the record's other scopes kept.
        const next = compose(ch.v, ch.data, queued!.get(recordKey(ch.coll, ch.id)) ?? [], true)!;
        next.sc = { ...old?.sc, [sc]: ch.v };
        const stale = without(old?.stale, sc);
        if (stale) next.stale = stale;
        recs.set(ch.coll, ch.id, next);
        sum?.toggle(ch.coll, ch.id, ch.v);
      } else if (ch.op === "remove") {
        if (old && oldV !== undefined) {
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
      for (const s of await leaveScope(tx, sc, true, colls)) sum?.toggle(s.coll, s.id, s.v);
      sweep = false;
    }
    await cursors.put({ scope: sc, cursor: sr.cursor, floor: sr.floor ?? 0, ...(sum ? { sum: sum.toString() } : {}), ...(sweep ? { sweep: 1 as const } : {}) });
  }
}

/** m without key k; undefined when nothing is left. */
function without<T>(m: Record<string, T> | undefined, k: string): Record<string, T> | undefined {
  if (!m || !(k in m)) return m;
  const { [k]: _, ...rest } = m;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** Takes a record out of a scope, in place (its block must then be touched). */
function leave(slot: Slot, sc: Scope): void {
  const scopes = without(slot.sc, sc), stale = without(slot.stale, sc);
  if (scopes) slot.sc = scopes;
  else delete slot.sc;
  if (stale) slot.stale = stale;
  else delete slot.stale;
}

/** The cursors stored after applying res to the request req: what the next request sends. */
function cursorsAfter(req: Record<Scope, ScopeRequest>, res: PullResponse): Record<Scope, ScopeRequest> {
  const out: Record<Scope, ScopeRequest> = { ...req };
  for (const [sc, sr] of Object.entries(res.scopes)) {
    if (sr.status === "removed") delete out[sc];
    else out[sc] = sr.floor ? { cursor: sr.cursor, floor: sr.floor } : { cursor: sr.cursor };
  }
  return out;
}

/** The checksum of the records the server put in a scope, at the versions it delivered (reads every block). */
async function scopeChecksum(tx: Tx, sc: Scope): Promise<string> {
  const recs = recordsOf(tx);
  await recs.loadAll();
  const members: { coll: string; id: string; v: number }[] = [];
  for (const r of recs.all()) {
    const v = r.sc?.[sc];
    if (v !== undefined) members.push({ coll: r.coll, id: r.id, v });
  }
  return checksumOf(members);
}

/**
 * Starts a fresh download of a scope: its members are marked stale, and those it does not
 * send again are dropped at its head. True when it had members (then the head sweeps); a
 * first download into an empty store reads nothing (one count).
 */
async function markStale(tx: Tx, sc: Scope): Promise<boolean> {
  const recs = recordsOf(tx);
  await recs.loadAll();
  let marked = false;
  for (const r of [...recs.all()]) {
    if (r.sc?.[sc] === undefined) continue;
    const slot = recs.get(r.coll, r.id)!;
    slot.stale = { ...slot.stale, [sc]: 1 };
    recs.touch(r.coll, r.id);
    marked = true;
  }
  return marked;
}

/** Takes a scope's stale members (staleOnly) or all its members out of it, and rebuilds them; returns those taken out. */
async function leaveScope(tx: Tx, sc: Scope, staleOnly: boolean, colls: Set<string>): Promise<{ coll: string; id: string; v: number }[]> {
  const recs = recordsOf(tx);
  await recs.loadAll();
  const left: { coll: string; id: string; v: number }[] = [];
  for (const r of [...recs.all()]) {
    const v = r.sc?.[sc];
    if (v === undefined || (staleOnly && !r.stale?.[sc])) continue;
    leave(recs.get(r.coll, r.id)!, sc);
    recs.touch(r.coll, r.id);
    left.push({ coll: r.coll, id: r.id, v });
    colls.add(r.coll);
  }
  await rebuildAll(tx, left.map((s) => recordKey(s.coll, s.id)));
  return left;
}
