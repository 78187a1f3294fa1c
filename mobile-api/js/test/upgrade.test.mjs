// Store version 3 (records in blocks) opened over a version 2 store written by the SDK before
// it (test/fixtures/fieldsync-v2.js is main's dist/fieldsync.js at 71fd3f0, the last bundle
// with store version 2): nothing queued or held is lost, and it all syncs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { env, rest, newUser, findingData, tokenOf, control } from "./helpers.mjs";
import { Client, addPhoto as addPhotoV2 } from "./fixtures/fieldsync-v2.js";
import { Client as ClientV3, queuedPhotos, uploadPhotos } from "../dist/fieldsync.js";

/** What the app can read of a store: every record of these collections, the queue, the scopes and their sums. */
async function snapshot(c, colls) {
  const records = {};
  for (const coll of colls) records[coll] = (await c.list(coll)).map((r) => ({ id: r.id, v: r.v, dirty: r.dirty, data: r.data }));
  const scopes = await c.scopes();
  const sums = {};
  for (const sc of scopes) sums[sc] = { rows: await c.checksum(sc), running: (await c.db.get("cursors", sc)).sum };
  const outbox = (await c.db.getAll("outbox")).map(({ mid, coll, id, acked, m }) => ({ mid, coll, id, acked, op: m.op }));
  const { next_mid, acked_mid, client_id, token, user } = await c.meta();
  return { records, scopes, sums, outbox, pending: await c.pendingCount(), meta: { next_mid, acked_mid, client_id, token, user } };
}

test("a version 2 store with unsent edits and a queued photo opens as version 3 with all of it, and syncs it", async () => {
  const user = await newUser();
  const dbName = `upgrade${process.pid}x${Date.now().toString(36)}`;
  const old = await Client.open({ baseURL: env.url, dbName, appVersion: "test" });
  await old.signIn(user.email, user.password);
  await old.sync();
  // Unsent work of every kind: a create, a patch of a held record, a photo with its record.
  const created = await old.create("findings", findingData("升级前新建"));
  await old.patch("findings", env.findingA, { description: "升级前修改" });
  const bytes = readFileSync(env.photo);
  const photo = await addPhotoV2(old, new Blob([bytes], { type: "image/jpeg" }), env.sdA);
  assert.equal(old.db.version, 2);
  const colls = ["findings", "places", "photos", "subdistricts"];
  const before = await snapshot(old, colls);
  assert.equal(before.pending, 3);
  assert.ok(before.records.findings.length > 1 && before.records.places.length > 0, "the download held records");
  assert.ok(before.records.findings.find((r) => r.id === created).dirty);
  old.close();

  const c = await ClientV3.open({ baseURL: env.url, dbName, appVersion: "test" });
  assert.equal(c.db.version, 3);
  assert.deepEqual([...c.db.objectStoreNames].sort(), ["blocks", "cursors", "issues", "locks", "meta", "outbox", "photos"]);
  assert.deepEqual(await snapshot(c, colls), before, "records, edits, scopes, sums, outbox and meta are what version 2 held");
  assert.equal((await c.get("findings", env.findingA)).data.description, "升级前修改");
  assert.equal((await queuedPhotos(c))[0].size, bytes.length, "the photo's bytes are kept");

  const { push, pull } = await c.sync();
  assert.deepEqual(push.results.map((r) => r.outcome), ["applied", "applied", "applied"]);
  assert.deepEqual(pull.healed, [], "the moved scope memberships agree with the server's checksums");
  assert.equal(await c.pendingCount(), 0);
  assert.equal((await uploadPhotos(c, { backoffMs: 5 })).stored.length, 1);
  const token = await tokenOf(c);
  assert.equal((await rest("GET", `/api/collections/findings/records/${env.findingA}`, undefined, token)).body.description, "升级前修改");
  assert.equal((await rest("GET", `/api/collections/findings/records/${created}`, undefined, token)).body.description, "升级前新建");
  await c.sync();
  assert.equal((await c.get("photos", photo)).data.status, "stored");
  for (const sc of await c.scopes()) assert.equal((await c.db.get("cursors", sc)).sum, await c.checksum(sc));
  c.close();
});

test("a version 2 store left in the middle of a reset finishes it as version 3: what the reset did not send again is dropped at the head", async () => {
  const user = await newUser();
  const place = await rest("POST", "/api/collections/places/records", { kind: "venue", venue_type: "group_rental", name: "升级时删除的场所", subdistrict: env.sdA, address: "升级路 1 号" });
  assert.equal(place.status, 200, JSON.stringify(place.body));
  // A phone whose connection breaks after its first page of pulls, once armed.
  let pulls = 0, armed = false;
  const breaking = async (url, init) => {
    if (armed && String(url).endsWith("/api/sync/v1/pull") && ++pulls > 1) throw new TypeError("network cut");
    return fetch(url, init);
  };
  const dbName = `upgrade-reset${process.pid}x${Date.now().toString(36)}`;
  const old = await Client.open({ baseURL: env.url, dbName, appVersion: "test", pullRows: 50, fetch: breaking });
  await old.signIn(user.email, user.password);
  await old.sync();
  const sd = `sd:${env.sdA}`;
  assert.ok(await old.get("places", place.body.id));
  assert.equal((await rest("DELETE", `/api/collections/places/records/${place.body.id}`)).status, 204);
  await control("compact"); // the phone's cursor is now below the server's floor: a reset
  armed = true;
  await assert.rejects(old.pull(), /network|offline/i);
  const rows = await old.db.getAll("record_scopes");
  assert.ok(rows.some((r) => r.scope === sd && r.stale === 1), "the old store holds the reset's stale rows");
  old.close();

  const c = await ClientV3.open({ baseURL: env.url, dbName, appVersion: "test", pullRows: 50 });
  assert.equal((await c.db.get("cursors", sd)).sweep, 1, "the upgrade remembers that the scope has stale members to drop");
  assert.ok(await c.get("places", place.body.id), "the place is kept until the reset reaches its head");
  const rep = await c.pull();
  assert.deepEqual(rep.healed, []);
  assert.equal(await c.get("places", place.body.id), undefined, "the place not sent again was dropped at the head");
  assert.equal((await c.db.get("cursors", sd)).sweep, undefined);
  for (const sc of await c.scopes()) assert.equal((await c.db.get("cursors", sc)).sum, await c.checksum(sc));
  c.close();
});

test("an open client steps aside for a newer version of the store, says so, and the newer version opens with the queue intact", async () => {
  const user = await newUser();
  const dbName = `outdated${process.pid}x${Date.now().toString(36)}`;
  const c = await ClientV3.open({ baseURL: env.url, dbName, appVersion: "test" });
  await c.signIn(user.email, user.password);
  await c.sync();
  const created = await c.create("findings", findingData("新版本打开前新建"));
  let outdated = 0;
  c.on("outdated", () => { outdated++; });
  // A later app version opens the store at a higher version, as an update would. Without the
  // step aside, the open would stay blocked while this client's connection is open.
  const next = await new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 4);
    let blocked = false;
    req.onblocked = () => {
      // Close the client so that the open completes and the test ends instead of hanging.
      blocked = true;
      c.close();
      reject(new Error("the newer version was blocked by the open client"));
    };
    req.onsuccess = () => (blocked ? req.result.close() : resolve(req.result));
    req.onerror = () => reject(req.error);
  });
  assert.equal(outdated, 1, "the client told the app it is outdated");
  assert.equal(next.version, 4);
  const queued = await new Promise((resolve, reject) => {
    const r = next.transaction("outbox").objectStore("outbox").getAll();
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  assert.deepEqual(queued.map((e) => e.id), [created], "the unsent create is still queued for the newer version");
  next.close();
});
