// 巡查通's shell: installs the service worker that lets the app open offline, opens the sync
// SDK's store, signs in, keeps the sync status line, and draws the screen the hash names.
// Every record the screens read or write goes through the SDK: local reads, queued edits,
// commands and photos; the SDK syncs them with the server's public sync API.
import { Client, uploadPhotos, queuedPhotos, live, OfflineError, SignedOutError, RevokedError, SchemaMismatchError, ServerError } from "/app/sdk/fieldsync.js";
import { t, language, setLanguage, setVocab, loadVocab, time } from "/app/i18n.js";
import { keptGet, keptPut, keptDelete } from "/app/kept.js";
import { h } from "/app/dom.js";
import { screens } from "/app/screens.js";
import { keepReportPhotos, forgetReportPhotos } from "/app/reportphotos.js";
import * as drafts from "/app/drafts.js";

const view = document.getElementById("view");
const network = document.getElementById("network");
const langButton = document.getElementById("lang");
const status = document.getElementById("sync");

const ctx = {
  client: null,
  me: null, // the user's own record, synced in the me: scope
  outdated: false, // a newer version of the app opened the store: this page's copy is closed
  storeNewer: false, // the store is at a version this app does not know: it cannot be opened
  go: (hash) => { location.hash = hash; },
  draw: () => draw(),
  sync: () => syncNow(),
  signOut: () => signOut(),
};

function showNetwork() {
  network.textContent = navigator.onLine ? t("net.online") : t("net.offline");
  network.classList.toggle("offline", !navigator.onLine);
}

function showShell(installed) {
  const p = document.getElementById("shell-state");
  p.dataset.i18n = installed ? "shell.ready" : "shell.install";
  p.dataset.installed = String(installed);
  p.textContent = t(p.dataset.i18n);
}

function applyLanguage(next) {
  setLanguage(next);
  langButton.textContent = t("lang.switch");
  langButton.title = t("lang.label");
  showNetwork();
  showStatus();
  if (ctx.storeNewer) showStoreNewer();
  // A closed store draws nothing: the form on screen stays as typed, the status line changed.
  // A form the inspector has begun keeps what they typed and the photos they took (a redraw
  // builds it empty): it takes the other language once left; the chrome switches now.
  if (ctx.client && !ctx.outdated && !view.querySelector("form[data-editing]")) draw();
}

langButton.addEventListener("click", () => applyLanguage(language() === "zh" ? "en" : "zh"));
addEventListener("online", showNetwork);
addEventListener("offline", showNetwork);

async function install() {
  if (!("serviceWorker" in navigator)) {
    showShell(false);
    return;
  }
  await navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" });
  await navigator.serviceWorker.ready;
  showShell(navigator.serviceWorker.controller !== null);
  navigator.serviceWorker.addEventListener("controllerchange", () => showShell(true));
}

// ---- the sync status line ----

const sync = { running: false, uploading: false, error: "", photo: null, stop: null, busy: 0, last: null };

// serverBusy notes that the server turned a push or a photo away busy and when the SDK sends it
// again (it waits by itself): the status line says so instead of a failure.
function serverBusy(retryAfter) {
  sync.busy = Math.max(1, Number(retryAfter) || 1);
  showStatus();
}

async function showStatus() {
  const c = ctx.client;
  if (ctx.outdated) return showOutdated();
  if (!c || !ctx.me) {
    status.hidden = true;
    return;
  }
  status.hidden = false;
  const last = sync.last;
  const edits = await c.pendingCount();
  const photos = (await queuedPhotos(c)).length;
  if (ctx.outdated) return; // the store closed meanwhile: the request to reload stays
  const pct = sync.photo && sync.photo.size ? Math.floor((100 * sync.photo.sent) / sync.photo.size) : null;
  status.replaceChildren(...[
    h("span", { id: "sync-last" }, sync.running ? t("sync.running") : last ? t("sync.last", { t: time(last) }) : t("sync.never")),
    h("span", { id: "sync-edits", dataset: { n: edits } }, t("sync.edits", { n: edits })),
    h("span", { id: "sync-photos", dataset: { n: photos } }, t("sync.photos", { n: photos }), photos && pct !== null ? t("sync.photoProgress", { p: pct }) : ""),
    sync.busy ? h("span", { id: "sync-busy", class: "warn" }, t("sync.busy", { n: sync.busy })) : null,
    sync.error ? h("span", { id: "sync-error", class: "warn" }, sync.error) : null,
    h("button", { id: "sync-now", type: "button", disabled: sync.running, onclick: () => syncNow() }, t("sync.now")),
  ].filter(Boolean));
}

// showOutdated asks for a reload in the status line, in the language chosen (a switch draws
// it again): the store is closed, nothing more can be read or synced on this page. A record
// form keeps its draft (drafts.js), so the request can say it comes back after the reload;
// the sign-in form keeps none (a password is not kept), so there it does not.
function showOutdated() {
  status.hidden = false;
  const kept = view.querySelector("form[data-draft]") !== null;
  status.replaceChildren(h("span", { id: "sync-error", class: "warn" }, t(kept ? "outdated.kept" : "outdated")),
    h("button", { id: "reload", type: "button", onclick: reload }, t("reload")));
}

// reload reloads the page once every draft waiting for its debounce is written.
function reload() {
  drafts.flush().finally(() => location.reload());
}

// A newer version opened the store and this page's connection stepped aside for its upgrade:
// nothing more can be read or synced here, signed in or not. Reloaded at once unless the
// inspector is filling in a form (the sign-in's among them), whose typing a reload would lose:
// then the status line asks for it. Leaving the form (no other screen can be drawn from the
// closed store) reloads too.
function onOutdated() {
  ctx.outdated = true;
  if (!busy()) return reload();
  showOutdated();
}

// syncNow syncs at once (the button); the "sync" event's listener uploads the photos after.
function syncNow() {
  ctx.client?.sync().catch(failed);
}

async function afterSync() {
  const c = ctx.client;
  sync.error = "";
  sync.last = new Date().toISOString();
  await keptPut("lastSync", sync.last).catch(() => undefined);
  localStorage.removeItem("xcz.lastSync");
  await loadMe();
  await fetchVocab();
  if (!sync.uploading && (await queuedPhotos(c)).length) {
    sync.uploading = true;
    try {
      await uploadPhotos(c);
    } finally {
      sync.uploading = false;
      sync.photo = null;
      sync.busy = 0;
    }
  }
  // A photo not fetched now (the signal went, the server still has it pending) is fetched at
  // the next sync; the sync itself succeeded.
  if (ctx.me) await keepReportPhotos(c, ctx.me.id).catch(() => undefined);
}

function failed(e) {
  if (e instanceof OfflineError) sync.error = "";
  else if (e instanceof SchemaMismatchError) sync.error = t("sync.update");
  else if (e instanceof SignedOutError || e instanceof RevokedError) sync.error = "";
  else sync.error = t("sync.failed");
}

async function fetchVocab() {
  try {
    const res = await fetch("/api/fs/vocab");
    if (res.ok) await setVocab(await res.json());
  } catch {
    // offline: the kept vocabularies serve
  }
}

async function loadMe() {
  const meta = await ctx.client.meta();
  ctx.me = meta.user ? (await ctx.client.get("users", meta.user))?.data ?? { id: meta.user, subdistricts: [] } : null;
}

// ---- screens ----

let drawing = 0;
async function draw({ background = false } = {}) {
  const n = ++drawing;
  const c = ctx.client;
  const meta = await c.meta();
  let screen;
  if (meta.revoked) screen = revokedScreen;
  else if (!meta.token || !ctx.me) screen = signInScreen;
  else {
    const [path, query] = location.hash.replace(/^#/, "").split("?");
    const parts = (path || "/").split("/").filter(Boolean);
    const route = screens[parts[0] ?? "home"] ?? screens.home;
    screen = (ctx2) => route(ctx2, parts.slice(1), new URLSearchParams(query ?? ""));
  }
  const el = await screen(ctx);
  if (n !== drawing) return; // a newer draw started meanwhile
  // A background redraw takes a while to build; the inspector may have started on a form
  // meanwhile (a refused submit marks it too): their form stays, the next draw catches up.
  if (background && busy()) return;
  // A redraw after a sync that changed nothing on this screen keeps the nodes as they are, so
  // a tap in progress lands where the inspector aimed (photos get new blob: URLs each time).
  const same = (a, b) => a && a.outerHTML.replace(/blob:[^"]*/g, "blob:") === b.outerHTML.replace(/blob:[^"]*/g, "blob:");
  if (same(view.firstElementChild, el)) {
    showStatus();
    return;
  }
  view.replaceChildren(el);
  view.dataset.screen = el.dataset.screen ?? "";
  // The first home screen drawn: what cmd/appbench times from the navigation's start.
  if (view.dataset.screen === "home" && performance.getEntriesByName("xcz-home").length === 0) performance.mark("xcz-home");
  showStatus();
}

// showStoreNewer says why the app cannot open: a newer version of the app upgraded the store,
// and this page runs an older one (the server went back to an earlier release, or this page
// loaded before the newer one was installed). The store is left as it is, unsent edits in it;
// a reload once the phone's shell is the newer one opens it.
function showStoreNewer() {
  view.replaceChildren(h("section", { class: "stop", dataset: { screen: "store-newer" } },
    h("p", { role: "alert" }, t("store.newer")),
    h("button", { id: "reload", type: "button", class: "primary", onclick: () => location.reload() }, t("reload"))));
  view.dataset.screen = "store-newer";
}

async function revokedScreen() {
  const n = await ctx.client.pendingCount();
  return h("section", { class: "stop", dataset: { screen: "revoked" } }, h("p", { role: "alert" }, t("revoked", { n })));
}

function signInScreen() {
  const email = h("input", { id: "email", name: "email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("p", { id: "signin-msg", role: "status", "aria-live": "polite" });
  const button = h("button", { type: "submit", class: "primary" }, t("signin.submit"));
  const form = h("form", { id: "signin", dataset: { screen: "signin" }, onsubmit: async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try {
      await firstSignIn(email.value.trim(), password.value, msg);
    } catch (e) {
      msg.className = "warn";
      msg.textContent = e instanceof OfflineError ? t("signin.offline") : e instanceof ServerError && e.status < 500 ? t("signin.failed") : String(e.message ?? e);
    } finally {
      button.disabled = false;
    }
  } },
  h("h2", {}, t("signin.title")),
  h("p", {}, t("signin.intro")),
  h("label", { class: "field" }, h("span", { class: "label" }, t("signin.email")), email),
  h("label", { class: "field" }, h("span", { class: "label" }, t("signin.password")), password),
  button, msg);
  return form;
}

// firstSignIn signs in, registers the phone and downloads its scopes, saying how far it got.
// The store may be another user's, whose sign-in expired: its records are theirs to see and
// the server gives the installation to them only. With nothing of theirs waiting to be
// uploaded the phone is cleared first (as 退出 does); otherwise the sign-in is refused, the
// store left to its user, who signs in to sync it.
async function firstSignIn(email, password, msg) {
  let c = ctx.client;
  const before = (await c.meta()).user;
  await c.signIn(email, password);
  const user = (await c.meta()).user;
  if (before && before !== user) {
    const waiting = await unsent(c);
    if (waiting) {
      await c.useToken("", before);
      throw new Error(t("signin.otherUser", waiting));
    }
    await clearPhone();
    c = ctx.client = await openClient();
    ctx.me = null;
    await c.signIn(email, password);
  }
  await drafts.keepOnly(user).catch(() => undefined);
  msg.className = "";
  msg.textContent = t("signin.registering");
  await c.register();
  const count = async () => c.count();
  const off = c.on("change", async () => { msg.textContent = t("signin.downloading", { n: await count() }); });
  try {
    await c.sync();
  } finally {
    off();
  }
  await afterSync();
  if (!ctx.me || !ctx.me.role) {
    msg.textContent = t("signin.notstaff");
    return;
  }
  msg.textContent = t("signin.done", { n: await count() });
  await loadDrafts();
  sync.stop?.();
  sync.stop = startLive();
  location.hash = "#/";
  draw();
}

// signOut leaves the phone as it was before the first sign-in, so that someone else can sign
// in on it (clearPhone), and reloads to the sign-in screen. Refused while edits or photos wait
// to be uploaded: they would be lost (the SDK keeps them even through a revocation).
async function signOut() {
  const waiting = await unsent(ctx.client);
  if (waiting) {
    sync.error = t("signout.unsent", waiting);
    return showStatus();
  }
  await clearPhone();
  location.reload();
}

// unsent counts the edits and photos waiting to be uploaded: null when none waits.
async function unsent(c) {
  const n = await c.pendingCount();
  const m = (await queuedPhotos(c)).length;
  return n || m ? { n, m } : null;
}

// clearPhone deletes the SDK's store (the next sign-in makes a new installation: the server
// gives an installation to one user), the drafts, the kept report photos and the last sync's
// time.
async function clearPhone() {
  sync.stop?.();
  sync.stop = null;
  ctx.client.close();
  await drafts.clearAll().catch(() => undefined);
  await forgetReportPhotos().catch(() => undefined);
  sync.last = null;
  await keptDelete("lastSync").catch(() => undefined);
  localStorage.removeItem("xcz.lastSync");
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase("xcz");
    req.onsuccess = req.onerror = () => resolve();
  });
}

async function openClient() {
  const c = await Client.open({ baseURL: location.origin, dbName: "xcz", appVersion: "xcz-app-1" });
  c.on("outdated", onOutdated);
  return c;
}

// startLive syncs on the realtime poke, on "online", every five minutes, and after each
// sync uploads the photos still queued.
function startLive() {
  const c = ctx.client;
  const offs = [
    c.on("sync", async (e) => {
      // A push turned away busy: the sync goes on, sent again after the server's wait.
      if (e.state === "busy") return serverBusy(e.retryAfter);
      sync.busy = 0;
      if (e.state === "start") {
        sync.running = true;
      } else {
        sync.running = false;
        if (e.state === "done") {
          try {
            await afterSync();
          } catch (err) {
            failed(err);
          }
        } else failed(e.error);
      }
      showStatus();
    }),
    c.on("progress", (p) => {
      if (p.state === "busy") return serverBusy(p.retryAfter);
      sync.busy = 0;
      sync.photo = p;
      showStatus();
    }),
    c.on("change", () => { showStatus(); scheduleDraw(); schedulePush(); }),
    c.on("signedout", async () => { sync.error = t("signedout"); await drafts.flush(); await loadDrafts(); draw(); }),
    c.on("revoked", () => { forgetReportPhotos().catch(() => undefined); drafts.clearAll().catch(() => undefined); draw(); }),
  ];
  const stopLive = live(c);
  return () => { stopLive(); offs.forEach((f) => f()); };
}

// An edit made while online goes up at once (a second later, so that a finding and its
// photos leave together); offline, the "online" event will send it.
let pushTimer = null;
function schedulePush() {
  clearTimeout(pushTimer);
  pushTimer = setTimeout(async () => {
    if (navigator.onLine && !sync.running && (await ctx.client.pendingCount()) > 0) syncNow();
  }, 1000);
}

// A pull changes many records at once: draw the screen again once they settled, unless the
// inspector is filling in a new record or typing into a form.
const entryScreens = ["signin", "finding-new", "install", "followup", "incident", "tutoring", "dust", "land", "newplace", "centre-new", "centre-edit"];
let pending = null;
const busy = () => entryScreens.includes(view.dataset.screen) || view.querySelector("form[data-editing]") !== null;
function scheduleDraw() {
  clearTimeout(pending);
  pending = setTimeout(() => {
    if (busy()) return;
    draw({ background: true });
  }, 150);
}

// loadDrafts reads the drafts of the user signed in: none while nobody is (they stay kept for
// that user's next sign-in), and none ever again on a revoked phone.
async function loadDrafts() {
  const meta = await ctx.client.meta();
  if (meta.revoked) await drafts.clearAll().catch(() => undefined);
  await drafts.load(meta.token && !meta.revoked ? meta.user : "");
}

async function main() {
  setLanguage(language());
  applyLanguage(language());
  install().catch(() => showShell(false));
  await loadVocab().catch(() => undefined); // the words kept in localStorage serve, if any
  sync.last = (await keptGet("lastSync").catch(() => undefined)) ?? localStorage.getItem("xcz.lastSync");
  try {
    ctx.client = await openClient();
  } catch (e) {
    if (e?.name !== "VersionError") throw e;
    ctx.storeNewer = true;
    return showStoreNewer();
  }
  await loadMe();
  await loadDrafts();
  drafts.setRedraw(() => draw());
  addEventListener("hashchange", () => (ctx.outdated ? reload() : draw()));
  await draw();
  if ((await ctx.client.meta()).token) sync.stop = startLive();
  document.body.dataset.ready = "true";
}

main();
