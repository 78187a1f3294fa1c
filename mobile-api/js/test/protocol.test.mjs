// The SDK's protocol against the real server (see helpers.mjs for the harness).
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, rest, newUser, phone, reopen, control, restAll, findingData, tokenOf } from "./helpers.mjs";
import { RevokedError, OfflineError, blockOf } from "../dist/fieldsync.js";

test("first sync downloads every scope as added, then ok; a local create is read back at once and replaced by the server's truth", async () => {
  const user = await newUser();
  // Findings due on two days, two of them on the same one: list orders by deadline, then id.
  for (const deadline of ["2031-03-02 00:00:00.000Z", "2031-03-01 00:00:00.000Z", "2031-03-02 00:00:00.000Z"]) {
    const made = await rest("POST", "/api/collections/findings/records", { ...findingData("限期整改"), deadline });
    assert.equal(made.status, 200, JSON.stringify(made.body));
  }
  const c = await phone(user);
  const { pull } = await c.sync();
  assert.deepEqual(pull.added.sort(), ["ref", `me:${user.id}`, `sd:${env.sdA}`].sort());
  assert.ok((await c.get("findings", env.findingA)), "the fixture's finding of subdistrict A arrived");
  const due = async (before) => (await c.list("findings", { deadlineBefore: before })).some((r) => r.id === env.findingA);
  assert.equal(await due("2018-06-02"), true, "the deadline index finds a finding due 2018-06-01 before 2018-06-02");
  assert.equal(await due("2018-05-31"), false, "and not before 2018-05-31");
  assert.ok((await c.list("findings", { subdistrict: env.sdA })).some((r) => r.id === env.findingA), "the subdistrict index finds it");
  // Reads gather records from many blocks: a list comes in id order, or in the field's order then id's.
  const all = await c.list("findings");
  const byRest = [...(await restAll("findings", await tokenOf(c))).keys()].sort();
  assert.deepEqual(all.map((r) => r.id), byRest, "every finding REST shows, in id order");
  assert.equal(await c.count("findings"), byRest.length);
  const dated = await c.list("findings", { deadlineBefore: "9999" });
  const key = (r) => [r.data.deadline, r.id];
  assert.ok(dated.length >= 4, `findings with deadlines: ${dated.length}`);
  assert.deepEqual(dated.map(key), dated.map(key).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)), "by deadline, then id");
  assert.deepEqual(dated.map((r) => r.id).sort(), all.filter((r) => r.data.deadline).map((r) => r.id).sort(), "every finding with a deadline");
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

test("a rejected create and a refused field carry field codes with Chinese and English messages; nothing typed is lost", async () => {
  const c = await phone(await newUser());
  const good = await c.create("findings", findingData("将被改状态"));
  await c.sync();
  const issues = [];
  c.on("issue", (is) => issues.push(is));
  const bad = await c.create("findings", { ...findingData(), category: "fire.no_such_category" });
  await c.patch("findings", good, { status: "closed" });
  const { push } = await c.sync();
  assert.deepEqual(push.results.map((r) => r.outcome), ["rejected", "rejected"]);
  assert.equal(await c.get("findings", bad), undefined, "a rejected create leaves the local store");
  assert.equal((await c.get("findings", good)).data.status, "open", "the refused status shows the server's value again");
  assert.equal(issues.length, 2);
  const [create, status] = await c.issues();
  assert.equal(create.op, "create");
  assert.equal(create.data.category, "fire.no_such_category", "the issue keeps what was typed");
  const cat = create.fields.find((f) => f.field === "category");
  assert.ok(cat && cat.code && /[\u4e00-\u9fff]/.test(cat.zh) && /[a-z]/.test(cat.en), JSON.stringify(create.fields));
  assert.ok(create.result.issue, "the server filed a sync issue");
  assert.deepEqual(status.fields.map((f) => [f.field, f.code]), [["status", "protected_field"]]);
  assert.equal(status.fields[0].message, status.result.messages.status, "the server's message");
  assert.match(status.fields[0].zh, /[\u4e00-\u9fff]/);
  await c.dismissIssue(create.mid);
  assert.equal((await c.issues()).length, 1);
});

test("every rejected outcome carries the server's field codes and messages unchanged, in Chinese and English", async () => {
  const user = await newUser();
  const c = await phone(user);
  const token = await tokenOf(c);
  // A create breaking two schema rules: REST answers each field's code and message; the
  // phone's issue must show the same, word for word.
  const bad = { ...findingData("两处不合规"), category: "fire.no_such_category", severity: "" };
  const byRest = await rest("POST", "/api/collections/findings/records", bad, token);
  assert.equal(byRest.status, 400);
  const restFields = Object.entries(byRest.body.data).map(([field, e]) => [field, e.code, e.message]).sort();
  assert.ok(restFields.length >= 2, JSON.stringify(byRest.body));
  const open = await c.create("findings", findingData("尚未责令整改"));
  await c.sync();
  await c.create("findings", bad);
  // A supervisor closing a finding nobody ordered rectified: the lifecycle refuses the step,
  // and its message says what must come first.
  const sup = await phone(await newUser("supervisor"));
  await sup.sync();
  assert.equal((await sup.get("findings", open))?.data.status, "open", "the supervisor holds the open finding");
  await sup.command("finding.close@1", "findings", open);
  await Promise.all([c.sync(), sup.sync()]);

  const [create] = await c.issues();
  assert.equal(create.result.code, "validation_failed");
  assert.deepEqual(create.fields.map((f) => [f.field, f.code, f.message]).sort(), restFields, "the same codes and messages as REST");
  for (const f of create.fields) {
    assert.equal(`${f.zh} / ${f.en}`, f.message);
    assert.match(f.zh, /[\u4e00-\u9fff]/, f.zh);
    assert.doesNotMatch(f.en, /[\u4e00-\u9fff]/, f.en);
  }
  assert.equal(`${create.zh} / ${create.en}`, create.result.message, "the outcome's message, split unchanged");

  const [step] = await sup.issues();
  assert.equal(step.result.outcome, "rejected");
  const status = step.fields.find((f) => f.field === "status");
  assert.ok(status, JSON.stringify(step.result));
  assert.match(status.zh, /须先有/, "it says what must happen first");
  assert.match(status.en, /first .* is needed/);
  assert.equal(status.code, "finding_bad_transition");
  assert.equal(status.message, step.result.messages.status, "the server's words, unchanged");
});

test("a patch of a field another device changed is a conflict; of another field, merged", async () => {
  const user = await newUser();
  const p1 = await phone(user);
  const p2 = await phone(user);
  const id = await p1.create("findings", findingData("原始描述"));
  await p1.sync();
  await p2.sync();
  await p1.patch("findings", id, { description: "手机一的描述" });
  await p1.sync();
  await p2.patch("findings", id, { description: "手机二的描述" });
  const conflicted = await p2.sync();
  assert.equal(conflicted.push.results[0].outcome, "conflict");
  const [issue] = await p2.issues();
  assert.equal(issue.result.conflicts[0].field, "description");
  const text = (await p2.get("findings", id)).data.description;
  assert.ok(text.includes("手机一的描述") && text.includes("手机二的描述"), `free text keeps both: ${text}`);
  await p1.sync();
  await p2.patch("findings", id, { responsible_party: "物业公司" });
  await p1.patch("findings", id, { people_involved: 3 });
  await p1.sync();
  const merged = await p2.sync();
  assert.equal(merged.push.results[0].outcome, "merged");
  const after = (await p2.get("findings", id)).data;
  assert.equal(after.responsible_party, "物业公司");
  assert.equal(after.people_involved, 3);
});

test("a push whose answer was lost is sent again and applied once; a reopened phone learns it from registration", async () => {
  const c = await phone(await newUser());
  await c.sync();
  const id = await c.create("findings", findingData("答复丢失"));
  await control("lose?path=/api/sync/v1/push");
  await assert.rejects(c.sync(), OfflineError);
  assert.equal(await c.pendingCount(), 1, "an unanswered mutation stays queued");
  const { push } = await c.sync();
  assert.equal(push.results[0].outcome, "applied", "the resent mid answers the stored outcome, not id_taken");
  assert.equal((await c.get("findings", id)).dirty, false);

  const id2 = await c.create("findings", findingData("答复又丢失"));
  await control("lose?path=/api/sync/v1/push");
  await assert.rejects(c.push(), OfflineError);
  const again = await reopen(c);
  await again.register();
  assert.equal(await again.pendingCount(), 0, "registration's last_mid shows the mid was applied");
  await again.sync();
  assert.equal((await again.get("findings", id2)).data.description, "答复又丢失");
  const mine = await restAll("findings", await tokenOf(again), `description~"答复" && author="${(await again.meta()).user}"`);
  assert.equal(mine.size, 2);
});

test("a 409 mid gap realigns the outbox and the push goes on", async () => {
  const c = await phone(await newUser());
  await c.sync();
  await c.create("findings", findingData("第一条"));
  await c.sync();
  // A store whose numbering ran ahead of the server (e.g. restored from another copy).
  const meta = await c.meta();
  await c.db.put("meta", { ...meta, next_mid: meta.next_mid + 40 }, "meta");
  const id = await c.create("findings", findingData("跳号之后"));
  const { push } = await c.sync();
  assert.deepEqual(push.results.map((r) => [r.mid, r.outcome]), [[2, "applied"]]);
  assert.equal((await c.get("findings", id)).dirty, false);
  assert.equal((await c.meta()).next_mid, 3, "the next edit follows without a gap");
});

test("a reset scope downloads again, drops what was not re-sent and keeps unsent edits", async () => {
  const user = await newUser();
  const c = await phone(user);
  const place = await rest("POST", "/api/collections/places/records", { kind: "venue", venue_type: "group_rental", name: "将被删除的商店", subdistrict: env.sdA, address: "删除路 1 号" });
  assert.equal(place.status, 200, JSON.stringify(place.body));
  await c.sync();
  assert.ok(await c.get("places", place.body.id));
  const mine = await c.create("findings", findingData("重置前"));
  await c.sync();
  await c.patch("findings", mine, { description: "重置时未发送" });
  assert.equal((await rest("DELETE", `/api/collections/places/records/${place.body.id}`)).status, 204);
  await control("compact");
  const pull = await c.pull();
  assert.ok(pull.reset.includes(`sd:${env.sdA}`), `reset: ${pull.reset}`); // the horizon is global: every scope behind it resets
  assert.equal(await c.get("places", place.body.id), undefined, "the deleted place is gone");
  const kept = await c.get("findings", mine);
  assert.equal(kept.data.description, "重置时未发送");
  assert.equal(kept.dirty, true);
  await c.sync();
  assert.equal((await c.get("findings", mine)).data.description, "重置时未发送");
});

test("moved to another subdistrict while offline: the edit is quarantined, the old scope removed, the new one added", async () => {
  const user = await newUser();
  const c = await phone(user);
  const id = await c.create("findings", findingData("调动前创建"));
  await c.sync();
  await c.patch("findings", id, { description: "离线时修改" });
  const moved = await rest("PATCH", `/api/collections/users/records/${user.id}`, { subdistricts: [env.sdB] });
  assert.equal(moved.status, 200);
  const issues = [];
  c.on("issue", (is) => issues.push(is));
  const { push, pull } = await c.sync();
  assert.equal(push.results[0].outcome, "quarantined");
  assert.equal(push.results[0].code, "scope_lost");
  assert.equal(issues[0].data.description, "离线时修改", "the quarantined edit is kept as an issue");
  assert.deepEqual(pull.removed, [`sd:${env.sdA}`]);
  assert.deepEqual(pull.added, [`sd:${env.sdB}`]);
  assert.equal(await c.get("findings", id), undefined, "the lost subdistrict's records are purged");
  assert.equal((await c.list("findings", { subdistrict: env.sdA })).length, 0);
  assert.ok((await c.list("findings", { subdistrict: env.sdB })).length > 0);
});

test("a revoked phone stops, says so, and wipes the server's data but not unsent work", async () => {
  const user = await newUser();
  const c = await phone(user);
  await c.sync();
  assert.ok((await c.list("findings")).length > 0);
  const unsent = await c.create("findings", findingData("吊销前未发送"));
  const clients = await rest("GET", `/api/collections/sync_clients/records?filter=${encodeURIComponent(`client_id="${c.id}"`)}`);
  assert.equal(clients.body.items.length, 1);
  assert.equal((await rest("PATCH", `/api/collections/sync_clients/records/${clients.body.items[0].id}`, { revoked: true })).status, 200);
  const events = [];
  c.on("revoked", (e) => events.push(e));
  await assert.rejects(c.sync(), RevokedError);
  assert.deepEqual(events, [{ unsent: 1 }]);
  const left = await c.list("findings");
  assert.deepEqual(left.map((r) => r.id), [unsent], "only the unsent create is left");
  assert.deepEqual(await c.scopes(), []);
  assert.equal((await c.meta()).token, "");
  await assert.rejects(c.sync(), RevokedError, "it does not try again");
  await c.wipe();
  assert.equal((await c.list("findings")).length, 0);
  assert.equal(await c.pendingCount(), 0);
});

test("a scope whose checksum disagrees is downloaded again and healed", async () => {
  const c = await phone(await newUser());
  await c.sync();
  const sd = `sd:${env.sdA}`;
  const before = await c.checksum(sd);
  // Damage the store: lose one record, invent another.
  const lost = await c.db.get("blocks", ["findings", blockOf(env.findingA)]);
  assert.ok(lost.r[env.findingA]);
  delete lost.r[env.findingA];
  await c.db.put("blocks", lost, ["findings", lost.b]);
  const ghost = { id: "ghost0000000000" };
  const invented = (await c.db.get("blocks", ["places", blockOf(ghost.id)])) ?? { coll: "places", b: blockOf(ghost.id), r: {} };
  invented.r[ghost.id] = { v: 1, base: { id: ghost.id }, sc: { [sd]: 1 } };
  await c.db.put("blocks", invented, ["places", invented.b]);
  assert.notEqual(await c.checksum(sd), before);
  // The damage reaches the running sum too (here: lost, as in a store written before sums were
  // kept); with it intact a scope at its head is checked from it alone (checksum.test.mjs).
  const { sum, ...cursor } = await c.db.get("cursors", sd);
  assert.equal(sum, before, "the running sum was the rows' checksum");
  await c.db.put("cursors", cursor);
  const pull = await c.pull();
  assert.deepEqual(pull.healed, [sd]);
  assert.ok(await c.get("findings", env.findingA), "the lost record is back");
  assert.equal(await c.get("places", ghost.id), undefined, "the invented record is gone");
  assert.equal(await c.checksum(sd), before);
});

test("a download in pages while others write converges to what REST shows", async () => {
  const user = await newUser();
  let writes = 0;
  const writing = async (url, init) => {
    if (String(url).endsWith("/api/sync/v1/pull") && writes < 6) {
      writes++;
      const r = await rest("POST", "/api/collections/places/records", { kind: "venue", venue_type: "group_rental", name: `翻页时新建 ${writes}`, subdistrict: env.sdA, address: "翻页路" });
      assert.equal(r.status, 200);
      if (writes === 3) await rest("PATCH", `/api/collections/findings/records/${env.findingA}`, { responsible_party: `并发 ${Date.now()}` });
    }
    return fetch(url, init);
  };
  const c = await phone(user, { pullRows: 5, fetch: writing });
  await c.sync();
  assert.ok(writes >= 6, "the writes happened during the paged download");
  await c.sync();
  const token = await tokenOf(c);
  for (const coll of ["places", "findings", "households"]) {
    const server = await restAll(coll, token);
    const local = new Map((await c.list(coll)).map((r) => [r.id, r.data]));
    assert.deepEqual([...local.keys()].sort(), [...server.keys()].sort(), coll);
    for (const [id, r] of server) assert.equal(local.get(id).updated, r.updated, `${coll}/${id}`);
  }
});
