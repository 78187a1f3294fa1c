// The running scope checksum: a delta sync checks a scope at its head from the sum kept in its
// cursor row, without reading the scope's rows; a wrong sum is recomputed, not healed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, rest, newUser, phone, seen, control, findingData } from "./helpers.mjs";

/**
 * Runs f counting the reads of every record (getAll of the whole blocks store: computing a
 * checksum from the records, marking a scope's members stale, sweeping them at its head);
 * returns that count.
 */
async function scopeReads(f) {
  const proto = globalThis.IDBObjectStore.prototype;
  const getAll = proto.getAll;
  let n = 0;
  proto.getAll = function (...args) {
    if (this.name === "blocks" && args[0] === undefined) n++;
    return getAll.apply(this, args);
  };
  try {
    await f();
  } finally {
    proto.getAll = getAll;
  }
  return n;
}

const storedSum = async (c, sc) => (await c.db.get("cursors", sc)).sum;

test("a delta sync checks its scopes without reading their rows, and the running sums follow puts, re-puts and removes exactly", async () => {
  const user = await newUser();
  const place = await rest("POST", "/api/collections/places/records", { kind: "venue", venue_type: "group_rental", name: "将被删除的场所", subdistrict: env.sdA, address: "校验路 1 号" });
  assert.equal(place.status, 200, JSON.stringify(place.body));
  const c = await phone(user, { pullRows: 7 }); // pages of 7: the running sums cross pages too
  const other = await phone(user); // the inspector's second phone
  const own = await c.create("findings", findingData("本机新建"));
  await c.sync();
  await other.sync();
  const sd = `sd:${env.sdA}`;
  for (const sc of await c.scopes()) assert.equal(await storedSum(c, sc), await c.checksum(sc), `${sc}: the first sync stored the sum`);

  // Another device creates findings and edits one the phone holds; REST deletes a place (a
  // remove); the phone edits a record it holds and pushes it (it comes back at a new version).
  const made = [];
  for (let i = 0; i < 3; i++) made.push(await other.create("findings", findingData(`他机新建 ${i}`)));
  assert.deepEqual((await other.push()).results.map((r) => r.outcome), ["applied", "applied", "applied"]);
  await other.patch("findings", made[0], { description: "他机改写" });
  await other.push();
  assert.equal((await rest("DELETE", `/api/collections/places/records/${place.body.id}`)).status, 204);
  const ownV = (await c.get("findings", own)).v;
  await c.patch("findings", own, { description: "本机改写" });

  let rep;
  const reads = await scopeReads(async () => { rep = await c.sync(); });
  assert.equal(reads, 0, "no scope's rows were read: every scope was checked from its running sum");
  assert.deepEqual(rep.pull.healed, []);
  assert.ok(rep.pull.changes >= 5, `changes: ${rep.pull.changes}`);
  assert.equal((await c.get("findings", made[0])).data.description, "他机改写");
  assert.equal(await c.get("places", place.body.id), undefined, "the deleted place left");
  const ownNow = await c.get("findings", own);
  assert.equal(ownNow.dirty, false);
  assert.ok(ownNow.v > ownV, "the phone's own edit came back at a new version");
  for (const sc of await c.scopes()) assert.equal(await storedSum(c, sc), await c.checksum(sc), `${sc}: the running sum is the rows' checksum`);
  assert.match(await storedSum(c, sd), /^[0-9a-f]{16}$/);
});

test("a damaged or missing running sum is computed from the rows, without downloading the scope again", async () => {
  const c = await phone(await newUser());
  await c.sync();
  const sd = `sd:${env.sdA}`;
  const right = await c.checksum(sd);
  const cur = await c.db.get("cursors", sd);
  await c.db.put("cursors", { ...cur, sum: "0123456789abcdef" });
  const pulls = await seen("/api/sync/v1/pull");
  const rep = await c.pull();
  assert.deepEqual(rep.healed, [], "the rows agree with the server: nothing to heal");
  assert.equal(await seen("/api/sync/v1/pull"), pulls + 1, "one pull, no second download");
  assert.equal(await storedSum(c, sd), right, "the sum was repaired");
  assert.equal((await c.db.get("cursors", sd)).cursor, cur.cursor, "the cursor stayed");

  // A cursor row stored by an SDK that kept no sum: the next head computes it, nothing heals.
  await c.db.put("cursors", { scope: sd, cursor: cur.cursor, floor: cur.floor });
  const again = await c.pull();
  assert.deepEqual(again.healed, []);
  assert.equal(await seen("/api/sync/v1/pull"), pulls + 2, "one pull more, no download");
  assert.equal(await storedSum(c, sd), right, "the sum was computed and stored");
});

test("a reset scope's running sum follows the download and the rows dropped at its head", async () => {
  const user = await newUser();
  const place = await rest("POST", "/api/collections/places/records", { kind: "venue", venue_type: "group_rental", name: "重置时删除的场所", subdistrict: env.sdA, address: "校验路 2 号" });
  assert.equal(place.status, 200, JSON.stringify(place.body));
  const c = await phone(user, { pullRows: 50 }); // pages small enough for the running sums to follow
  await c.sync();
  assert.equal((await rest("DELETE", `/api/collections/places/records/${place.body.id}`)).status, 204);
  await control("compact");
  let rep;
  const reads = await scopeReads(async () => { rep = await c.pull(); });
  assert.ok(rep.reset.includes(`sd:${env.sdA}`), `reset: ${rep.reset}`);
  assert.equal(await c.get("places", place.body.id), undefined, "the place not sent again was dropped at the head");
  assert.deepEqual(rep.healed, []);
  // The records are read twice per reset scope: to mark its members stale, and at its head to
  // drop those not sent again; a running sum that missed a re-sent or dropped member would be
  // computed again from the records at the head, a third read.
  assert.equal(reads, 2 * rep.reset.length, `reads of every record: ${reads}, reset scopes: ${rep.reset.length}`);
  for (const sc of await c.scopes()) assert.equal(await storedSum(c, sc), await c.checksum(sc), `${sc}: the running sum is the rows' checksum`);
});

test("a delta reads the blocks of the records it changes, not their whole collection", async () => {
  const user = await newUser();
  const c = await phone(user);
  const other = await phone(user);
  await c.sync();
  // 20 findings from another device: with 64 blocks per collection, about 20 of the findings'
  // blocks change, fewer than half of them.
  const tag = `增量 ${Date.now().toString(36)} `;
  for (let i = 0; i < 20; i++) await other.create("findings", findingData(tag + i));
  assert.equal((await other.push()).results.filter((r) => r.outcome === "applied").length, 20);
  const proto = globalThis.IDBObjectStore.prototype;
  const [getAll, get] = [proto.getAll, proto.get];
  let ranges = 0, gets = 0;
  proto.getAll = function (...args) {
    if (this.name === "blocks") ranges++;
    return getAll.apply(this, args);
  };
  proto.get = function (...args) {
    if (this.name === "blocks") gets++;
    return get.apply(this, args);
  };
  let rep;
  try {
    rep = await c.sync();
  } finally {
    [proto.getAll, proto.get] = [getAll, get];
  }
  assert.equal(rep.pull.changes, 20);
  assert.equal(ranges, 0, "no collection or store was read whole");
  assert.ok(gets > 0 && gets <= 20, `blocks read one by one: ${gets}`);
  assert.equal((await c.list("findings")).filter((f) => f.data.description.startsWith(tag)).length, 20);
  c.close();
  other.close();
});
