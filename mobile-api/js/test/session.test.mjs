// Sign-in, token refresh, 401, realtime pokes and the single sync loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, rest, newUser, phone, control, seen } from "./helpers.mjs";
import { Client, SignedOutError, subscribe, live } from "../dist/fieldsync.js";

test("a token near its expiry is refreshed before the request; a refused token signs out", async () => {
  const user = await newUser();
  const c = await phone(user);
  await c.sync();
  const refreshPath = "/api/collections/users/auth-refresh";
  const before = await seen(refreshPath);
  const late = await Client.open({ ...c.cfg, now: () => Date.now() + 400 * 24 * 3600_000 });
  c.close();
  await late.sync();
  // The token is compared by the request, not by its bytes: PocketBase's tokens carry their
  // expiry to the second, so a refresh within the second of the sign-in mints the same token.
  // (With the phone's clock 400 days ahead, every request of the sync finds even a fresh token
  // near its expiry, so it may be refreshed more than once.)
  assert.ok((await seen(refreshPath)) > before, "the token was refreshed");
  assert.ok((await late.meta()).token, "the refreshed token is kept");
  await late.useToken("not-a-token");
  const events = [];
  late.on("signedout", () => events.push(1));
  await assert.rejects(late.sync(), SignedOutError);
  assert.equal(events.length, 1);
  assert.equal((await late.meta()).token, "", "the refused token is forgotten: ask for the password");
  await assert.rejects(Client.open({ ...late.cfg, clientId: "someone-else-0001" }), /belongs to client/);
});

test("a 401 to a request sent with a token the phone no longer holds signs nobody out", async () => {
  // Another user signs in on a phone whose user's sign-in expired, while a request sent with
  // the old token is still under way: its late 401 must not take the new sign-in away.
  const user = await newUser();
  const c = await phone(user);
  await c.sync();
  const { token: good, user: id } = await c.meta();
  await c.useToken("not-a-token", id);
  const events = [];
  c.on("signedout", () => events.push(1));
  await control("delay?ms=400"); // the refused request's answer comes late
  let refused;
  try {
    refused = c.sync().then(() => null, (e) => e);
    await new Promise((r) => setTimeout(r, 150)); // sent, not yet answered
    await c.useToken(good, id); // the new sign-in
    refused = await refused;
  } finally {
    await control("delay?ms=0");
  }
  assert.ok(refused instanceof SignedOutError, `the old token's request: ${refused}`);
  assert.equal((await c.meta()).token, good, "the token signed in meanwhile is kept");
  assert.equal(events.length, 0, "no signedout for a token the phone no longer holds");
  await c.sync(); // and it works
  c.close();
});

test("a realtime poke names the scope a write moved", async () => {
  const c = await phone(await newUser());
  await c.sync();
  const abort = new AbortController();
  const poked = new Promise((resolve) => subscribe(c, abort.signal, resolve).catch(() => undefined));
  await new Promise((r) => setTimeout(r, 300)); // let the subscription land
  const r = await rest("PATCH", `/api/collections/findings/records/${env.findingA}`, { responsible_party: `推送 ${Date.now()}` });
  assert.equal(r.status, 200);
  const scopes = await poked;
  abort.abort();
  assert.ok(scopes.includes(`sd:${env.sdA}`), `poked ${scopes}`);
});

test("two tabs on one store never sync at once", async () => {
  const user = await newUser();
  const a = await phone(user, { dbName: "shared-tabs-" + user.id });
  const b = await Client.open({ ...a.cfg });
  let active = 0, most = 0, runs = 0;
  for (const c of [a, b]) c.on("sync", (e) => {
    if (e.state === "start") { active++; runs++; most = Math.max(most, active); } else active--;
  });
  await control("delay?ms=40"); // slow answers: without the lock the loops would overlap
  try {
    await Promise.all([0, 1, 2].flatMap(() => [a.sync(), b.sync()]));
  } finally {
    await control("delay?ms=0");
  }
  assert.equal(runs, 6);
  assert.equal(most, 1, "at most one sync loop ran at any time");
});

test("live() pulls another device's write when the poke arrives, syncs when the device comes online, and tells the app when it goes offline", async () => {
  const user = await newUser();
  const c = await phone(user);
  // Node has no window: a stand-in EventTarget receives the online event as a page would.
  const win = new EventTarget();
  globalThis.addEventListener = win.addEventListener.bind(win);
  globalThis.removeEventListener = win.removeEventListener.bind(win);
  const syncs = [];
  c.on("sync", (e) => syncs.push(e.state));
  const stop = live(c, { intervalMs: 3_600_000 });
  try {
    const until = async (f) => { for (let i = 0; i < 200 && !(await f()); i++) await new Promise((r) => setTimeout(r, 50)); return f(); };
    assert.ok(await until(async () => syncs.includes("done")), "live() syncs at once");
    await new Promise((r) => setTimeout(r, 500)); // the subscription lands
    const text = `另一台设备 ${Date.now()}`;
    assert.equal((await rest("PATCH", `/api/collections/findings/records/${env.findingA}`, { responsible_party: text })).status, 200);
    assert.ok(await until(async () => (await c.get("findings", env.findingA)).data.responsible_party === text), "the poke brought the write");
    const before = syncs.filter((s) => s === "done").length;
    const network = [];
    c.on("network", (e) => network.push(e.online));
    win.dispatchEvent(new Event("online"));
    assert.ok(await until(async () => syncs.filter((s) => s === "done").length > before), "online syncs");
    assert.deepEqual(network, [true]);
    win.dispatchEvent(new Event("offline"));
    assert.deepEqual(network, [true, false], "going offline is told to the app");
  } finally {
    stop();
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  }
});
