// 巡查通's service worker: it keeps the app's shell on the phone so that the app opens with no
// network. The server writes the version and the file list in (internal/inspectorapp); a new
// version replaces the old cache when it activates. Requests to the API are never cached here:
// the sync SDK keeps the data, in IndexedDB, and queues what waits for the network.
const VERSION = "__SHELL_VERSION__";
const SHELL = ["__SHELL_FILES__"];
const CACHE = "xcz-shell-" + VERSION;
const SCOPE = new URL("./", self.location).pathname; // "/app/"

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("xcz-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || !url.pathname.startsWith(SCOPE)) {
    return; // the API and everything else: straight to the network
  }
  // Every page of the app is the one shell; the hash route picks the screen.
  const key = req.mode === "navigate" ? SCOPE : req;
  // ignoreVary: the server answers "Vary: Origin" (PocketBase's CORS middleware), the page's
  // module imports carry an Origin header and the worker's own precache requests none, so a
  // match honouring Vary misses every import and goes to the network: with the server gone
  // the app never opened. The shell's files are the same whoever asks.
  event.respondWith(
    caches.open(CACHE)
      .then((cache) => cache.match(key, { ignoreSearch: true, ignoreVary: true }))
      .then((hit) => hit || fetch(req)),
  );
});

self.addEventListener("message", (event) => {
  if (event.data === "version") event.source.postMessage({ version: VERSION });
});
