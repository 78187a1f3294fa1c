// Drives the SDK benchmark in headless chromium (playwright-core; Debian's chromium) against a
// server that also serves this directory at /__bench/ (fsbench --only 5 fronts the real server
// with it; the SDK tests' harness does the same). Prints the figures; exits non-zero when a
// check fails (the contenders got different records, a delta sync left edits unsent).
//
//   FS_URL=http://127.0.0.1:8090 FS_EMAIL=… FS_PASSWORD=… FS_CHROMIUM=/usr/bin/chromium node bench/run.mjs [reps]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const contenders = [
  { name: "fieldsync SDK", run: (page, a) => page.evaluate((a) => bench.sdkFirstSync(a), a) },
  { name: "PocketBase getFullList, one collection after another", run: (page, a) => page.evaluate((a) => bench.pbFirstSync({ ...a, parallel: false }), a) },
  { name: "PocketBase getFullList, all collections at once", run: (page, a) => page.evaluate((a) => bench.pbFirstSync({ ...a, parallel: true }), a) },
];

/**
 * Runs one untimed round (which checks that every contender gets the same records, and finds
 * the collections PocketBase's list endpoint cannot serve), then reps timed rounds, rotating
 * the contenders' order, each on a fresh IndexedDB database of a disk-backed profile; after
 * the SDK's first sync of each round, the delta syncs of deltaN changes. Returns the figures.
 */
export async function runBench({ url, chromiumPath, email, password, reps = 5, deltaN = 10, log = console.log }) {
  const dir = mkdtempSync(join(tmpdir(), "fieldsync-bench-"));
  const ctx = await chromium.launchPersistentContext(dir, { executablePath: chromiumPath, headless: true, args: ["--no-sandbox"] });
  try {
    const page = await ctx.newPage();
    await page.goto(url + "/__bench/page.html");
    await page.waitForFunction(() => window.ready === true);
    const all = await page.evaluate(() => bench.collections);
    const args = (db, colls = all) => ({ email, password, dbName: db, colls });
    let n = 0;
    const fresh = () => `bench${++n}`;

    // The untimed round: warms the server's caches and checks the contenders agree.
    const warm = [];
    for (const c of contenders) {
      const db = fresh();
      warm.push(await c.run(page, args(db)));
      await page.evaluate((db) => bench.drop(db), db);
    }
    const failed = Object.assign({}, ...warm.map((w) => w.failed ?? {}));
    for (const [coll, err] of Object.entries(failed)) log(`  PocketBase cannot list ${coll} (${err}); it is left out of PocketBase's side (the SDK's side keeps its ${warm[0].counts[coll] ?? 0} records)`);
    const listed = all.filter((c) => !(c in failed));
    for (const [i, w] of warm.entries()) {
      for (const coll of listed) {
        if ((w.counts[coll] ?? 0) !== (warm[0].counts[coll] ?? 0)) throw new Error(`${contenders[i].name} got ${w.counts[coll] ?? 0} records of ${coll}, the SDK ${warm[0].counts[coll] ?? 0}`);
      }
    }
    const total = (counts, colls) => colls.reduce((s, c) => s + (counts[c] ?? 0), 0);
    const records = { sdk: total(warm[0].counts, all), pb: total(warm[0].counts, listed) };
    log(`  every contender got the same ${records.pb} records of ${listed.length} collections; the SDK ${records.sdk} in all`);

    const times = contenders.map(() => []);
    const deltas = [];
    let firstIdb = null, firstHttp = 0;
    for (let r = 0; r < reps; r++) {
      const line = [];
      for (let j = 0; j < contenders.length; j++) {
        const k = (r + j) % contenders.length;
        const db = fresh();
        const res = await contenders[k].run(page, args(db, k === 0 ? all : listed));
        times[k].push(res.ms);
        if (k === 0) [firstIdb, firstHttp] = [res.idb, res.http];
        line[k] = `${Math.round(res.ms)} ms`;
        if (k === 0) {
          const d = await page.evaluate((a) => bench.sdkDeltas(a), { email, password, dbName: db, n: deltaN });
          if (d.pending !== 0 || d.localOutcomes.length !== deltaN) throw new Error(`delta sync: ${JSON.stringify(d)}`);
          // Sending the phone's edits and getting the server's truth back is a push and a pull:
          // a third round trip is one too many.
          if (d.localHttp !== 2) throw new Error(`delta sync: the phone's edits took ${d.localHttp} HTTP requests, not 2 (push, pull)`);
          deltas.push(d);
          await page.evaluate((db) => bench.drop(db + "-other"), db);
        }
        await page.evaluate((db) => bench.drop(db), db);
      }
      const d = deltas.at(-1);
      log(`  round ${r + 1}: ${contenders.map((c, k) => `${c.name} ${line[k]}`).join("; ")}; delta ${deltaN} from another device ${Math.round(d.remoteMs)} ms, ${deltaN} local edits ${Math.round(d.localMs)} ms (${d.localOutcomes.join(",")})`);
      const idb = (x) => `${x.requests} IndexedDB requests reading ${x.read} values`;
      log(`    exact counts: SDK first sync ${idb(firstIdb)} (${(firstIdb.requests / records.sdk).toFixed(2)} requests per record), ${firstHttp} HTTP; delta from another device ${idb(d.remoteIdb)}, ${d.remoteHttp} HTTP (${Math.round(d.remoteHttpMs)} ms of it waiting for answers); local edits ${idb(d.localIdb)}, ${d.localHttp} HTTP (${Math.round(d.localHttpMs)} ms waiting)`);
    }
    const result = {
      records, failed,
      firstSync: contenders.map((c, k) => ({ name: c.name, ...stats(times[k]) })),
      deltaRemote: stats(deltas.map((d) => d.remoteMs)),
      deltaLocal: stats(deltas.map((d) => d.localMs)),
      counts: { firstSyncIdb: firstIdb, firstSyncHttp: firstHttp, deltaRemoteIdb: deltas.at(-1).remoteIdb, deltaRemoteHttp: deltas.at(-1).remoteHttp, deltaLocalIdb: deltas.at(-1).localIdb, deltaLocalHttp: deltas.at(-1).localHttp },
    };
    const sdk = result.firstSync[0];
    const best = result.firstSync.slice(1).reduce((a, b) => (b.median < a.median ? b : a));
    result.speedup = best.median / sdk.median;
    log(`\nfirst sync, median (range) of ${reps}:`);
    for (const f of result.firstSync) log(`  ${f.name}: ${Math.round(f.median)} ms (${Math.round(f.min)}–${Math.round(f.max)})`);
    log(`  the SDK is ${result.speedup.toFixed(1)}x faster than the faster PocketBase way (target: at least 3x)`);
    log(`delta sync of ${deltaN} changes made on another device: ${Math.round(result.deltaRemote.median)} ms (${Math.round(result.deltaRemote.min)}–${Math.round(result.deltaRemote.max)})`);
    log(`delta sync of ${deltaN} edits made on this phone (push and pull): ${Math.round(result.deltaLocal.median)} ms (${Math.round(result.deltaLocal.min)}–${Math.round(result.deltaLocal.max)}) (target: under 150 ms)`);
    return result;
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s.at(-1), n: s.length };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = process.env;
  const reps = Number(process.argv[2] ?? 5);
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
  await runBench({ url: env.FS_URL, chromiumPath: env.FS_CHROMIUM || "/usr/bin/chromium", email: env.FS_EMAIL, password: env.FS_PASSWORD, reps });
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(", ")}`);
}
