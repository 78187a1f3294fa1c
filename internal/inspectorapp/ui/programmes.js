// The programmes' records kept beside a place: smoke-alarm follow-ups of a household's
// installs, a tutoring centre's licence data and the incidents around it. Saves are local
// edits through the SDK, queued for the server like every other.
import { addPhoto } from "/app/sdk/fieldsync.js";
import { h, field, select } from "/app/dom.js";
import { t, term, options, day, todayBeijing, stamp } from "/app/i18n.js";
import { checkFollowup, checkIncident, fieldStaffOf } from "/app/rules.js";
import { form, text, photoPicker } from "/app/formkit.js";

const live = (r) => r && !r.data.voided;

// currentSerial is the serial of the unit hanging at an install now: the newest replacement's
// new serial, or the serial it was installed with (internal/smokealarm.currentSerial).
function currentSerial(install, followups) {
  const replaced = followups.filter((f) => f.data.install === install.id && f.data.new_serial)
    .sort((a, b) => String(b.data.visited_on).localeCompare(String(a.data.visited_on)));
  return replaced[0]?.data.new_serial ?? install.data.serial ?? "";
}

// installsOf are the live installs of the household at place, with their follow-ups.
export async function installsOf(c, place) {
  const [installs, followups] = await Promise.all([c.list("smoke_alarm_installs"), c.list("smoke_alarm_followups")]);
  const liveFollowups = followups.filter(live);
  return installs.filter((i) => live(i) && i.data.household === place)
    .map((i) => ({ install: i, followups: liveFollowups.filter((f) => f.data.install === i.id), serial: currentSerial(i, liveFollowups) }));
}

// A follow-up visit of a household's smoke alarm (回访): the unit tested, replaced if need be.
async function followupScreen(ctx, _parts, q, { nav }) {
  const c = ctx.client;
  const place = await c.get("places", q.get("place") ?? "");
  if (!place) return h("p", { class: "warn", dataset: { screen: "followup" } }, t("place.notFound"));
  const units = await installsOf(c, place.id);
  if (!units.length) return h("div", { dataset: { screen: "followup" } }, nav(), h("p", { class: "warn" }, t("install.noHousehold")));
  const photos = photoPicker();
  const label = (u) => `${term("alarm_unit_type", u.install.data.unit_type)} ${u.serial} · ${day(u.install.data.installed_on)}`;
  const f = form("followup-form", [
    h("h2", {}, t("followup.title")), h("p", {}, `${place.data.name} · ${place.data.address}`),
    field(t("followup.unit"), select("install", units.map((u) => ({ value: u.install.id, label: label(u) })), units[0].install.id)),
    field(t("followup.result"), select("result", options("inspection_result"), "pass")),
    field(t("followup.newSerial"), text("new_serial", "", { autocapitalize: "characters" })),
    field(t("followup.notes"), h("textarea", { name: "notes", id: "followup-notes", rows: 2 })),
    photos.el, photos.thumbs,
    h("button", { type: "submit", class: "primary" }, t("followup.save")),
  ], async (fd) => {
    const data = { install: String(fd.get("install") ?? ""), subdistrict: place.data.subdistrict, visited_on: stamp(), result: String(fd.get("result") ?? ""),
      new_serial: String(fd.get("new_serial") ?? "").trim().toUpperCase(), notes: String(fd.get("notes") ?? "").trim() };
    const refused = checkFollowup(data);
    if (Object.keys(refused).length) return refused;
    const ids = [];
    for (const file of photos.taken) ids.push(await addPhoto(c, file, place.data.subdistrict));
    await c.create("smoke_alarm_followups", { ...data, photos: ids });
    ctx.go(`#/place/${place.id}`);
    return null;
  });
  return h("div", { dataset: { screen: "followup" } }, nav(), f);
}

// An incident around a tutoring centre (安全稳定情况: centre, parent group, public opinion),
// which the subdistrict's daily report (一) counts.
async function incidentScreen(ctx, _parts, q, { nav }) {
  const c = ctx.client;
  const place = await c.get("places", q.get("place") ?? "");
  if (!place) return h("p", { class: "warn", dataset: { screen: "incident" } }, t("place.notFound"));
  const today = todayBeijing();
  const f = form("incident-form", [
    h("h2", {}, t("incident.title")), h("p", {}, place.data.name),
    field(t("incident.kind"), select("kind", options("incident_kind"), "", "—")),
    field(t("incident.occurred"), h("input", { type: "date", name: "occurred_on", id: "occurred_on", value: today, max: today })),
    field(t("incident.description"), h("textarea", { name: "description", id: "incident-description", rows: 3 })),
    field(t("incident.handling"), h("textarea", { name: "handling", id: "incident-handling", rows: 2 })),
    h("button", { type: "submit", class: "primary" }, t("incident.save")),
  ], async (fd) => {
    const occurred = String(fd.get("occurred_on") ?? "");
    const data = { subdistrict: place.data.subdistrict, place: place.id, kind: String(fd.get("kind") ?? ""),
      // Today is now; an earlier day in Beijing is stored at its noon (04:00 UTC).
      occurred_at: occurred === today ? stamp() : occurred ? `${occurred} 04:00:00.000Z` : "",
      description: String(fd.get("description") ?? "").trim(), handling: String(fd.get("handling") ?? "").trim() };
    const refused = checkIncident(data);
    if (Object.keys(refused).length) return refused;
    await c.create("tutoring_incidents", data);
    ctx.go(`#/place/${place.id}`);
    return null;
  });
  return h("div", { dataset: { screen: "incident" } }, nav(), f);
}

// centreFacts shows a centre's licence and registration data as REST shows it to staff of its
// subdistrict: what a visit checks against the premises; the people's contacts stay off it.
// The subdistrict's field staff get 修改办学资质 on a registered centre and 登记培训机构 on a
// centre's place with no registration (centres.js).
export async function centreFacts(ctx, place) {
  const c = ctx.client;
  const centre = (await c.list("tutoring_centres", { place: place.id })).find(live);
  const staff = fieldStaffOf(ctx.me, place.data);
  if (!centre) {
    return h("section", { id: "centre-facts" }, h("h3", {}, t("centre.title")), h("p", { class: "muted" }, t("centre.none")),
      staff ? h("a", { href: `#/centre/new?place=${place.id}`, class: "button", id: "act-centre-register" }, t("centre.register")) : null);
  }
  const d = centre.data;
  const yesNo = (v) => (v ? t("yes") : t("no"));
  const rows = [
    ["centre.creditCode", d.credit_code],
    ["centre.qualification", term("qualification", d.qualification)],
    ["centre.schoolLicence", yesNo(d.school_licence)],
    ["centre.licenceNo", d.licence_no],
    ["centre.licenceAuthority", d.licence_authority],
    ["centre.licenceIssuer", term("licence_issuer", d.licence_issuer)],
    ["centre.businessLicence", term("business_licence", d.business_licence)],
    ["centre.registeringAuthority", d.registering_authority],
    ["centre.listStatus", term("list_status", d.list_status)],
    ["centre.status", term("centre_status", d.status)],
  ].filter(([, v]) => v);
  return h("section", { id: "centre-facts", dataset: { dirty: String(centre.dirty) } }, h("h3", {}, t("centre.title")),
    h("dl", { class: "facts" }, rows.map(([k, v]) => [h("dt", {}, t(k)), h("dd", { dataset: { key: k } }, v)])),
    centre.dirty ? h("p", { class: "muted" }, t("finding.unsynced")) : null,
    staff ? h("a", { href: `#/centre/edit?place=${place.id}`, class: "button", id: "act-centre-edit" }, t("centre.edit")) : null);
}

export function programmes(helpers) {
  return {
    followup: (ctx, parts, q) => followupScreen(ctx, parts, q, helpers),
    incident: (ctx, parts, q) => incidentScreen(ctx, parts, q, helpers),
  };
}
