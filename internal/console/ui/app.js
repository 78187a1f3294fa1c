// The console's pages: sign-in, the day's queues, a finding's timeline, and the figures.
// Pages are plain DOM built from API answers; text always goes in as text, never as HTML.
import * as api from "./api.js";
import { t, label, toggle, apply } from "./i18n.js";
import { barChart, pointMap } from "./charts.js";
import { h, toast, step, field, text, actionButtonNoReload, onRedraw } from "./dom.js";
import { refs, term, sdName, agName, day, minute, loadRefs, endOfBeijingDay } from "./refs.js";
import { importPage, importJobPage, qrPage, landPage } from "./ledgers.js";
import { listPage } from "./lists.js";
import { centrePage } from "./centre.js";

const main = document.getElementById("main");

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
      // District administrators are PocketBase superusers and work in the admin UI: a right
      // password of theirs is told so, not called wrong. Their token is not kept.
      const admin = await api.isSuperuser(fd.get("identity"), fd.get("password"));
      err.replaceChildren(admin ? h("span", { id: "login-admin" }, t("login.admin"), " ", h("a", { href: "/_/" }, "/_/")) : t("login.failed"));
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
      (r) => h("tr", { "data-id": r.id }, h("td", {}, h("a", { href: `#/reports/${r.id}` }, r.tracking_no),
        h("div", { class: "muted report-text" }, r.description, (r.photos || []).length ? ` · ${(r.photos || []).length} ${t("finding.photos")}` : "")),
        h("td", {}, term("report_category", r.category)),
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

// ---- a public report ----

// reportPage shows what the resident sent (text, photos, place, what they added later) and
// the triage steps the user's role may take on it, as the commands any client sends.
async function reportPage(id) {
  const safe = id.replace(/[^a-z0-9]/g, "");
  let r;
  try {
    r = await api.get(`/api/collections/public_reports/records/${safe}?expand=place`);
  } catch (e) {
    if (e.status === 404 || e.status === 403) {
      main.replaceChildren(h("p", { class: "error", id: "report-missing" }, t("report.notfound")));
      return;
    }
    throw e;
  }
  const supervisor = api.auth.record.role === "supervisor";
  const near = r.place ? `place = '${r.place}'` : `subdistrict = '${r.subdistrict}'`;
  const [updates, inspectors, inspections, findings] = await Promise.all([
    api.list("report_updates", { filter: `report = '${safe}'`, sort: "created" }).catch(() => []),
    supervisor ? api.list("users", { filter: "role = 'inspector'", sort: "name" })
      .then((us) => us.filter((u) => (u.subdistricts || []).includes(r.subdistrict))) : [],
    api.list("inspections", { filter: `${near} && voided = false`, sort: "-inspected_at", perPage: 20 }),
    api.list("findings", { filter: `${near} && voided = false`, sort: "-created", perPage: 20 }),
  ]);
  const cmd = (name, args) => api.command(name, "public_reports", r.id, args);
  const st = r.status;
  const working = ["received", "triaged", "inspected", "ordered", "disputed"].includes(st);
  const steps = [];
  if (supervisor && working) {
    steps.push(step("report.assign@1", t("act.assign"), [field("act.inspector", h("select", { name: "inspector", required: true },
      inspectors.map((u) => h("option", { value: u.id, selected: u.id === r.assigned_to }, u.name || u.email || u.id))))],
    (v) => cmd("report.assign@1", { inspector: v.inspector }), "assign"));
  }
  if (working) {
    steps.push(step("report.inspect@1", t("act.rinspect"), [field("col.inspection", h("select", { name: "inspection", required: true },
      inspections.map((i) => h("option", { value: i.id }, `${minute(i.inspected_at)} · ${term("inspection_kind", i.kind)} · ${term("inspection_result", i.result)}`))))],
    (v) => cmd("report.inspect@1", { inspection: v.inspection }), "inspect"));
    steps.push(step("report.link@1", t("act.link"), [field("col.finding", h("select", { name: "finding", required: true },
      findings.map((f) => h("option", { value: f.id }, `${term("finding_category", f.category)} · ${term("finding_status", f.status)}`))))],
    (v) => cmd("report.link@1", { finding: v.finding }), "link"));
  }
  if (supervisor && ["received", "triaged"].includes(st)) {
    steps.push(step("report.reject@1", t("act.reject"), [field("act.rejectreason", text("reason", { required: true }))],
      (v) => cmd("report.reject@1", { reason: v.reason }), "reject"));
  }
  if (working) {
    steps.push(step("report.close@1", t("act.rclose"), [field("act.closereason", text("reason", { required: true }))],
      (v) => cmd("report.close@1", { reason: v.reason }), "rclose"));
  }
  const place = r.expand?.place ? `${r.expand.place.name} · ${r.expand.place.address}` : r.address;
  main.replaceChildren(h("section", { class: "card", id: "report", "data-id": r.id, "data-status": st },
    h("h2", {}, t("report.title"), " · ", r.tracking_no, " · ", term("report_category", r.category)),
    h("p", {}, `${term("report_status", st)} · ${t("col.received")} ${minute(r.created)} · ${sdName(r.subdistrict)}`),
    h("p", { id: "report-place" }, place || "—",
      r.location && (r.location.lon || r.location.lat) ? ` (${r.location.lat.toFixed(4)}, ${r.location.lon.toFixed(4)})` : ""),
    h("blockquote", { id: "report-text" }, r.description),
    h("h3", {}, t("finding.photos")), h("div", { id: "report-photos" }, photoStrip(r.photos || [])),
    updates.length ? [h("h3", {}, t("report.updates")), h("ul", { class: "updates" }, updates.map((u) =>
      h("li", {}, `${minute(u.created)} · ${term("report_update_kind", u.kind)}: ${u.text}`, photoStrip(u.photos || []))))] : null,
    r.resolution ? h("p", { class: "muted" }, `${t("report.resolution")}: ${r.resolution}`) : null,
    r.finding ? h("p", {}, h("a", { href: `#/findings/${r.finding}` }, t("report.finding"))) : null,
    steps.length ? [h("h3", {}, t("finding.steps")), h("div", { class: "steps" }, steps)] : null));
}

// ---- a finding ----


// findingSteps are the steps the API allows the user's role on the finding in its status;
// the server still decides, and says why when it refuses.
async function findingSteps(f) {
  const role = api.auth.record.role;
  const cmd = (name, args) => api.command(name, "findings", f.id, args);
  const out = [];
  const st = f.status;
  if (role === "agency_staff") return out;
  const supervisor = role === "supervisor";
  if (st === "open" || (supervisor && ["ordered", "escalated", "returned"].includes(st))) {
    out.push(step("finding.order@1", t(st === "open" ? "act.order" : "act.redeadline"),
      [field("col.deadline", h("input", { type: "date", name: "deadline", required: true })),
        field("col.party", text("responsible_party", { value: f.responsible_party || "", required: true }))],
      (v) => cmd("finding.order@1", { deadline: endOfBeijingDay(v.deadline), responsible_party: v.responsible_party }), "order"));
  }
  if (["ordered", "escalated"].includes(st)) {
    out.push(step("finding.acknowledge@1", t("act.acknowledge"), [field("col.signedby", text("name", { required: true }))],
      (v) => cmd("finding.acknowledge@1", { name: v.name }), "acknowledge"));
  }
  if (["ordered", "acknowledged", "escalated", "returned"].includes(st)) {
    const reinspections = await api.list("inspections", {
      filter: `place = '${f.place}' && kind = 'reinspection' && voided = false`, sort: "-inspected_at", perPage: 20 });
    out.push(step("finding.reinspect@1", t("act.reinspect"), [field("col.reinspection", h("select", { name: "inspection", required: true },
      reinspections.map((i) => h("option", { value: i.id }, `${minute(i.inspected_at)} · ${term("inspection_result", i.result)} · ${(i.photos || []).length} ${t("finding.photos")}`))))],
    (v) => cmd("finding.reinspect@1", { inspection: v.inspection }), "reinspect"));
  }
  if (st === "reinspected" && (supervisor || !f.supervised)) {
    out.push(step("finding.close@1", t(f.supervised ? "act.signoff" : "act.close"), [], () => cmd("finding.close@1", {}), "close"));
  }
  if (supervisor && ["ordered", "acknowledged", "escalated", "reinspected"].includes(st)) {
    out.push(step("finding.return@1", t("act.return"), [field("act.reason", text("reason", { required: true }))],
      (v) => cmd("finding.return@1", { reason: v.reason }), "return"));
  }
  if (supervisor && st !== "closed") {
    out.push(step("finding.refer@1", t("act.refer"), [
      field("col.agency", h("select", { name: "agency", required: true }, Object.entries(refs.ag).map(([id, n]) => h("option", { value: id }, label(n, id))))),
      field("col.deadline", h("input", { type: "date", name: "deadline", required: true })),
      field("col.reason", text("reason", { required: true }))],
    (v) => cmd("finding.refer@1", { agency: v.agency, deadline: endOfBeijingDay(v.deadline), reason: v.reason }), "refer"));
  }
  return out;
}

// referralRow is one referral of the finding; its agency's staff answer it here.
function referralRow(r) {
  const mine = api.auth.record.role === "agency_staff" && api.auth.record.agency === r.agency;
  const open = ["pending", "acknowledged"].includes(r.status);
  const answer = (name, cls, key, required) => step(name, t(key), [field("col.response", text("response", { required }))],
    (v) => api.command(name, "referrals", r.id, { response: v.response }), cls);
  return h("li", { "data-referral": r.id, "data-status": r.status },
    h("strong", {}, `${agName(r.agency)} · ${term("referral_status", r.status)}`), " ",
    h("span", {}, `${t("col.deadline")} ${day(r.deadline)} · ${r.reason}`),
    r.response ? h("p", { class: "muted" }, `${t("col.response")}: ${r.response}`) : null,
    mine && open ? h("div", { class: "steps" },
      r.status === "pending" ? answer("referral.acknowledge@1", "ref-acknowledge", "act.refack", false) : null,
      answer("referral.decline@1", "ref-decline", "act.refdecline", true),
      answer("referral.done@1", "ref-done", "act.refdone", true)) : null);
}

// timelineEntry says in words who did what, when, with the reason and the photos of the step.
function timelineEntry(ev, people) {
  // An update's changes hold [before, after] per field; a creation's the values.
  const c = ev.action === "update"
    ? Object.fromEntries(Object.entries(ev.changes || {}).map(([k, v]) => [k, Array.isArray(v) ? v[1] : v])) : (ev.changes || {});
  const who = people[ev.actor_id] || t(`actor.${ev.actor_kind}`);
  let what;
  if (ev.coll === "findings") {
    if (ev.action === "create") what = t("tl.found");
    else if (c.status === "ordered") what = `${t("tl.ordered")} ${day(c.deadline)} · ${t("col.party")} ${c.responsible_party ?? ""}`;
    else if (c.status === "acknowledged") what = `${t("tl.acknowledged")} ${c.acknowledged_by_name ?? ""}`;
    else if (c.status === "returned") what = `${t("tl.returned")}: ${c.return_reason ?? ""}`;
    else if (c.status) what = term("finding_status", c.status);
    else if ("agency" in c) what = c.agency ? `${t("tl.referred")} ${agName(c.agency)}` : t("tl.handedback");
    else what = `${t("tl.edited")} ${Object.keys(c).filter((k) => !["updated", "v"].includes(k)).join(", ")}`;
  } else if (ev.coll === "referrals") {
    what = ev.action === "create" ? `${t("tl.referral")} ${agName(c.agency)} · ${c.reason ?? ""} · ${t("col.deadline")} ${day(c.deadline)}`
      : `${agName(c.agency) || t("tl.agency")} ${term("referral_status", c.status)}${c.response ? `: ${c.response}` : ""}`;
  } else if (ev.coll === "inspections") {
    what = `${t("tl.reinspection")} · ${term("inspection_result", c.result)}`;
  } else if (ev.coll === "enforcement_actions") {
    what = `${t("tl.enforcement")} ${term("enforcement_measure", c.measure)}`;
  } else what = `${ev.coll} · ${ev.action}`;
  const photos = ev.action === "create" && Array.isArray(c.photos) ? photoStrip(c.photos) : null;
  return h("li", { "data-coll": ev.coll, "data-action": ev.action },
    h("time", { datetime: ev.at }, minute(ev.at)), " · ", h("strong", { class: "actor" }, who), " · ", h("span", { class: "what" }, what), photos);
}

function photoStrip(ids) {
  const box = h("div", { class: "photos" });
  for (const p of ids) {
    const img = h("img", { alt: t("finding.photos"), "data-photo": p });
    box.append(img);
    // A photo not yet uploaded from the phone stays as a named gap, not a broken image.
    api.imageURL(`/api/fs/photos/${p}`).then((u) => (img.src = u))
      .catch(() => img.replaceWith(h("span", { class: "muted photo-missing", "data-photo": p }, t("finding.photomissing"))));
  }
  return box;
}

// peopleOf names the actors the user may see through REST; the others read as their kind.
async function peopleOf(ids) {
  const uniq = [...new Set(ids.filter((id) => /^[a-z0-9]{15}$/.test(id)))];
  if (!uniq.length) return {};
  const users = await api.list("users", { filter: uniq.map((id) => `id = '${id}'`).join(" || "), perPage: uniq.length }).catch(() => []);
  return Object.fromEntries(users.map((u) => [u.id, u.name || u.email || t("actor.user")]));
}

async function findingPage(id) {
  let f, tl, referrals;
  try {
    [f, tl, referrals] = await Promise.all([api.get(`/api/collections/findings/records/${encodeURIComponent(id)}?expand=place`),
      api.get(`/api/fs/findings/${encodeURIComponent(id)}/timeline`),
      api.list("referrals", { filter: `finding = '${id.replace(/[^a-z0-9]/g, "")}'`, sort: "created" })]);
  } catch (e) {
    if (e.status === 404 || e.status === 403) {
      main.replaceChildren(h("p", { class: "error", id: "finding-missing" }, t("finding.notfound")));
      return;
    }
    throw e;
  }
  const [steps, people] = await Promise.all([findingSteps(f), peopleOf(tl.events.map((ev) => ev.actor_id))]);
  main.replaceChildren(h("section", { class: "card", id: "finding", "data-id": f.id, "data-status": f.status },
    h("h2", {}, t("finding.title"), " · ", term("finding_category", f.category)),
    h("p", {}, f.expand?.place ? `${f.expand.place.name} · ${f.expand.place.address}` : f.place),
    h("p", { id: "finding-state" }, `${term("finding_status", f.status)} · ${term("severity", f.severity)} · ${t("col.deadline")}: ${day(f.deadline) || "—"}`,
      f.responsible_party ? ` · ${t("col.party")}: ${f.responsible_party}` : "", ` · ${sdName(f.subdistrict)}`),
    h("p", {}, f.description),
    ["ordered", "acknowledged", "reinspected", "closed", "escalated"].includes(f.status) && f.deadline
      ? h("div", { class: "toolbar" }, actionButtonNoReload(t("act.notice"), () => api.download(`/api/fs/findings/${f.id}/notice.pdf`), "notice")) : null,
    steps.length ? [h("h3", {}, t("finding.steps")), h("div", { class: "steps", id: "steps" }, steps)] : null,
    referrals.length ? [h("h3", {}, t("finding.referrals")), h("ul", { class: "referrals" }, referrals.map(referralRow))] : null,
    h("h3", {}, t("finding.photos")), photoStrip(f.photos || []),
    h("h3", {}, t("finding.timeline")),
    h("ol", { class: "timeline" }, tl.events.map((ev) => timelineEntry(ev, people)))));
}

// ---- notifications ----

// unreadCount is the number of the user's unread notifications, as the API counts them.
async function unreadCount() {
  const res = await api.get("/api/collections/notifications/records?perPage=1&fields=id&filter=" + encodeURIComponent("read = false"));
  return res.totalItems;
}

async function refreshUnread() {
  const badge = document.getElementById("unread");
  const n = await unreadCount().catch(() => 0);
  badge.textContent = String(n);
  badge.dataset.count = String(n);
  badge.hidden = n === 0;
}

// notificationsPage lists the user's notifications, newest first, each linked to its case;
// opening the screen marks those shown read (each a PATCH of the user's own record).
async function notificationsPage() {
  const notes = await api.list("notifications", { sort: "-created", perPage: 100 });
  const target = (n) => n.finding ? `#/findings/${n.finding}` : n.report ? `#/reports/${n.report}` : null;
  main.replaceChildren(h("section", { class: "card", id: "notifications" },
    h("h2", {}, t("nav.notifications")),
    notes.length === 0 ? h("p", { class: "muted" }, t("q.empty")) :
      h("ul", { class: "notes" }, notes.map((n) => h("li", { "data-id": n.id, class: n.read ? "" : "unread" },
        h("time", { datetime: n.created }, minute(n.created)), " · ", h("strong", {}, term("notification_kind", n.kind)), " · ",
        target(n) ? h("a", { href: target(n) }, n.message) : n.message)))));
  await Promise.all(notes.filter((n) => !n.read).map((n) => api.call("PATCH", `/api/collections/notifications/records/${n.id}`, { read: true })));
  await refreshUnread();
}

// ---- figures ----

async function figuresPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const programme = params.get("programme") ?? "fire";
  const progFilter = programme ? ` && programme = '${programme}'` : "";
  const [dayParam, monthParam] = await Promise.all([
    params.get("day") || latestDay(), params.get("month") || latestMonth()]);
  const [hz, alarms, open, daily, ranking, plan] = await Promise.all([
    api.get(`/api/fs/rectify/figures?programme=${encodeURIComponent(programme)}`),
    api.get("/api/fs/smokealarm/progress").catch(() => null),
    api.list("findings", { filter: `voided = false && status != 'closed'${progFilter}`, expand: "place", perPage: 500 }),
    api.get(`/api/fs/tutoring/daily?day=${dayParam}`).catch(() => null),
    api.get(`/api/fs/dust/ranking?month=${monthParam}`).catch(() => null),
    api.get("/api/fs/milestones").catch(() => null),
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
        [r.found, r.open, r.overdue, r.closed, r.closed_on_time, r.closed_late].map((v) => h("td", { class: "num" }, String(v))))))),
    severityTable(hz))];
  if (plan?.milestones.length) cards.push(milestonesCard(plan.milestones, exportButtons));
  const now = new Date().toISOString().replace("T", " "); // compared with stored UTC dates
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

// latestDay is the Beijing day of the newest tutoring inspection or incident the user may
// see, so that the daily report opens on a day with data (today when there is none).
async function latestDay() {
  const newest = async (coll, filter, field) =>
    (await api.list(coll, { filter, sort: `-${field}`, perPage: 1 }).catch(() => []))[0]?.[field] || "";
  const [insp, inc] = await Promise.all([
    newest("inspections", "programme = 'tutoring'", "inspected_at"), newest("tutoring_incidents", "", "occurred_at")]);
  const latest = [insp, inc].filter(Boolean).sort().pop();
  return latest ? day(latest) : day(new Date().toISOString());
}

// latestMonth is the newest month with a dust-fall reading or a dust inspection the user may
// see, so that the ranking opens on a month with data (this month when there is none).
async function latestMonth() {
  const [fall, insp] = await Promise.all([
    api.list("dustfall_readings", { sort: "-month", perPage: 1 }).catch(() => []),
    api.list("inspections", { filter: "programme = 'dust'", sort: "-inspected_at", perPage: 1 }).catch(() => [])]);
  const months = [fall[0]?.month, insp[0] && day(insp[0].inspected_at).slice(0, 7)].filter(Boolean).sort();
  return months.pop() || day(new Date().toISOString()).slice(0, 7);
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

const share = (v) => (v == null ? "—" : `${(v * 100).toFixed(1)}%`);

// severityTable: general and major hazards apart, headed as the API names them (gazette line
// 3450's two targets first).
function severityTable(hz) {
  const keys = ["general_found", "general_closed", "general_rectified_share", "major_found", "major_listed",
    "major_listed_district", "major_listed_subdistrict", "major_listed_share", "regional", "listing_proposed"];
  const col = Object.fromEntries(hz.columns.map((c) => [c.key, c]));
  const cell = (r, k) => (k.endsWith("_share") ? share(r[k]) : String(r[k]));
  return h("div", { id: "hazards-severity" },
    h("ul", { class: "targets" }, hz.targets.map((g) => h("li", { "data-target": g.key },
      `${g.zh} · ${g.done} / ${g.of} · ${share(g.share)}`))),
    h("table", { id: "hazards-severity-table" },
      h("thead", {}, h("tr", {}, h("th", {}, t("col.subdistrict")), keys.map((k) => h("th", { class: "num" }, label(col[k]))))),
      h("tbody", {}, hz.figures.map((r) => h("tr", { "data-subdistrict": r.subdistrict }, h("td", {}, sdName(r.subdistrict)),
        keys.map((k) => h("td", { class: "num", "data-col": k }, cell(r, k))))))));
}

// milestonesCard: the plans' deadlines with what is done on time and late.
function milestonesCard(ms, exportButtons) {
  const lines = ms.flatMap((m) => [...m.rows.filter((p) => p.of || p.done || p.late).map((p) => [m, sdName(p.subdistrict), p]),
    ...(m.district ? [[m, t("fig.district"), m.district]] : [])]);
  return h("section", { class: "card", id: "fig-milestones" },
    h("h2", {}, t("fig.milestones")),
    h("div", { class: "toolbar" }, exportButtons("/api/fs/milestones", "")),
    h("table", { id: "milestones-table" },
      h("thead", {}, h("tr", {}, ["col.milestone", "col.due", "col.subdistrict", "col.todo", "col.ontimedone", "col.latedone", "col.share"]
        .map((k, i) => h("th", { class: i > 2 ? "num" : "" }, t(k))))),
      h("tbody", {}, lines.map(([m, where, p]) => h("tr", { "data-milestone": m.code, class: p.overdue ? "overdue" : "" },
        h("td", {}, `${m.title}（${m.gazette_line}）`), h("td", {}, m.due.slice(0, 10)), h("td", {}, where),
        [p.of, p.done, p.late].map((v) => h("td", { class: "num" }, String(v))), h("td", { class: "num" }, share(p.share)))))));
}

// ---- shell ----

async function route() {
  const hash = location.hash || "#/queues";
  const signedIn = !!api.auth;
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("signout").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn ? (api.auth.record.name || api.auth.record.email) : "";
  for (const a of document.querySelectorAll("nav a")) {
    a.classList.toggle("active", hash.startsWith(a.getAttribute("href")));
    // Screens whose API refuses the user's role are left out of the menu (the API decides still).
    a.hidden = signedIn && !!a.dataset.roles && !a.dataset.roles.split(" ").includes(api.auth.record.role);
  }
  if (!signedIn) return loginPage();
  main.replaceChildren(h("p", { class: "muted" }, t("loading")));
  if (!hash.startsWith("#/notifications")) refreshUnread();
  try {
    await loadRefs();
    if (hash.startsWith("#/findings/")) await findingPage(hash.slice("#/findings/".length));
    else if (hash.startsWith("#/reports/")) await reportPage(hash.slice("#/reports/".length));
    else if (hash.startsWith("#/figures")) await figuresPage();
    else if (hash.startsWith("#/notifications")) await notificationsPage();
    else if (hash.startsWith("#/findings")) await listPage("findings");
    else if (hash.startsWith("#/places")) await listPage("places");
    else if (hash.startsWith("#/centres/")) await centrePage(hash.slice("#/centres/".length));
    else if (hash.startsWith("#/centres")) await listPage("centres");
    else if (hash.startsWith("#/imports/")) await importJobPage(hash.slice("#/imports/".length));
    else if (hash.startsWith("#/imports")) importPage();
    else if (hash.startsWith("#/qr")) await qrPage();
    else if (hash.startsWith("#/land")) await landPage();
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
onRedraw(route);
apply();
refreshLangButton();
route();
