// The screens of an inspector's day, drawn from the SDK's local store: what they read is the
// server's data with their own unsent edits applied, so every screen works offline. Each
// screen is async (ctx, path parts, query) → element; ctx.client is the SDK's Client.
import { h } from "/app/dom.js";
import { t, term, day, todayBeijing, language } from "/app/i18n.js";
import { forms } from "/app/forms.js";
import { programmes, installsOf, centreFacts } from "/app/programmes.js";
import { centres } from "/app/centres.js";
import { assignedToMe } from "/app/reportphotos.js";

const live = (r) => r && !r.data.voided;
const mySd = (ctx) => ctx.me?.subdistricts ?? [];

// ---- where the phone is ----

let position = null; // {lat, lon, accuracy}
// maximumAge (ms) lets a recent fix serve: enough for sorting by distance, not for a place's
// point, which the inspector takes again after walking closer (0: a fresh fix).
export function locate(timeout = 8000, maximumAge = 60_000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null);
    navigator.geolocation.getCurrentPosition(
      (p) => { position = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }; resolve(position); },
      (err) => resolve({ error: err.message || String(err.code) }),
      { enableHighAccuracy: true, timeout, maximumAge },
    );
  });
}

// metres between two {lat, lon} points (haversine).
export function distance(a, b) {
  if (!a || !b || typeof b.lat !== "number" || typeof b.lon !== "number") return null;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371e3 * Math.asin(Math.sqrt(s));
}

const metres = (m) => (m === null ? "" : m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(1)} km`);

// ---- issues: conflicts, rejections, quarantines, shown where the record is ----

const fieldName = (coll, f) => {
  const names = { description: "finding.description", responsible_party: "finding.party", deadline: "finding.deadline", serial: "install.serial", unit_type: "install.unitType", category: "finding.category", severity: "finding.severity",
    measure: "measure.measure", fine_yuan: "measure.fine", agency: "referral.agency", reason: "referral.reason", result: "followup.result", new_serial: "followup.newSerial", location_accuracy_m: "place.accuracyField",
    credit_code: "centre.creditCode", licence_no: "centre.licenceNo", list_status: "centre.listStatus" };
  return names[f] ? t(names[f]) : f;
};

const show = (v) => (v === undefined || v === null || v === "" ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));

// withoutField drops the "field：" the SDK's own messages begin with (the field is named
// before it already), and nothing else: a server's message may hold a colon of its own.
const withoutField = (message, field) => (message.startsWith(`${field}：`) || message.startsWith(`${field}:`) ? message.slice(field.length + 1).trimStart() : message);

export function issueView(ctx, is, withLink = false) {
  const kind = is.result.outcome;
  const body = [];
  if (kind === "conflict") {
    for (const c of is.result.conflicts ?? []) body.push(h("p", {}, t("issue.conflict", { field: fieldName(is.coll, c.field), kept: show(c.server), mine: show(c.client) })));
  } else if (kind === "quarantined") {
    body.push(h("p", {}, t("issue.quarantined")));
  } else {
    body.push(h("p", {}, t("issue.rejected")));
    const words = language() === "en" ? "en" : "zh";
    if (is.fields.length) body.push(h("ul", {}, is.fields.map((f) => h("li", { dataset: { code: f.code } }, `${fieldName(is.coll, f.field)}：${withoutField(f[words], f.field)}`))));
    else if (is.result.message) body.push(h("p", { dataset: { code: is.result.code ?? "" } }, is.result.message));
  }
  if (is.data) {
    body.push(h("details", {}, h("summary", {}, t("issue.mine")),
      h("dl", {}, Object.entries(is.data).filter(([k]) => k !== "photos").map(([k, v]) => [h("dt", {}, fieldName(is.coll, k)), h("dd", {}, show(v))]))));
  }
  const seen = h("button", { type: "button", class: "issue-seen", onclick: async () => {
    seen.disabled = true;
    if (is.result.issue && kind === "conflict") {
      try {
        await ctx.client.resolveIssue(is.result.issue, "acknowledge");
      } catch {
        await ctx.client.dismissIssue(is.mid); // offline: forget it here; the supervisor still has it
      }
    } else await ctx.client.dismissIssue(is.mid);
    ctx.draw();
  } }, t("issue.seen"));
  // A refused measure or referral never reached the store: its finding is where it shows.
  const finding = is.coll === "findings" ? is.id : typeof is.data?.finding === "string" ? is.data.finding : "";
  const link = withLink && finding ? h("a", { href: `#/finding/${finding}`, class: "button" }, t("issue.record")) : null;
  return h("div", { class: `issue issue-${kind}`, role: "alert", dataset: { kind, coll: is.coll, id: is.id } }, body, h("div", { class: "row" }, link, seen));
}

async function issuesOf(ctx, coll, id) {
  return (await ctx.client.issues()).filter((is) => is.coll === coll && is.id === id);
}

// ---- today's work ----

const openStatuses = ["open", "ordered", "acknowledged", "returned", "escalated"];

async function home(ctx, _parts, q) {
  const c = ctx.client;
  const me = ctx.me.id;
  const sds = mySd(ctx);
  const today = todayBeijing();
  const [findings, reports, places, households, installs, issues] = await Promise.all([
    c.list("findings"), c.list("public_reports"), c.list("places"), c.list("households"), c.list("smoke_alarm_installs"), c.issues(),
  ]);
  const placeOf = new Map(places.map((p) => [p.id, p.data]));
  const mine = (r) => sds.includes(r.data.subdistrict);
  const sort = q.get("sort") === "near" && position ? "near" : "due";
  const item = (href, title, due, place, extra) => ({ href, title, due: due ? day(due) : "", place, dist: distance(position, placeOf.get(place)?.location), extra });
  const byDue = (a, b) => (a.due || "9999").localeCompare(b.due || "9999") || (a.dist ?? 1e12) - (b.dist ?? 1e12);
  const byNear = (a, b) => (a.dist ?? 1e12) - (b.dist ?? 1e12) || byDue(a, b);
  const order = (xs) => xs.sort(sort === "near" ? byNear : byDue);

  const assigned = order(reports.filter((r) => assignedToMe(r, me))
    .map((r) => item(`#/report/${r.id}`, `${r.data.tracking_no} ${r.data.description}`, r.data.created, r.data.place, term("report_status", r.data.status))));
  const active = findings.filter((f) => live(f) && mine(f) && openStatuses.includes(f.data.status));
  const overdueF = active.filter((f) => f.data.deadline && day(f.data.deadline) < today);
  const reinspect = active.filter((f) => ["ordered", "acknowledged"].includes(f.data.status) && f.data.deadline && day(f.data.deadline) >= today);
  const asItem = (f) => item(`#/finding/${f.id}`, `${placeOf.get(f.data.place)?.name ?? ""}：${f.data.description}`, f.data.deadline, f.data.place, term("finding_status", f.data.status));
  const installed = new Set(installs.filter(live).map((i) => i.data.household));
  const toInstall = order(households.filter((hh) => live(hh) && mine(hh) && !installed.has(hh.data.place))
    .map((hh) => item(`#/install/new?place=${hh.data.place}`, `${hh.data.head_name} · ${placeOf.get(hh.data.place)?.address ?? ""}`, "", hh.data.place, hh.data.elderly_alone ? term("alarm_eligibility", "elderly_alone") : hh.data.disabled ? term("alarm_eligibility", "disabled") : "")));

  const list = (id, title, xs) => h("section", { id, class: "work" },
    h("h3", {}, title, h("span", { class: "count" }, ` ${xs.length}`)),
    xs.length ? h("ul", { class: "cards" }, xs.slice(0, 50).map((x) => h("li", {}, h("a", { href: x.href, class: "card" },
      h("span", { class: "title" }, x.title),
      h("span", { class: "meta" }, [x.extra, x.due ? t("due", { d: x.due }) : "", metres(x.dist)].filter(Boolean).join(" · ")))))) : h("p", { class: "muted" }, t("home.none")));

  const sorter = h("div", { class: "row tabs" },
    h("a", { href: "#/home?sort=due", class: "button", "aria-current": sort === "due" ? "true" : null }, t("home.sortDue")),
    h("a", { href: "#/home?sort=near", class: "button", id: "sort-near", "aria-current": sort === "near" ? "true" : null, onclick: async (ev) => {
      if (position) return;
      ev.preventDefault();
      await locate();
      ctx.go("#/home?sort=near");
      ctx.draw();
    } }, t("home.sortNear")));
  return h("div", { dataset: { screen: "home" } },
    nav(),
    issues.length ? h("section", { id: "issues" }, h("h3", {}, t("home.issues")), issues.map((is) => issueView(ctx, is, true))) : null,
    h("h2", {}, t("home.title")),
    sorter,
    q.get("sort") === "near" && !position ? h("p", { class: "muted" }, t("home.noPosition")) : null,
    list("work-reports", t("home.reports"), assigned),
    list("work-reinspect", t("home.reinspect"), order(reinspect.map(asItem))),
    list("work-overdue", t("home.overdue"), order(overdueF.map(asItem))),
    list("work-alarms", t("home.alarms"), toInstall),
    h("section", { id: "signout-section" }, h("p", { class: "muted" }, t("signout.hint")),
      h("button", { type: "button", id: "signout", onclick: () => ctx.signOut() }, t("nav.signout"))));
}

export function nav() {
  return h("nav", { class: "tabs row" },
    h("a", { href: "#/", class: "button" }, t("nav.home")),
    h("a", { href: "#/places", class: "button" }, t("nav.places")),
    h("a", { href: "#/newplace", class: "button" }, t("nav.newPlace")));
}

// ---- places ----

async function placesScreen(ctx, _parts, q) {
  const c = ctx.client;
  const query = (q.get("q") ?? "").trim().toLowerCase();
  const [places, centreList] = await Promise.all([c.list("places"), c.list("tutoring_centres")]);
  const byCode = new Map();
  for (const ce of centreList) if (ce.data.credit_code) byCode.set(ce.data.place, ce.data.credit_code.toLowerCase());
  const hits = places.filter((p) => live(p) && (!query || p.data.name.toLowerCase().includes(query) || p.data.address.toLowerCase().includes(query) || (byCode.get(p.id) ?? "").includes(query)))
    .sort((a, b) => a.data.name.localeCompare(b.data.name, "zh"));
  const input = h("input", { id: "place-q", type: "search", name: "q", value: q.get("q") ?? "", placeholder: t("places.search"), "aria-label": t("places.search") });
  const form = h("form", { role: "search", onsubmit: (ev) => { ev.preventDefault(); ctx.go(`#/places?q=${encodeURIComponent(input.value)}`); } }, input);
  const limit = 100;
  return h("div", { dataset: { screen: "places" } }, nav(), h("h2", {}, t("places.title")), form,
    h("p", { class: "muted" }, t("places.count", { n: hits.length })),
    h("ul", { class: "cards", id: "place-list" }, hits.slice(0, limit).map((p) => h("li", {}, h("a", { href: `#/place/${p.id}`, class: "card", dataset: { id: p.id } },
      h("span", { class: "title" }, p.data.name), h("span", { class: "meta" }, `${term("place_kind", p.data.kind)} · ${p.data.address}`))))),
    hits.length > limit ? h("p", { class: "muted" }, t("places.more", { n: limit })) : null);
}

async function placeScreen(ctx, [id]) {
  const c = ctx.client;
  const p = await c.get("places", id);
  if (!p) return h("div", { dataset: { screen: "place" } }, nav(), h("p", { class: "warn" }, t("place.notFound")));
  const [findings, inspections, units, entries, households, incidents, centreRecs] = await Promise.all([
    c.list("findings", { place: id }), c.list("inspections", { place: id }), installsOf(c, id), c.list("bare_land_entries", { place: id }), c.list("households", { place: id }),
    c.list("tutoring_incidents", { place: id }), c.list("tutoring_centres", { place: id }),
  ]);
  const unsynced = (r) => (r.dirty ? "· " + t("finding.unsynced") : "");
  // Problems of the place's own records, including those the server refused, which never
  // reached the store: found by the place, household or install they named, or the centre
  // record whose edit it was (a patch names only the fields it sets).
  const installIds = new Set(units.map((u) => u.install.id));
  const centreIds = new Set(centreRecs.map((r) => r.id));
  const issues = (await c.issues()).filter((is) => (is.coll === "places" && is.id === id) || is.data?.place === id || is.data?.household === id || installIds.has(is.data?.install) ||
    (is.coll === "tutoring_centres" && centreIds.has(is.id)));
  const history = [
    ...findings.filter(live).map((f) => ({ when: f.data.created || "", el: h("a", { href: `#/finding/${f.id}`, class: "card" }, h("span", { class: "title" }, `${t("finding.detail")}：${f.data.description}`), h("span", { class: "meta" }, `${term("finding_status", f.data.status)} ${f.dirty ? "· " + t("finding.unsynced") : ""}`)) })),
    ...inspections.filter(live).map((i) => ({ when: i.data.inspected_at, el: h("div", { class: "card" }, h("span", { class: "title" }, `${t("place.inspection")}：${term("programme", i.data.programme)} ${t("result." + i.data.result)}`), h("span", { class: "meta" }, `${day(i.data.inspected_at)} ${i.dirty ? "· " + t("finding.unsynced") : ""}`)) })),
    ...units.map(({ install: i }) => ({ when: i.data.installed_on, el: h("div", { class: "card" }, h("span", { class: "title" }, `${t("place.installRecord")}：${term("alarm_unit_type", i.data.unit_type)} ${i.data.serial ?? ""}`), h("span", { class: "meta" }, `${day(i.data.installed_on)} ${unsynced(i)}`)) })),
    ...units.flatMap((u) => u.followups).map((f) => ({ when: f.data.visited_on, el: h("div", { class: "card", dataset: { followup: f.id, dirty: String(f.dirty) } },
      h("span", { class: "title" }, `${t("place.followupRecord")}：${t("result." + f.data.result)}${f.data.new_serial ? ` · ${f.data.replaced_serial || "—"} → ${f.data.new_serial}` : ""}`),
      h("span", { class: "meta" }, `${day(f.data.visited_on)} ${f.data.notes ?? ""} ${unsynced(f)}`)) })),
    ...incidents.filter(live).map((i) => ({ when: i.data.occurred_at, el: h("div", { class: "card", dataset: { incident: i.id, dirty: String(i.dirty) } },
      h("span", { class: "title" }, `${t("place.incidentRecord")}：${term("incident_kind", i.data.kind)}`),
      h("span", { class: "meta" }, `${day(i.data.occurred_at)} ${i.data.description} ${unsynced(i)}`)) })),
    ...entries.filter(live).map((e) => ({ when: e.data.recorded_on, el: h("div", { class: "card" }, h("span", { class: "title" }, `${t("place.landEntry")}：${term("land_state", e.data.state)} / ${term("land_treatment", e.data.treatment)}`), h("span", { class: "meta" }, day(e.data.recorded_on))) })),
  ].sort((a, b) => String(b.when).localeCompare(String(a.when)));
  const k = p.data.kind;
  const action = (href, label, id2) => h("a", { href, class: "button primary", id: id2 }, label);
  return h("div", { dataset: { screen: "place" } }, nav(),
    issues.map((is) => issueView(ctx, is)),
    h("h2", {}, p.data.name),
    h("p", {}, `${term("place_kind", k)} · ${p.data.address}`),
    p.data.location?.lat ? h("p", { class: "muted", id: "place-point" }, t("place.point", { lon: p.data.location.lon, lat: p.data.location.lat }),
      p.data.location_accuracy_m ? t("place.accuracy", { acc: p.data.location_accuracy_m }) : "") : null,
    h("div", { class: "actions" },
      action(`#/finding/new?place=${id}`, t("place.finding"), "act-finding"),
      k === "household" && households.some(live) ? action(`#/install/new?place=${id}`, t("place.install"), "act-install") : null,
      units.length ? action(`#/followup/new?place=${id}`, t("followup.title"), "act-followup") : null,
      k === "tutoring_centre" ? action(`#/tutoring/new?place=${id}`, t("place.tutoring"), "act-tutoring") : null,
      k === "tutoring_centre" ? action(`#/incident/new?place=${id}`, t("place.incident"), "act-incident") : null,
      k === "construction_site" || k === "mixing_station" ? action(`#/dust/new?place=${id}`, t("place.dust"), "act-dust") : null,
      k === "bare_land" ? action(`#/land/new?place=${id}`, t("place.bareLand"), "act-land") : null),
    k === "tutoring_centre" ? await centreFacts(ctx, p) : null,
    h("h3", {}, t("place.history")),
    history.length ? h("ul", { class: "cards", id: "history" }, history.map((x) => h("li", {}, x.el))) : h("p", { class: "muted" }, t("place.noHistory")));
}

export const screens = {
  home,
  places: placesScreen,
  place: placeScreen,
  ...forms({ issuesOf, issueView, nav, locate }),
  ...programmes({ nav }),
  ...centres({ nav, locate }),
};
