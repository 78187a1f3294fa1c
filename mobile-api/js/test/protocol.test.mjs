// The SDK's protocol against the real server (see helpers.mjs for the harness).
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, rest, newUser, phone, reopen, control, restAll, findingData, tokenOf } from "./helpers.mjs";
import { RevokedError, OfflineError } from "../dist/fieldsync.js";

test("first sync downloads every scope as added, then ok; a local create is read back at once and replaced by the server's truth", async () => {
  const user = await newUser();
  const c = await phone(user);
  const { pull } = await c.sync();
  assert.deepEqual(pull.added.sort(), ["ref", `me:${user.id}`, `sd:${env.sdA}`].sort());
  assert.ok((await c.get("findings", env.findingA)), "the fixture's finding of subdistrict A arrived");
  const again = await c.sync();
  assert.equal(again.pull.added.length + again.pull.reset.length + again.pull.removed.length, 0, "at the head every scope is ok");

  const changes = [];
  c.on("change", (e) => changes.push(...e.colls));
  const id = await c.create("findings", findingData("消防通道堵塞"));
  const local = await c.get("findings", id);
  assert.equal(local.dirty, true);
  assert.equal(local.v, 0);
  assert.equal(local.data.description, "消防通道堵塞");
  assert.ok(changes.includes("findings"), "a local edit emits change");
  assert.equal((await c.list("findings", { place: env.placeA })).some((r) => r.id === id), true, "the place index finds it");

  const { push } = await c.sync();
  assert.equal(push.results[0].outcome, "applied");
  const synced = await c.get("findings", id);
  assert.equal(synced.dirty, false);
  assert.equal(synced.v, push.results[0].v);
  assert.equal(synced.data.status, "open", "the server's defaults replaced the optimistic copy");
  assert.equal(synced.data.author, user.id);
  assert.equal(await c.pendingCount(), 0);
  const onServer = await restAll("findings", await tokenOf(c), `id="${id}"`);
  assert.equal(onServer.get(id).description, "消防通道堵塞");
  assert.equal((await c.list("findings", { status: "open" })).some((r) => r.id === id), true, "the status index finds it");
});
