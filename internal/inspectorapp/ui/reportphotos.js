// The photos of the public reports assigned to me, kept on the phone so that a visit can be
// recorded with them in view and no signal. After each sync the app fetches (with the
// inspector's token) the photos of the reports assigned to it and still open, and drops those
// of every other report, so a report reassigned, closed or gone with a move of subdistrict
// leaves nothing behind.
//
// They are kept in a Cache Storage cache of the page's own, not in the SDK's photo store and
// not in the service worker's: the SDK's store is the phone's evidence outbox (an entry there
// is a photo this phone took, queued or uploaded, keyed by its hash), where a reporter's
// photo does not belong; the worker never sees the API's requests (it answers the shell only)
// and drops its cache with each new version of the app.
const CACHE = "xcz-report-photos";

const closedReport = ["closed", "rejected", "duplicate", "fixed"];

// assignedToMe reports whether public report r waits for my visit.
export const assignedToMe = (r, me) => r && !r.data.voided && r.data.assigned_to === me && !closedReport.includes(r.data.status);

const path = (id) => `/api/fs/photos/${id}`;

// keepReportPhotos brings the kept photos in line with the reports assigned to me.
export async function keepReportPhotos(c, me) {
  if (!globalThis.caches) return;
  const reports = (await c.list("public_reports")).filter((r) => assignedToMe(r, me));
  const wanted = new Set(reports.flatMap((r) => r.data.photos ?? []).map(path));
  const cache = await caches.open(CACHE);
  for (const req of await cache.keys()) if (!wanted.has(new URL(req.url).pathname)) await cache.delete(req);
  for (const p of wanted) {
    if (await cache.match(p, { ignoreVary: true })) continue;
    const res = await c.raw("GET", p, {});
    if (res.ok) await cache.put(p, res);
  }
}

// reportPhoto is the blob of a report's photo: the kept copy, else the server's (online);
// null when neither can be had.
export async function reportPhoto(c, id) {
  const kept = globalThis.caches ? await (await caches.open(CACHE)).match(path(id), { ignoreVary: true }) : undefined;
  if (kept) return { blob: await kept.blob(), kept: true };
  try {
    const res = await c.raw("GET", path(id), {});
    return res.ok ? { blob: await res.blob(), kept: false } : null;
  } catch {
    return null;
  }
}

// forgetReportPhotos drops every kept photo (the phone is signed out or revoked).
export async function forgetReportPhotos() {
  if (globalThis.caches) await caches.delete(CACHE);
}
