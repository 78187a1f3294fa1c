// Photos: a captured Blob is queued in IndexedDB with its photos record (one transaction), and
// its bytes go up resumably (tus-style, internal/blobs/routes.go): announce, PATCH chunks from
// the server's offset, HEAD for the offset after a broken connection, retries with backoff; a
// completing chunk answered 503 server_busy waits the server's retry_after instead.
import { busyRetries, busyWait, retryAfterOf, type Client } from "./client.js";
import { ServerError, OfflineError } from "./errors.js";
import type { PhotoEntry } from "./store.js";

export interface UploadOptions {
  /** Bytes per PATCH; default 256 KiB (a phone on a weak signal finishes a chunk more often than a file). */
  chunkSize?: number;
  /** Tries per chunk before giving up until the next sync; default 5. */
  retries?: number;
  /** First backoff in ms, doubled per retry; default 500. */
  backoffMs?: number;
}

/** The SHA-256 of a Blob as lowercase hex, computed by Web Crypto. */
export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Queues a captured photo: stores the Blob and creates its `photos` record (synced like any
 * record; it arrives `pending` until its bytes do). Returns the record id, for the finding's
 * `photos` list.
 */
export async function addPhoto(c: Client, blob: Blob, subdistrict: string): Promise<string> {
  const sha256 = await sha256Hex(blob);
  const record = await c.create("photos", { sha256, subdistrict });
  const entry: PhotoEntry = { sha256, record, blob, size: blob.size, mime: blob.type || "image/jpeg", state: "queued", offset: 0 };
  const tx = c.db.transaction("photos", "readwrite");
  if (!(await tx.store.get(sha256))) await tx.store.put(entry);
  await tx.done;
  return record;
}

/** The photos whose bytes are not yet on the server. */
export async function queuedPhotos(c: Client): Promise<PhotoEntry[]> {
  return c.db.getAllFromIndex("photos", "state", "queued");
}

/**
 * Uploads every queued photo. A photo the server refuses for good (not an image, too large)
 * is marked refused with its code; a network failure after the retries leaves it queued for
 * the next call, which resumes at the server's offset. A completing chunk answered 503
 * server_busy (every decode slot taken; the server keeps the bytes) emits `progress` with
 * state "busy" and retryAfter, waits that many seconds plus up to half again, asks the offset
 * and completes the upload from there, at most 5 times; then the ServerError (code
 * server_busy) reaches the app, the photo still queued.
 */
export async function uploadPhotos(c: Client, opts: UploadOptions = {}): Promise<{ stored: string[]; refused: string[] }> {
  const out = { stored: [] as string[], refused: [] as string[] };
  for (const p of await queuedPhotos(c)) {
    const state = await uploadOne(c, p, opts);
    if (state === "stored") out.stored.push(p.sha256);
    else out.refused.push(p.sha256);
  }
  return out;
}

async function save(c: Client, p: PhotoEntry): Promise<void> {
  await c.db.put("photos", p);
}

async function uploadOne(c: Client, p: PhotoEntry, o: UploadOptions): Promise<"stored" | "refused"> {
  const chunk = o.chunkSize ?? 256 * 1024;
  const retries = o.retries ?? 5;
  const backoff = o.backoffMs ?? 500;
  const announce = async (): Promise<boolean> => {
    const res = await c.send<{ status: string; id?: string; offset?: number }>("POST", "/api/fs/blobs/uploads", { sha256: p.sha256, size: p.size, mime: p.mime });
    if (res.status === "stored") return true;
    p.upload = res.id!;
    p.offset = res.offset ?? 0;
    await save(c, p);
    return false;
  };
  const finish = async (state: "stored" | "refused", code?: string) => {
    p.state = state;
    if (code) p.code = code;
    await save(c, p);
    c.emit("progress", { sha256: p.sha256, record: p.record, sent: state === "stored" ? p.size : p.offset, size: p.size });
    return state;
  };
  if (!p.upload && (await announce())) return finish("stored");
  let failures = 0;
  let busy = 0;
  let reannounced = false;
  // Until the server answers 200: a chunk from the server's offset, or, once it holds every
  // byte (after a busy answer, or a cut after the last byte), an empty PATCH at the end.
  for (;;) {
    const end = Math.min(p.offset + chunk, p.size);
    try {
      const res = await c.raw("PATCH", `/api/fs/blobs/uploads/${p.upload}`, {
        body: p.blob.slice(p.offset, end),
        headers: { "Upload-Offset": String(p.offset), "Content-Type": "application/offset+octet-stream", "Tus-Resumable": "1.0.0" },
      });
      if (res.status === 204) {
        p.offset = Number(res.headers.get("Upload-Offset") ?? end);
        failures = 0;
        await save(c, p);
        c.emit("progress", { sha256: p.sha256, record: p.record, sent: p.offset, size: p.size });
        continue;
      }
      if (res.status === 200) return finish("stored");
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string; data?: Record<string, unknown> };
      if (res.status === 409) {
        await resume(c, p);
        continue;
      }
      if (res.status === 404 || (body.code === "hash_mismatch" && !reannounced)) {
        // The server forgot the upload, or the bytes arrived damaged: announce again once.
        reannounced = true;
        p.upload = undefined;
        if (await announce()) return finish("stored");
        continue;
      }
      const error = new ServerError(res.status, body.code ?? `http_${res.status}`, body.message ?? "", body.data);
      if (res.status === 503 && body.code === "server_busy") {
        // The server holds the bytes and says when to come back: no backoff of our own.
        if (++busy > busyRetries) throw error;
        const retryAfter = retryAfterOf(body.data);
        p.offset = Number(res.headers.get("Upload-Offset") ?? p.offset);
        c.emit("progress", { sha256: p.sha256, record: p.record, sent: p.offset, size: p.size, state: "busy", retryAfter });
        await c.sleep(busyWait(retryAfter));
        await resume(c, p).catch(() => undefined); // offline now: the next PATCH fails and backs off
        continue;
      }
      if (res.status >= 500) throw error;
      return finish("refused", body.code ?? `http_${res.status}`);
    } catch (e) {
      if (!(e instanceof OfflineError) && !(e instanceof ServerError && e.status >= 500 && e.code !== "server_busy")) throw e;
      if (++failures > retries) throw e;
      await c.sleep(backoff * 2 ** (failures - 1));
      await resume(c, p).catch(() => undefined); // still offline: the next PATCH fails and backs off
    }
  }
}

/** Asks the server where the upload stands after a broken connection (HEAD: Upload-Offset). */
async function resume(c: Client, p: PhotoEntry): Promise<void> {
  const res = await c.raw("HEAD", `/api/fs/blobs/uploads/${p.upload}`, { headers: { "Tus-Resumable": "1.0.0" } });
  if (!res.ok) throw new ServerError(res.status, `http_${res.status}`, "upload offset");
  p.offset = Number(res.headers.get("Upload-Offset") ?? 0);
  await save(c, p);
}
