// Sign-in, token refresh, 401, realtime pokes and the single sync loop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, rest, newUser, phone, control } from "./helpers.mjs";
import { Client, SignedOutError, subscribe } from "../dist/fieldsync.js";

test("a token near its expiry is refreshed before the request; a refused token signs out", async () => {
  const user = await newUser();
  const c = await phone(user);
  const first = (await c.meta()).token;
  await c.sync();
  const late = await Client.open({ ...c.cfg, now: () => Date.now() + 400 * 24 * 3600_000 });
  c.close();
  await late.sync();
  const refreshed = (await late.meta()).token;
  assert.notEqual(refreshed, first, "the token was refreshed");
  await late.useToken("not-a-token");
  const events = [];
  late.on("signedout", () => events.push(1));
  await assert.rejects(late.sync(), SignedOutError);
  assert.equal(events.length, 1);
  assert.equal((await late.meta()).token, "", "the refused token is forgotten: ask for the password");
  await assert.rejects(Client.open({ ...late.cfg, clientId: "someone-else-0001" }), /belongs to client/);
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
