// A push answered 503 sync_busy, against a real server whose pushes are turned away as soon as
// one push waits before them (see busyApp in mobile-api/sdktest): the SDK tells the app, waits
// the server's retry_after, sends the same edits again, and they are applied once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, control, findingData } from "./helpers.mjs";
import { Client } from "../dist/fieldsync.js";

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
async function busyPhone(name) {
  const email = `busy-${name}-${process.pid}@sdk.test`;
  const res = await busyREST("POST", "/api/collections/users/records", {
    email, password: env.password, passwordConfirm: env.password, verified: true, name: "测试 " + name, role: "inspector", subdistricts: [env.sdA],
  });
  assert.equal(res.status, 200, res.text);
  const c = await Client.open({ baseURL: busyURL, dbName: `busy-${name}-${process.pid}`, appVersion: "test" });
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
