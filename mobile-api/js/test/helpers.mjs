// Shared by the protocol tests. IndexedDB in Node is fake-indexeddb, an in-memory stand-in
// for the browser's storage: the protocol logic runs here; real IndexedDB is exercised in
// headless chromium (browser.test.mjs).
import "fake-indexeddb/auto";
import { Client } from "../dist/fieldsync.js";

export const env = {
  url: process.env.FS_URL,
  password: process.env.FS_PASSWORD,
  su: process.env.FS_SU_TOKEN,
  sdA: process.env.FS_SD_A,
  sdB: process.env.FS_SD_B,
  findingA: process.env.FS_FINDING_A,
  placeA: process.env.FS_PLACE_A,
  classA: process.env.FS_CLASS_A,
  photo: process.env.FS_PHOTO,
  chromium: process.env.FS_CHROMIUM,
};
if (!env.url) throw new Error("FS_URL is not set: run these tests through go test ./mobile-api/sdktest");

let n = 0;
const unique = () => `${process.pid}x${Date.now().toString(36)}x${++n}`;

/** A REST call as token (default: the district administrator). */
export async function rest(method, path, body, token = env.su) {
  const res = await fetch(env.url + path, {
    method,
    headers: { Authorization: token, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Makes a staff account through the administrator; returns {id, email, password}. */
export async function newUser(role = "inspector", subdistricts = [env.sdA]) {
  const email = `u${unique()}@sdk.test`;
  const res = await rest("POST", "/api/collections/users/records", {
    email, password: env.password, passwordConfirm: env.password, verified: true, name: "测试 " + role, role, subdistricts,
  });
  if (res.status !== 200) throw new Error(`new user: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, email, password: env.password };
}

/** A phone of user: a client on its own IndexedDB database, signed in with the password. */
export async function phone(user, cfg = {}) {
  const c = await Client.open({ baseURL: env.url, dbName: "db" + unique(), appVersion: "test", ...cfg });
  await c.signIn(user.email, user.password);
  return c;
}

/** Reopens a phone's store, as after a reload of the app. */
export async function reopen(c, cfg = {}) {
  c.close();
  return Client.open({ ...c.cfg, ...cfg });
}

export async function control(what) {
  const res = await fetch(env.url + "/__test/" + what, { method: "POST" });
  if (res.status !== 204) throw new Error(`control ${what}: ${res.status}`);
}

/** How many requests to path the harness has forwarded to the server. */
export async function seen(path) {
  const res = await fetch(env.url + "/__test/seen?path=" + encodeURIComponent(path), { method: "POST" });
  if (res.status !== 200) throw new Error(`seen ${path}: ${res.status}`);
  return Number(await res.text());
}

/** Every record of coll that REST shows token, by id. */
export async function restAll(coll, token, filter = "") {
  const out = new Map();
  for (let page = 1; ; page++) {
    const q = `?perPage=500&page=${page}${filter ? "&filter=" + encodeURIComponent(filter) : ""}`;
    const res = await rest("GET", `/api/collections/${coll}/records${q}`, undefined, token);
    if (res.status !== 200) throw new Error(`list ${coll}: ${res.status} ${JSON.stringify(res.body)}`);
    for (const r of res.body.items) out.set(r.id, r);
    if (page >= res.body.totalPages) return out;
  }
}

/** A finding's create data in subdistrict A at the fixture's venue. */
export const findingData = (description = "楼道私拉电线") => ({
  programme: "fire", place: env.placeA, subdistrict: env.sdA, category: "fire.wiring", severity: "general", description,
});

/** The REST token of a phone's user. */
export async function tokenOf(c) { return (await c.meta()).token; }
