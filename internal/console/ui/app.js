// The console's pages: sign-in, the day's queues, a finding's timeline, and the figures.
// Pages are plain DOM built from API answers; text always goes in as text, never as HTML.
import * as api from "./api.js";
import { t, label, toggle, apply } from "./i18n.js";
import { barChart, pointMap } from "./charts.js";

const main = document.getElementById("main");
let vocab = null; // enum name -> value -> {zh, en}
let refs = null;  // subdistricts and agencies by id

function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== false && v != null) e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children.flat().filter((c) => c != null && c !== false));
  return e;
}

function toast(msg) {
  const el = document.getElementById("toast");
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 3000);
}

function term(enumName, value) { return label(vocab?.[enumName]?.[value], value); }
function sdName(id) { return label(refs?.sd[id], id); }
function agName(id) { return label(refs?.ag[id], id); }
function day(s) { return (s || "").slice(0, 10); }

async function loadRefs() {
  if (!vocab) {
    const res = await api.get("/api/fs/vocab");
    vocab = {};
    for (const e of res.enums) vocab[e.name] = Object.fromEntries(e.terms.map((x) => [x.value, x]));
  }
  if (!refs) {
    const [sds, ags] = await Promise.all([api.list("subdistricts", { perPage: 100 }), api.list("agencies", { perPage: 100 })]);
    refs = { sd: {}, ag: {} };
    for (const s of sds) refs.sd[s.id] = { zh: s.name_zh, en: s.name_en };
    for (const a of ags) refs.ag[a.id] = { zh: a.name_zh, en: a.name_en };
  }
}

// ---- sign-in ----

function loginPage() {
  const err = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "login", onsubmit: async (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    try {
      const a = await api.signIn(fd.get("identity"), fd.get("password"));
      if (!["supervisor", "inspector", "agency_staff"].includes(a.record.role)) {
        api.signOut();
        err.textContent = t("login.notstaff");
        return;
      }
      location.hash = "#/queues";
    } catch {
      err.textContent = t("login.failed");
    }
  } },
    h("h2", {}, t("login.title")),
    h("label", {}, t("login.identity"), h("input", { name: "identity", type: "email", required: true, autocomplete: "username" })),
    h("label", {}, t("login.password"), h("input", { name: "password", type: "password", required: true, autocomplete: "current-password" })),
    h("button", { class: "primary", type: "submit", id: "login-submit" }, t("login.submit")),
    err);
  main.replaceChildren(form);
}

// ---- queues ----

function queue(id, title, columns, rows, render) {
  const n = rows.length;
  return h("section", { class: "card", id: `queue-${id}` },
    h("h2", {}, title, h("span", { class: n ? "count" : "count zero", "data-count": n }, String(n))),
    n === 0 ? h("p", { class: "muted" }, t("q.empty")) :
      h("table", {}, h("thead", {}, h("tr", {}, columns.map((c) => h("th", { class: c.num ? "num" : "" }, t(c.key))), h("th"))),
        h("tbody", {}, rows.map(render))));
}

function actionButton(text, fn, cls = "") {
  const b = h("button", { type: "button", class: cls }, text);
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      await fn();
      toast(t("done"));
      route();
    } catch (e) {
      toast(`${t("failed")}: ${e.message}`);
      b.disabled = false;
    }
  });
  return b;
}

function returnControl(fn) {
  const input = h("input", { type: "text", placeholder: t("act.reason"), "aria-label": t("act.reason"), class: "reason" });
  return h("span", {}, input, actionButton(t("act.return"), () => fn(input.value)));
}

async function queuesPage() {
  const role = api.auth.record.role;
  const supervisor = role === "supervisor";
  const findingsExpand = "place";
  const [toReview, toClose, overdue, referrals, issues, missing, reports, inspectors] = await Promise.all([
    supervisor ? api.list("inspections", { filter: "review = 'submitted'", sort: "-inspected_at", expand: "place" }) : [],
    supervisor ? api.list("findings", { filter: "status = 'reinspected' && voided = false", sort: "deadline", expand: findingsExpand }) : [],
    api.list("findings", { filter: "voided = false && status != 'closed' && ((deadline != '' && deadline < @now) || status = 'escalated' || supervised = true)", sort: "deadline", expand: findingsExpand }),
    api.list("referrals", { filter: "status = 'pending'", sort: "deadline", expand: "finding" }),
    api.list("sync_issues", { filter: supervisor ? "status = 'open' && kind != 'rejected'" : "status = 'open'", sort: "-created" }),
    supervisor ? api.get("/api/fs/photos/missing").then((r) => r.inspectors) : [],
    supervisor ? api.list("public_reports", { filter: "status = 'received' || status = 'disputed'", sort: "created", expand: "place" }) : [],
    supervisor ? api.list("users", { filter: "role = 'inspector'", sort: "name" }) : [],
  ]);
  const placeOf = (r) => r.expand?.place ? `${r.expand.place.name} · ${r.expand.place.address}` : r.place;
  const findingLink = (f) => h("a", { href: `#/findings/${f.id}` }, t("act.open"));
  const sections = [];
  if (supervisor) {
    sections.push(queue("review", t("q.review"), [{ key: "col.place" }, { key: "col.programme" }, { key: "col.date" }, { key: "col.result" }], toReview,
      (r) => h("tr", { "data-id": r.id }, h("td", {}, placeOf(r)), h("td", {}, term("programme", r.programme)), h("td", {}, day(r.inspected_at)),
        h("td", {}, term("inspection_result", r.result)),
        h("td", {}, actionButtonNoReload(t("act.record"), () => api.download(`/api/fs/inspections/${r.id}/record.pdf`), "record"), " ",
          actionButton(t("act.approve"), () => api.command("inspection.review@1", "inspections", r.id, { decision: "approve" }), "primary approve"), " ",
          actionButton(t("act.return"), () => api.command("inspection.review@1", "inspections", r.id, { decision: "return" }), "return")))));
    sections.push(queue("closure", t("q.closure"), [{ key: "col.place" }, { key: "col.category" }, { key: "col.deadline" }], toClose,
      (f) => h("tr", { "data-id": f.id }, h("td", {}, placeOf(f)), h("td", {}, term("finding_category", f.category)), h("td", {}, day(f.deadline)),
        h("td", {}, findingLink(f), " ", actionButton(t("act.close"), () => api.command("finding.close@1", "findings", f.id), "primary close"), " ",
          returnControl((reason) => api.command("finding.return@1", "findings", f.id, { reason }))))));
  }
  sections.push(queue("overdue", t("q.overdue"), [{ key: "col.place" }, { key: "col.category" }, { key: "col.status" }, { key: "col.deadline" }], overdue,
    (f) => h("tr", { "data-id": f.id }, h("td", {}, placeOf(f)), h("td", {}, term("finding_category", f.category)), h("td", {}, term("finding_status", f.status)),
      h("td", { class: "overdue" }, day(f.deadline)), h("td", {}, findingLink(f)))));
  sections.push(queue("referrals", t("q.referrals"), [{ key: "col.agency" }, { key: "col.reason" }, { key: "col.deadline" }], referrals,
    (r) => h("tr", { "data-id": r.id }, h("td", {}, agName(r.agency)), h("td", {}, r.reason), h("td", {}, day(r.deadline)),
      h("td", {}, h("a", { href: `#/findings/${r.finding}` }, t("act.open"))))));
  sections.push(queue("issues", t("q.issues"), [{ key: "col.kind" }, { key: "col.record" }, { key: "col.message" }], issues,
    (i) => h("tr", { "data-id": i.id }, h("td", {}, term("sync_issue_kind", i.kind)), h("td", {}, `${i.coll}/${i.record_id}`), h("td", {}, i.message),
      h("td", {}, supervisor ? [actionButton(t("act.accept"), () => api.post(`/api/sync/v1/issues/${i.id}/resolve`, { decision: "accept" }), "accept"), " ",
        actionButton(t("act.discard"), () => api.post(`/api/sync/v1/issues/${i.id}/resolve`, { decision: "discard" }), "discard")] : null))));
  if (supervisor) {
    sections.push(queue("reports", t("q.reports"), [{ key: "col.tracking" }, { key: "col.category" }, { key: "col.place" }, { key: "col.received" }], reports,
      (r) => h("tr", { "data-id": r.id }, h("td", {}, r.tracking_no), h("td", {}, term("report_category", r.category)),
        h("td", {}, r.expand?.place ? `${r.expand.place.name} · ${r.expand.place.address}` : r.address), h("td", {}, day(r.created)),
        h("td", {}, triageControls(r, inspectors)))));
    sections.push(queue("missing", t("q.missing"), [{ key: "col.inspector" }, { key: "col.pending", num: true }, { key: "col.oldest" }], missing,
      (m) => h("tr", {}, h("td", {}, m.name || m.uploader), h("td", { class: "num" }, String(m.pending)), h("td", {}, day(m.oldest)), h("td"))));
  }
  main.replaceChildren(...sections);
}

// triageControls assigns a report to an inspector of the subdistrict or rejects it with a
// reason the reporter will read.
function triageControls(r, inspectors) {
  const pick = h("select", { "aria-label": t("act.inspector"), class: "inspector" },
    inspectors.filter((u) => (u.subdistricts || []).includes(r.subdistrict)).map((u) => h("option", { value: u.id }, u.name || u.email || u.id)));
  const reason = h("input", { type: "text", placeholder: t("act.rejectreason"), "aria-label": t("act.rejectreason"), class: "reason" });
  return h("span", {}, pick, actionButton(t("act.assign"), () => api.command("report.assign@1", "public_reports", r.id, { inspector: pick.value }), "primary assign"),
    " ", reason, actionButton(t("act.reject"), () => api.command("report.reject@1", "public_reports", r.id, { reason: reason.value }), "reject"));
}

// ---- a finding ----

async function findingPage(id) {
  let f, tl;
  try {
    [f, tl] = await Promise.all([api.get(`/api/collections/findings/records/${encodeURIComponent(id)}?expand=place`),
      api.get(`/api/fs/findings/${encodeURIComponent(id)}/timeline`)]);
  } catch (e) {
    if (e.status === 404 || e.status === 403) {
      main.replaceChildren(h("p", { class: "error", id: "finding-missing" }, t("finding.notfound")));
      return;
    }
    throw e;
  }
  const photos = h("div", { class: "photos" });
  for (const p of f.photos || []) {
    const img = h("img", { alt: t("finding.photos"), "data-photo": p });
    photos.append(img);
    api.imageURL(`/api/fs/photos/${p}`).then((u) => (img.src = u)).catch(() => img.remove());
  }
  main.replaceChildren(h("section", { class: "card", id: "finding", "data-id": f.id },
    h("h2", {}, t("finding.title"), " · ", term("finding_category", f.category)),
    h("p", {}, f.expand?.place ? `${f.expand.place.name} · ${f.expand.place.address}` : f.place),
    h("p", {}, `${term("finding_status", f.status)} · ${t("col.deadline")}: ${day(f.deadline) || "—"} · ${sdName(f.subdistrict)}`),
    h("p", {}, f.description),
    ["ordered", "acknowledged", "reinspected", "closed", "escalated"].includes(f.status) && f.deadline
      ? h("div", { class: "toolbar" }, actionButtonNoReload(t("act.notice"), () => api.download(`/api/fs/findings/${f.id}/notice.pdf`), "notice")) : null,
    h("h3", {}, t("finding.photos")), photos,
    h("h3", {}, t("finding.timeline")),
    h("ol", { class: "timeline" }, tl.events.map((ev) => h("li", {}, h("strong", {}, `${ev.at.slice(0, 16)} · ${ev.action}`), " ",
      h("span", { class: "muted" }, `${ev.coll} · ${ev.door}`))))));
}

// ---- figures ----

async function figuresPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const programme = params.get("programme") ?? "fire";
  const progFilter = programme ? ` && programme = '${programme}'` : "";
  const beijingToday = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
  const dayParam = params.get("day") || beijingToday;
  const monthParam = params.get("month") || dayParam.slice(0, 7);
  const [hz, alarms, open, daily, ranking] = await Promise.all([
    api.get(`/api/fs/rectify/figures?programme=${encodeURIComponent(programme)}`),
    api.get("/api/fs/smokealarm/progress").catch(() => null),
    api.list("findings", { filter: `voided = false && status != 'closed'${progFilter}`, expand: "place", perPage: 500 }),
    api.get(`/api/fs/tutoring/daily?day=${dayParam}`).catch(() => null),
    api.get(`/api/fs/dust/ranking?month=${monthParam}`).catch(() => null),
  ]);
  const setParam = (k, v) => { params.set(k, v); location.hash = `#/figures?${params}`; };
  const rows = hz.figures;
  const select = h("select", { id: "programme", "aria-label": t("col.programme"), onchange: (ev) => (location.hash = `#/figures?programme=${ev.target.value}`) },
    ["fire", "tutoring", "dust", ""].map((p) => h("option", { value: p, selected: p === programme }, t(p ? `prog.${p}` : "prog.all"))));
  const exportButtons = (base, query) => [
    actionButtonNoReload(t("export.csv"), () => api.download(`${base}.csv${query}`), "export-csv"),
    actionButtonNoReload(t("export.xlsx"), () => api.download(`${base}.xlsx${query}`), "export-xlsx")];
  const cards = [h("section", { class: "card", id: "fig-hazards" },
    h("h2", {}, t("fig.hazards")),
    h("div", { class: "toolbar" }, select, exportButtons("/api/fs/rectify/figures", `?programme=${encodeURIComponent(programme)}`)),
    barChart({ id: "hazards", categories: rows.map((r) => sdName(r.subdistrict)), series: [
      { key: "found", label: t("col.found"), color: "#5d6b7a", values: rows.map((r) => r.found) },
      { key: "closed", label: t("col.closed"), color: "#2e7d32", values: rows.map((r) => r.closed) },
      { key: "overdue", label: t("col.overdue"), color: "#b3261e", values: rows.map((r) => r.overdue) }] }),
    h("table", { id: "hazards-table" }, h("thead", {}, h("tr", {}, ["col.subdistrict", "col.found", "col.open", "col.overdue", "col.closed", "col.ontime", "col.late"]
      .map((k, i) => h("th", { class: i ? "num" : "" }, t(k))))),
      h("tbody", {}, rows.map((r) => h("tr", { "data-subdistrict": r.subdistrict }, h("td", {}, sdName(r.subdistrict)),
        [r.found, r.open, r.overdue, r.closed, r.closed_on_time, r.closed_late].map((v) => h("td", { class: "num" }, String(v))))))))];
  const now = new Date().toISOString().replace("T", " ");
  const points = open.filter((f) => f.expand?.place?.location && (f.expand.place.location.lon || f.expand.place.location.lat))
    .map((f) => ({ id: f.id, lon: f.expand.place.location.lon, lat: f.expand.place.location.lat, href: `#/findings/${f.id}`,
      overdue: !!f.deadline && f.deadline < now,
      label: `${f.expand.place.name} · ${term("finding_category", f.category)} · ${term("finding_status", f.status)}` }));
  cards.push(h("section", { class: "card", id: "fig-map" },
    h("h2", {}, t("fig.map"), h("span", { class: "count", "data-count": points.length }, String(points.length))),
    h("p", { class: "muted" }, t("fig.maphint")),
    pointMap({ id: "open-findings", points })));
  if (daily) cards.push(dailyCard(daily, dayParam, setParam, exportButtons));
  if (ranking) cards.push(rankingCard(ranking, monthParam, setParam, exportButtons));
  if (alarms) {
    const ar = alarms.rows;
    cards.push(h("section", { class: "card", id: "fig-alarms" },
      h("h2", {}, `${t("fig.alarms")} ${alarms.year}`),
      h("div", { class: "toolbar" }, exportButtons("/api/fs/smokealarm/progress", `?year=${alarms.year}`),
        alarms.district ? h("span", { class: "muted" }, `${t("fig.district")}: ${alarms.district.total} / ${t("fig.target")} ${alarms.district.target}`) : null),
      barChart({ id: "alarms", categories: ar.map((r) => `${label({ zh: r.name_zh, en: r.name_en })} · ${term("alarm_unit_type", r.unit_type)}`), series: [
        { key: "quota", label: t("col.quota"), color: "#9aa7b4", values: ar.map((r) => r.quota) },
        { key: "installed", label: t("col.installed"), color: "#b3261e", values: ar.map((r) => r.installed) }] })));
  }
  main.replaceChildren(...cards);
}

// Table (一)'s columns in the gazette's order, then the district's own (本区增列).
const tutoringColumns = ["total", "licensed", "business_without_education", "business_with_education", "fraud",
  "subject_training", "teaching", "admission_link", "incidents", "major_hazard", "licensed_hr", "institution_only", "unqualified"];

// dailyCard shows table (一) of the tutoring daily report: the district and each subdistrict
// the user may see, today, cumulatively and rectified.
function dailyCard(daily, dayParam, setParam, exportButtons) {
  const scopes = [...(daily.district ? [{ ...daily.district, name_zh: t("fig.district"), name_en: t("fig.district") }] : []), ...daily.subdistricts];
  const rows = scopes.flatMap((sc) => [["today", "fig.today"], ["cumulative", "fig.cumulative"], ["rectified", "fig.rectified"]].map(([k, lk], i) =>
    h("tr", { "data-subdistrict": sc.subdistrict || "district", "data-row": k },
      h("td", {}, i === 0 ? label({ zh: sc.name_zh, en: sc.name_en }) : ""), h("td", {}, t(lk)),
      tutoringColumns.map((c) => h("td", { class: "num", "data-col": c }, String(sc.centres[k]?.[c] ?? 0))))));
  const picker = h("input", { type: "date", value: dayParam, "aria-label": t("fig.day"), onchange: (ev) => setParam("day", ev.target.value) });
  return h("section", { class: "card", id: "fig-tutoring" },
    h("h2", {}, t("fig.tutoring")),
    h("div", { class: "toolbar" }, picker, exportButtons("/api/fs/tutoring/daily", `?day=${dayParam}`)),
    h("div", { class: "scroll" }, h("table", { id: "tutoring-table" },
      h("thead", {}, h("tr", {}, h("th", {}, t("col.subdistrict")), h("th"), tutoringColumns.map((c) => h("th", { class: "num" }, t(`tut.${c}`))))),
      h("tbody", {}, rows))));
}

// rankingCard shows the month's dust ranking of the 29 subdistricts: ranked by dust fall, with
// the other figures beside it.
function rankingCard(ranking, monthParam, setParam, exportButtons) {
  const st = ranking.standings;
  const pct = (v) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);
  const picker = h("input", { type: "month", value: monthParam, "aria-label": t("fig.month"), onchange: (ev) => setParam("month", ev.target.value) });
  return h("section", { class: "card", id: "fig-dust" },
    h("h2", {}, `${t("fig.dust")} ${ranking.month}`),
    h("div", { class: "toolbar" }, picker, exportButtons("/api/fs/dust/ranking", `?month=${ranking.month}`)),
    barChart({ id: "dustfall", categories: st.map((s) => label({ zh: s.name_zh, en: s.name_en })), series: [
      { key: "dustfall", label: t("col.dustfall"), color: "#8d6e63", values: st.map((s) => s.dustfall ?? 0) }] }),
    h("table", { id: "dust-table" },
      h("thead", {}, h("tr", {}, ["col.rank", "col.subdistrict", "col.dustfall", "col.compliance", "col.overdue", "col.land"]
        .map((k, i) => h("th", { class: i === 1 ? "" : "num" }, t(k))))),
      h("tbody", {}, st.map((s) => h("tr", { "data-subdistrict": s.subdistrict },
        h("td", { class: "num" }, String(s.rank)), h("td", {}, label({ zh: s.name_zh, en: s.name_en })),
        h("td", { class: "num" }, s.dustfall == null ? "—" : String(s.dustfall)),
        h("td", { class: "num" }, pct(s.compliance)), h("td", { class: "num", "data-col": "overdue" }, String(s.overdue)),
        h("td", { class: "num" }, pct(s.bare_land?.treated_share)))))));
}

function actionButtonNoReload(text, fn, cls) {
  const b = h("button", { type: "button", class: cls }, text);
  b.addEventListener("click", async () => {
    try { await fn(); } catch (e) { toast(`${t("failed")}: ${e.message}`); }
  });
  return b;
}

// ---- shell ----

async function route() {
  const hash = location.hash || "#/queues";
  const signedIn = !!api.auth;
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("signout").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn ? (api.auth.record.name || api.auth.record.email) : "";
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", hash.startsWith(a.getAttribute("href")));
  if (!signedIn) return loginPage();
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  try {
    await loadRefs();
    if (hash.startsWith("#/findings/")) await findingPage(hash.slice("#/findings/".length));
    else if (hash.startsWith("#/figures")) await figuresPage();
    else await queuesPage();
    main.dataset.page = hash.split(/[/?]/)[1] || "queues";
  } catch (e) {
    main.replaceChildren(h("p", { class: "error" }, `${t("failed")}: ${e.message}`));
  }
}

document.getElementById("lang").addEventListener("click", () => { toggle(); apply(); refreshLangButton(); route(); });
document.getElementById("signout").addEventListener("click", () => api.signOut());
function refreshLangButton() { document.getElementById("lang").textContent = t("title") === "巡查督办台" ? "English" : "中文"; }
window.addEventListener("hashchange", route);
apply();
refreshLangButton();
route();
