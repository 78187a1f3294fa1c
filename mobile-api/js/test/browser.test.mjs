// The same SDK in Debian's headless chromium, on real IndexedDB: the outbox survives a reload
// and a browser restart, and two tabs never sync at once (Web Locks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { env, newUser, control, restAll, rest } from "./helpers.mjs";

const launch = (dir) => chromium.launchPersistentContext(dir, { executablePath: env.chromium, headless: true, args: ["--no-sandbox"] });

async function open(ctx) {
  const page = await ctx.newPage();
  await page.goto(env.url + "/__sdk/page.html");
  await page.waitForFunction(() => window.ready === true);
  return page;
}

test("in chromium, IndexedDB keeps the outbox across a reload and a browser restart, and two tabs never sync at once", { skip: !env.chromium && "no chromium (FS_CHROMIUM)" }, async () => {
  const user = await newUser();
  const dir = mkdtempSync(join(tmpdir(), "fieldsync-chromium-"));
  const args = { url: env.url, email: user.email, password: user.password, place: env.placeA, sd: env.sdA };
  let ctx = await launch(dir);
  try {
    let page = await open(ctx);
    const made = await page.evaluate(async (a) => {
      const c = await fs.Client.open({ baseURL: a.url, dbName: "app" });
      await c.signIn(a.email, a.password);
      await c.sync();
      const id = await c.create("findings", { programme: "fire", place: a.place, subdistrict: a.sd, category: "fire.wiring", severity: "general", description: "浏览器离线记录" });
      return { id, pending: await c.pendingCount(), locks: typeof navigator.locks?.request };
    }, args);
    assert.equal(made.pending, 1);
    assert.equal(made.locks, "function", "chromium has Web Locks: the lock under test is theirs");

    const read = (a) => page.evaluate(async ({ id }) => {
      const c = await fs.Client.open({ baseURL: location.origin, dbName: "app" });
      const rec = await c.get("findings", id);
      const outbox = await c.db.getAll("outbox");
      c.close();
      return { dirty: rec?.dirty, description: rec?.data.description, mids: outbox.map((o) => o.mid), ops: outbox.map((o) => o.m.op) };
    }, a);
    await page.reload();
    await page.waitForFunction(() => window.ready === true);
    assert.deepEqual(await read(made), { dirty: true, description: "浏览器离线记录", mids: [1], ops: ["create"] }, "after a reload");

    await ctx.close();
    ctx = await launch(dir);
    page = await open(ctx);
    assert.deepEqual(await read(made), { dirty: true, description: "浏览器离线记录", mids: [1], ops: ["create"] }, "after a browser restart");

    // Two tabs of the app, each asking for three syncs at once over slow answers.
    const second = await open(ctx);
    // Each tab notes when its syncs held the loop, on the wall clock all tabs share
    // (localStorage would not do: tabs in other processes see its writes late).
    const tab = (p) => p.evaluate(async () => {
      const c = await fs.Client.open({ baseURL: location.origin, dbName: "app" });
      const spans = [];
      c.on("sync", (e) => {
        if (e.state === "start") spans.push([Date.now(), 0]);
        else spans.at(-1)[1] = Date.now();
      });
      await Promise.all([c.sync(), c.sync(), c.sync()]);
      return { pending: await c.pendingCount(), spans };
    });
    await control("delay?ms=40");
    let tabs;
    try {
      tabs = await Promise.all([tab(page), tab(second)]);
    } finally {
      await control("delay?ms=0");
    }
    assert.deepEqual(tabs.map((t) => t.pending), [0, 0]);
    const spans = tabs.flatMap((t) => t.spans).sort((x, y) => x[0] - y[0]);
    assert.equal(spans.length, 6);
    for (let i = 1; i < spans.length; i++) {
      assert.ok(spans[i][0] >= spans[i - 1][1], `sync ${i} began at ${spans[i][0]} before the one before ended at ${spans[i - 1][1]}`);
    }

    const token = (await rest("POST", "/api/collections/users/auth-with-password", { identity: user.email, password: user.password })).body.token;
    const onServer = await restAll("findings", token, `id="${made.id}"`);
    assert.equal(onServer.get(made.id)?.description, "浏览器离线记录", "the edit made before the restart reached the server");
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
