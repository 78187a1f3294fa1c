// The randomized convergence test, ported from mobile-api/client: simulated phones do random
// offline work (creates, patches, voids, reloads) over a network that loses answers, the
// district writes meanwhile, and after a final sync every phone holds exactly what REST shows
// its user. FS_SEEDS seeds (3 in make test; FIELDSYNC_LONG=1 runs 40); FS_SEED=S replays one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { env, rest, newUser, phone, reopen, control, restAll, findingData, tokenOf } from "./helpers.mjs";
import { OfflineError } from "../dist/fieldsync.js";

const seeds = process.env.FS_SEED ? [Number(process.env.FS_SEED)] : Array.from({ length: Number(process.env.FS_SEEDS ?? 3) }, (_, i) => i + 1);

function rng(seed) { // mulberry32: small, seedable, good enough to pick actions
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const seed of seeds) {
  test(`phones with random offline work converge to what REST shows each user (seed ${seed})`, async () => {
    const r = rng(seed);
    const pick = (xs) => xs[Math.floor(r() * xs.length)];
    const ua = await newUser("inspector", [env.sdA]);
    const ub = await newUser("inspector", [env.sdA]);
    const uc = await newUser("inspector", [env.sdB]);
    const phones = [
      { user: ua, sd: env.sdA, c: await phone(ua) },
      { user: ua, sd: env.sdA, c: await phone(ua) }, // the same inspector's second phone
      { user: ub, sd: env.sdA, c: await phone(ub) },
      { user: uc, sd: env.sdB, c: await phone(uc) },
    ];
    const places = { [env.sdA]: env.placeA };
    const venueB = await rest("POST", "/api/collections/places/records", { kind: "venue", venue_type: "group_rental", name: "乙街道场所", subdistrict: env.sdB, address: "乙路" });
    places[env.sdB] = venueB.body.id;
    // Only the records this seed made are edited, so the fixture stays as the other tests expect.
    const made = new Set();
    const syncSafely = async (p) => {
      try { await p.c.sync(); } catch (e) { if (!(e instanceof OfflineError)) throw e; }
    };
    for (const p of phones) await syncSafely(p);
    for (let step = 0; step < 30; step++) {
      const p = pick(phones);
      const mine = (await p.c.list("findings", { subdistrict: p.sd })).filter((f) => made.has(f.id) && !f.data.voided);
      const x = r();
      if (x < 0.25) {
        made.add(await p.c.create("findings", { ...findingData(`随机 ${seed}/${step}`), place: places[p.sd], subdistrict: p.sd }));
      } else if (x < 0.45 && mine.length) {
        await p.c.patch("findings", pick(mine).id, { description: `改写 ${seed}/${step}` });
      } else if (x < 0.55 && mine.length) {
        await p.c.patch("findings", pick(mine).id, { responsible_party: `责任方 ${step}`, people_involved: step });
      } else if (x < 0.6) {
        await p.c.create("places", { kind: "venue", venue_type: "group_rental", name: `随机场所 ${step}`, subdistrict: p.sd, address: "随机路" });
      } else if (x < 0.75) {
        if (r() < 0.3) await control(`lose?path=/api/sync/v1/${pick(["push", "pull"])}`);
        await syncSafely(p);
      } else if (x < 0.85) {
        p.c = await reopen(p.c); // the app is killed and started again
      } else if (x < 0.92) {
        const all = await restAll("findings", env.su, `subdistrict="${pick([env.sdA, env.sdB])}" && voided=false`);
        const id = pick([...all.keys()].filter((k) => made.has(k)));
        if (id) await rest("PATCH", `/api/collections/findings/records/${id}`, { description: `区里改写 ${step}` });
      } else if (mine.length) {
        await p.c.void("findings", pick(mine).id);
      }
    }
    await control("lose?path=none");
    for (let round = 0; round < 2; round++) for (const p of phones) await p.c.sync();
    for (const [i, p] of phones.entries()) {
      assert.equal(await p.c.pendingCount(), 0, `phone ${i}: outbox empty`);
      const token = await tokenOf(p.c);
      for (const coll of ["findings", "places"]) {
        const server = await restAll(coll, token);
        const local = new Map((await p.c.list(coll)).map((rec) => [rec.id, rec]));
        assert.deepEqual([...local.keys()].sort(), [...server.keys()].sort(), `seed ${seed} phone ${i} ${coll}: ids`);
        for (const [id, rec] of server) {
          const l = local.get(id);
          assert.equal(l.dirty, false);
          for (const f of ["description", "updated", "voided", "responsible_party", "status"]) {
            if (f in rec) assert.deepEqual(l.data[f], rec[f], `seed ${seed} phone ${i} ${coll}/${id}.${f}`);
          }
        }
      }
      for (const sc of await p.c.scopes()) assert.match(await p.c.checksum(sc), /^[0-9a-f]{16}$/);
      p.c.close();
    }
  });
}
