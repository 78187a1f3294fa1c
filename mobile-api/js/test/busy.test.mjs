// A push answered 503 sync_busy, against a real server whose pushes are turned away as soon as
// one push waits before them (see busyApp in mobile-api/sdktest): the SDK tells the app, waits
// the server's retry_after, sends the same edits again, and they are applied once. A photo's
// completing chunk answered 503 server_busy on the same server (its two completion slots
// held): the SDK tells the app, waits retry_after, and completes from the server's offset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { env, control, findingData } from "./helpers.mjs";
import { Client, addPhoto, uploadPhotos, queuedPhotos, sha256Hex } from "../dist/fieldsync.js";

const busyURL = process.env.FS_BUSY_URL;

async function busyREST(method, path, body, token = process.env.FS_BUSY_SU_TOKEN) {
  const res = await fetch(busyURL + path, {
    method, headers: { Authorization: token, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text };
}

/** A signed-in phone of a new inspector of subdistrict A on the busy server. */
async function busyPhone(name, cfg = {}) {
  const email = `busy-${name}-${process.pid}@sdk.test`;
  const res = await busyREST("POST", "/api/collections/users/records", {
    email, password: env.password, passwordConfirm: env.password, verified: true, name: "测试 " + name, role: "inspector", subdistricts: [env.sdA],
  });
  assert.equal(res.status, 200, res.text);
  const c = await Client.open({ baseURL: busyURL, dbName: `busy-${name}-${process.pid}`, appVersion: "test", ...cfg });
  await c.signIn(email, env.password);
  await c.register();
  return c;
}

/** Waits until the busy server's queue holds n pushes (its /metrics, read as the administrator). */
async function queued(n) {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 5))) {
    const res = await busyREST("GET", "/metrics");
    if (res.text.includes(`fieldsync_sync_push_queue{what="pushes"} ${n}\n`)) return;
  }
  throw new Error(`the busy server's queue never held ${n} pushes`);
}

test("a push answered 503 sync_busy waits retry_after, tells the app, is sent again and applied once", async () => {
  const first = await busyPhone("first");
  const second = await busyPhone("second");
  await first.create("findings", findingData("先到的推送"));
  const id = await second.create("findings", findingData("繁忙时的推送"));
  const states = [];
  second.on("sync", (e) => states.push(e));

  await control("hold-busy-writer");
  let firstDone;
  try {
    firstDone = first.push(); // admitted, it waits for the held writer
    await queued(1);
    const secondDone = second.push(); // queued behind it: answered busy at once
    for (const deadline = Date.now() + 20_000; !states.some((e) => e.state === "busy"); await new Promise((r) => setTimeout(r, 5))) {
      assert.ok(Date.now() < deadline, "the second push never saw the server busy");
    }
    assert.equal(await second.pendingCount(), 1, "the refused edit stays in the outbox");
    await control("release-busy-writer");
    const [a, b] = await Promise.all([firstDone, secondDone]);
    assert.equal(a.results[0].outcome, "applied");
    assert.equal(b.results.length, 1);
    assert.equal(b.results[0].outcome, "applied");
    assert.equal(b.results[0].mid, 1, "the same mid was sent again");
  } finally {
    await control("release-busy-writer").catch(() => undefined);
  }
  const busy = states.filter((e) => e.state === "busy");
  assert.ok(busy.length >= 1 && busy.every((e) => e.retryAfter >= 1), JSON.stringify(states));
  assert.equal(await second.pendingCount(), 0);
  const onServer = await busyREST("GET", `/api/collections/findings/records?filter=${encodeURIComponent(`id="${id}"`)}`);
  assert.equal(JSON.parse(onServer.text).totalItems, 1, "applied once");
  const audit = await busyREST("GET", `/api/collections/audit_log/records?filter=${encodeURIComponent(`record_id="${id}" && action="create"`)}`);
  assert.equal(audit.status, 200, audit.text);
  assert.equal(JSON.parse(audit.text).totalItems, 1, "created once");
  first.close();
  second.close();
});

test("a photo's completing chunk answered 503 server_busy waits retry_after, tells the app, and completes from the server's offset", async () => {
  const bytes = readFileSync(env.photo);
  const blob = new Blob([bytes], { type: "image/jpeg" });
  // Every wait of the SDK comes here: the first is held until the test has freed the slots.
  const waits = [];
  let waiting;
  const firstWait = new Promise((resolve) => { waiting = resolve; });
  let go;
  const released = new Promise((resolve) => { go = resolve; });
  const sleep = async (ms) => { waits.push(ms); waiting(); await released; };
  // What the SDK sends for the upload: method, Upload-Offset, body bytes; and what it hears.
  const sent = [];
  const logged = async (url, init) => {
    const res = await fetch(url, init);
    if (String(url).includes("/api/fs/blobs/uploads/")) {
      sent.push({ method: init.method, offset: init.headers["Upload-Offset"], bytes: init.body ? init.body.size : 0, status: res.status });
    }
    return res;
  };
  const c = await busyPhone("photo", { sleep, fetch: logged });
  const photo = await addPhoto(c, blob, env.sdA);
  await c.sync(); // the photos record, pending until its bytes arrive
  const progress = [];
  c.on("progress", (p) => progress.push(p));

  await control("hold-photo-slots");
  let done;
  try {
    done = uploadPhotos(c, { chunkSize: 256 * 1024 });
    await firstWait;
    const busy = progress.filter((p) => p.state === "busy");
    assert.equal(busy.length, 1, JSON.stringify(progress));
    const { retryAfter } = busy[0];
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `retryAfter ${retryAfter}`);
    assert.equal(busy[0].sent, bytes.length, "the server holds every byte");
    assert.ok(waits[0] >= retryAfter * 1000 && waits[0] <= retryAfter * 1500,
      `the SDK waits ${waits[0]} ms: the server's ${retryAfter} s plus up to half again, not a backoff of its own`);
    assert.equal((await queuedPhotos(c)).length, 1, "the photo stays queued meanwhile");
  } finally {
    await control("release-photo-slots").catch(() => undefined);
    go();
  }
  const out = await done;
  assert.deepEqual(out.stored, [await sha256Hex(blob)]);
  assert.equal(waits.length, 1, `one wait: ${waits}`);
  const refused = sent.findIndex((r) => r.status === 503);
  assert.ok(refused >= 0, JSON.stringify(sent));
  assert.deepEqual(sent.slice(refused + 1).map((r) => [r.method, r.offset, r.bytes, r.status]),
    [["HEAD", undefined, 0, 200], ["PATCH", String(bytes.length), 0, 200]],
    `after the busy answer: the offset asked, then the completing PATCH at the end with no byte sent again: ${JSON.stringify(sent)}`);
  assert.equal(sent.filter((r) => r.method === "PATCH").reduce((n, r) => n + r.bytes, 0), bytes.length, "every byte sent once");

  await c.sync();
  assert.equal((await c.get("photos", photo)).data.status, "stored");
  const blobs = await busyREST("GET", `/api/collections/blobs/records?filter=${encodeURIComponent(`sha256="${await sha256Hex(blob)}"`)}`);
  assert.equal(blobs.status, 200, blobs.text);
  assert.equal(JSON.parse(blobs.text).totalItems, 1, "stored once");
  c.close();
});
