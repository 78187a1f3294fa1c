// Drafts: what the inspector typed into a record form, and the photos taken in it, kept on the
// phone until the form is saved, so that a reload, a killed tab or a restarted browser loses
// nothing. Every form of formkit.js's form() keeps one, keyed by the signed-in user, the form
// and the route it is for (a new finding at place X is another draft than one at place Y; an
// edit of finding F is keyed by F). Opened again, the form is filled from its draft and says
// so, with 放弃草稿 / Discard draft. A save that queued the edit drops the draft; a refused one
// keeps it.
//
// Where: an IndexedDB database of the app's own ("xcz-drafts"), not the SDK's store (whose
// versions belong to the SDK) and not localStorage (which holds strings, not the photos'
// Blobs). It lives on the same origin as the SDK's outbox, so it survives what the outbox
// survives. The page reads it once (load) and then keeps its drafts in memory, so a form is
// filled as it is built, before the inspector can type into it.
//
// Whose: drafts belong to the user signed in. None is shown while nobody is (a sign-in that
// expired shows the sign-in screen; the same user signed in again gets theirs back); another
// user's sign-in drops every draft of the one before (keepOnly); a revoked phone drops them
// all (clearAll).
import { h } from "/app/dom.js";
import { t, time } from "/app/i18n.js";

// draftKeepDays is how long a draft not touched is kept: older ones are dropped when the app
// opens. Two weeks covers a long weekend and a week off; a form older than that is stale.
export const draftKeepDays = 14;

const dbName = "xcz-drafts";
const storeName = "drafts";
const debounceMs = 400;

// pickers maps a form's photo input to its picker ({taken, add}); formkit.js's photoPicker
// registers each, so a draft keeps the form's photos with its fields.
export const pickers = new WeakMap();

const state = {
  user: "", // whose drafts this page shows; "" while nobody is signed in
  cache: new Map(), // key → draft, the user's drafts
  saving: new Set(), // keys whose form is being saved: not restored meanwhile
  pending: new Map(), // form element → {key, timer}
  redraw: () => undefined,
};

let opening = null;
function openDB() {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(storeName, { keyPath: "key" });
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => { db.close(); opening = null; };
      resolve(db);
    };
    req.onerror = () => { opening = null; reject(req.error); };
  });
  return opening;
}

// inStore runs f on the drafts' object store in one transaction and resolves with what f's
// request returned once the transaction has committed.
async function inStore(mode, f) {
  const db = await openDB();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(storeName, mode);
    const req = f(tx.objectStore(storeName));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

// load reads the drafts of user (none when "", nobody signed in) and drops every draft older
// than draftKeepDays, whoever's.
export async function load(user, now = Date.now()) {
  state.user = user ?? "";
  state.cache = new Map();
  try {
    const all = (await inStore("readonly", (s) => s.getAll())) ?? [];
    const cutoff = now - draftKeepDays * 86400e3;
    const stale = all.filter((d) => !(d.saved >= cutoff));
    if (stale.length) await inStore("readwrite", (s) => { stale.forEach((d) => s.delete(d.key)); });
    for (const d of all) if (d.saved >= cutoff && state.user && d.user === state.user) state.cache.set(d.key, d);
  } catch {
    // no IndexedDB (a private window refusing it): forms work, without drafts
  }
}

// keepOnly drops every draft that is not user's: another user signed in on this phone.
export async function keepOnly(user) {
  const all = (await inStore("readonly", (s) => s.getAll())) ?? [];
  const others = all.filter((d) => d.user !== user);
  if (others.length) await inStore("readwrite", (s) => { others.forEach((d) => s.delete(d.key)); });
  if (state.user !== user) state.cache = new Map();
}

// clearAll drops every draft (a revoked phone).
export async function clearAll() {
  state.cache = new Map();
  for (const p of state.pending.values()) clearTimeout(p.timer);
  state.pending.clear();
  await inStore("readwrite", (s) => s.clear());
}

// setRedraw names what draws the screen again (after a draft is discarded).
export function setRedraw(f) { state.redraw = f; }

const routeNow = () => location.hash || "#/";
const skipped = (c) => !c.name || ["file", "submit", "button", "password", "reset"].includes(c.type);
const checkable = (c) => c.type === "checkbox" || c.type === "radio";

function snapshot(el) {
  const fields = [...el.elements].filter((c) => !skipped(c))
    .map((c) => (checkable(c) ? { name: c.name, value: c.value, checked: c.checked } : { name: c.name, value: c.value }));
  const photos = [...el.querySelectorAll("input[type=file]")].flatMap((i) => pickers.get(i)?.taken ?? []);
  return { fields, photos };
}

// restore puts draft d back into form el: each control takes the first unused value saved
// under its name (a box, the one saved with its value too), the picker its photos.
function restore(el, d) {
  const used = new Set();
  for (const c of el.elements) {
    if (skipped(c)) continue;
    const i = d.fields.findIndex((f, n) => !used.has(n) && f.name === c.name && (!checkable(c) || f.value === c.value));
    if (i < 0) continue;
    used.add(i);
    if (checkable(c)) c.checked = !!d.fields[i].checked;
    else c.value = d.fields[i].value;
  }
  // Once every field holds its value, a control that shows more than its own (the GPS
  // picker's point) draws it again.
  for (const c of el.elements) c.dispatchEvent(new Event("draft-restored"));
  const picker = [...el.querySelectorAll("input[type=file]")].map((i) => pickers.get(i)).find(Boolean);
  if (picker && d.photos?.length) picker.add(d.photos);
  el.dataset.editing = "true";
  el.dataset.draft = "restored";
  const note = h("p", { class: "draft-note", role: "status" },
    t("draft.restored", { t: time(new Date(d.saved).toISOString()) }), d.photos?.length ? t("draft.photos", { n: d.photos.length }) : "",
    h("button", { type: "button", class: "draft-discard", onclick: () => discard(el, d.key) }, t("draft.discard")));
  const head = el.querySelector("h2, h3, h4");
  if (head) head.after(note);
  else el.prepend(note);
}

async function discard(el, key) {
  const p = state.pending.get(el);
  if (p) clearTimeout(p.timer);
  state.pending.delete(el);
  state.cache.delete(key);
  await inStore("readwrite", (s) => s.delete(key)).catch(() => undefined);
  delete el.dataset.editing;
  await flush(); // the screen's other forms keep what was typed into them
  state.redraw();
}

async function write(el, key) {
  state.pending.delete(el);
  const seq = (el.draftSeq = (el.draftSeq ?? 0) + 1);
  // The user and route the form was built for: a debounced write may come after the hash moved.
  const d = { key, user: el.draftUser, form: el.id, route: el.draftRoute, saved: Date.now(), ...snapshot(el) };
  state.cache.set(key, d);
  try {
    await inStore("readwrite", (s) => s.put(d));
    if (el.draftSeq === seq && el.dataset.draft === "pending") el.dataset.draft = "saved";
  } catch {
    el.dataset.draft = "failed";
  }
}

// attach makes form el keep a draft, and fills it from the one kept, if any.
export function attach(el) {
  if (!state.user || !el.id) return;
  const route = routeNow();
  const key = `${state.user}|${el.id}|${route}`;
  const d = !state.saving.has(key) && state.cache.get(key);
  if (d) restore(el, d);
  const changed = () => {
    if (state.saving.has(key)) return;
    el.dataset.draft = "pending";
    const p = state.pending.get(el);
    if (p) clearTimeout(p.timer);
    state.pending.set(el, { key, timer: setTimeout(() => write(el, key), debounceMs) });
  };
  el.addEventListener("input", changed);
  el.addEventListener("change", changed);
  el.draftKey = key;
  el.draftUser = state.user;
  el.draftRoute = route;
}

// flush writes at once every draft waiting for its debounce (the page is hidden or about to
// reload).
export async function flush() {
  const waiting = [...state.pending.entries()];
  for (const [el, p] of waiting) clearTimeout(p.timer);
  await Promise.all(waiting.map(([el, p]) => write(el, p.key)));
}

// saving is called as form el is submitted: its draft is written as it stands (a refused save
// keeps it) and not restored into a form drawn while the save runs. done(ok) ends it: a save
// that queued its edit drops the draft.
export function saving(el) {
  const key = el.draftKey;
  if (!key) return () => undefined;
  const p = state.pending.get(el);
  if (p) clearTimeout(p.timer);
  // A form nothing was typed into (a bare confirmation, a submit refused before any typing)
  // leaves no draft behind.
  if (el.dataset.draft) el.dataset.draft = "pending";
  const written = el.dataset.draft ? write(el, key) : Promise.resolve();
  state.saving.add(key);
  return async (ok) => {
    if (ok) {
      state.cache.delete(key);
      await written;
      await inStore("readwrite", (s) => s.delete(key)).catch(() => undefined);
      delete el.dataset.draft;
    }
    state.saving.delete(key);
  };
}

addEventListener("pagehide", () => { flush(); });
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") flush(); });
