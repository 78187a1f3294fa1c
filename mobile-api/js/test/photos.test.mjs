// Photos: queued with their record, uploaded resumably after a cut connection.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { env, rest, newUser, phone, reopen, control, tokenOf, findingData } from "./helpers.mjs";
import { addPhoto, uploadPhotos, queuedPhotos, sha256Hex } from "../dist/fieldsync.js";

test("a photo recorded offline with its finding is uploaded after the finding syncs, resuming where a cut connection left it", async () => {
  const bytes = readFileSync(env.photo);
  const blob = new Blob([bytes], { type: "image/jpeg" });
  assert.equal(await sha256Hex(blob), createHash("sha256").update(bytes).digest("hex"), "Web Crypto's hash is the file's");

  let c = await phone(await newUser());
  await c.sync();
  const photo = await addPhoto(c, blob, env.sdA);
  const finding = await c.create("findings", { ...findingData("带照片的隐患"), photos: [photo] });
  assert.equal((await queuedPhotos(c)).length, 1);
  c = await reopen(c); // the app was closed: the Blob and the queue survive in IndexedDB
  assert.equal((await queuedPhotos(c))[0].size, bytes.length);
  const { push } = await c.sync();
  assert.deepEqual(push.results.map((r) => r.outcome), ["applied", "applied"]);
  assert.equal((await c.get("photos", photo)).data.status, "pending");

  const chunk = 256 * 1024;
  const progress = [];
  c.on("progress", (p) => progress.push(p.sent));
  await control(`cut?bytes=${100 * 1024}`); // the first chunk breaks off after 100 KiB
  const done = await uploadPhotos(c, { chunkSize: chunk, backoffMs: 5 });
  assert.equal(done.stored.length, 1);
  assert.equal(progress.at(-1), bytes.length);
  assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]), `progress only grows: ${progress}`);
  assert.ok(progress.some((v) => v % chunk !== 0 && v !== bytes.length), `resumed from the server's offset, not a chunk boundary: ${progress}`);
  assert.equal((await queuedPhotos(c)).length, 0);

  await c.sync();
  const rec = await c.get("photos", photo);
  assert.equal(rec.data.status, "stored");
  assert.equal(rec.data.size, bytes.length);
  assert.deepEqual((await c.get("findings", finding)).data.photos, [photo]);
  const served = await fetch(`${env.url}/api/fs/photos/${photo}/original`, { headers: { Authorization: await tokenOf(c) } });
  assert.equal(served.status, 200);
  assert.equal(createHash("sha256").update(Buffer.from(await served.arrayBuffer())).digest("hex"), rec.data.sha256);
});

test("a file the server will never accept is marked refused with its code", async () => {
  const c = await phone(await newUser());
  await c.sync();
  await addPhoto(c, new Blob([new TextEncoder().encode("not an image at all".repeat(20))], { type: "image/jpeg" }), env.sdA);
  await c.sync();
  const done = await uploadPhotos(c, { backoffMs: 5 });
  assert.equal(done.refused.length, 1);
  const [p] = await c.db.getAll("photos");
  assert.equal(p.state, "refused");
  assert.ok(p.code, "the server's code is kept");
  void rest;
});
