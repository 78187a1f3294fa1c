// The record screens: a finding with its photos and rectification steps, a smoke-alarm
// install, the tutoring checklist, the dust six-100% check, a bare-land entry, a public report
// and a new place. Every save is a local edit through the SDK (create, patch, command,
// addPhoto): it is on the phone at once and queued for the server. The server's rules that a
// phone can check (rules.js) are checked before saving, each refused field marked where it is.
import { addPhoto } from "/app/sdk/fieldsync.js";
import { h, field, select } from "/app/dom.js";
import { form, text, photoPicker, photoThumbs, queuedSteps, gpsPicker } from "/app/formkit.js";
import { t, term, options, checkItem, day, todayBeijing, endOfDay, stamp } from "/app/i18n.js";
import { casework, caseIssues } from "/app/casework.js";
import { reportPhoto } from "/app/reportphotos.js";
import { fieldStaffOf, checkFinding, checkOrder, checkInstall, checkPlace, checkLand, landTreatment, alwaysMajor, conductItems, safetyItems, dustItems, eligibilityOf, creditCodeProblem } from "/app/rules.js";

const live = (r) => r && !r.data.voided;


const stepLabel = (m) => {
  if (m.name === "finding.order@1") return `${t("finding.order")}：${t("finding.deadline")} ${day(m.args.deadline)}，${t("finding.party")} ${m.args.responsible_party}`;
  if (m.name === "finding.acknowledge@1") return `${t("finding.ack")}：${m.args.name}`;
  if (m.name === "finding.reinspect@1") return t("finding.reinspect");
  if (m.name === "finding.close@1") return t("finding.close");
  if (m.name === "finding.refer@1") return `${t("referral.refer")}：${m.args.reason}`;
  if (m.name === "report.inspect@1") return t("report.visit");
  if (m.name === "report.link@1") return t("report.link");
  return m.name;
};

export function forms({ issuesOf, issueView, nav, locate }) {
  // ---- a finding ----

  async function newFinding(ctx, _parts, q) {
    const c = ctx.client;
    const place = await c.get("places", q.get("place") ?? "");
    if (!place) return h("p", { class: "warn", dataset: { screen: "finding-new" } }, t("place.notFound"));
    const programme = { tutoring_centre: "tutoring", construction_site: "dust", bare_land: "dust", mixing_station: "dust", road: "dust", stockpile: "dust" }[place.data.kind] ?? "fire";
    const photos = photoPicker();
    const sev = select("severity", options("severity"), "general");
    const cat = select("category", options("finding_category", (v) => v.startsWith(programme + ".")), "", "—");
    cat.addEventListener("change", () => { if (alwaysMajor.includes(cat.value)) sev.value = "major"; });
    const f = form("finding-form", [
      h("h2", {}, t("finding.title")), h("p", {}, place.data.name),
      field(t("finding.category"), cat), field(t("finding.severity"), sev),
      field(t("finding.description"), h("textarea", { name: "description", id: "description", rows: 3 })),
      photos.el, photos.thumbs,
      h("button", { type: "submit", class: "primary" }, t("finding.save")),
    ], async (fd) => {
      const data = { programme, place: place.id, subdistrict: place.data.subdistrict, category: fd.get("category"), severity: fd.get("severity"), description: String(fd.get("description")).trim() };
      const refused = checkFinding(data);
      if (Object.keys(refused).length) return refused;
      const ids = [];
      for (const file of photos.taken) ids.push(await addPhoto(c, file, place.data.subdistrict));
      const id = await c.create("findings", { ...data, photos: ids });
      ctx.go(`#/finding/${id}`);
      return null;
    });
    return h("div", { dataset: { screen: "finding-new" } }, nav(), f);
  }

  async function findingScreen(ctx, [id, ...rest], q) {
    if (id === "new") return newFinding(ctx, rest, q);
    const c = ctx.client;
    const f = await c.get("findings", id);
    const issues = [...(await issuesOf(ctx, "findings", id)), ...(await caseIssues(ctx, id))];
    if (!f) return h("div", { dataset: { screen: "finding" } }, nav(), issues.map((is) => issueView(ctx, is)), h("p", { class: "warn" }, t("record.notFound")));
    // A finding created on this phone has no status until the server's defaults arrive: open.
    const d = { ...f.data, status: f.data.status || "open" };
    const place = await c.get("places", d.place);
    const steps = await queuedSteps(c, "findings", id);
    const ordered = d.status === "ordered" || steps.some((m) => m.name === "finding.order@1");
    const acked = d.status === "acknowledged" || steps.some((m) => m.name === "finding.acknowledge@1");
    const reinspected = steps.some((m) => m.name === "finding.reinspect@1");
    const closing = steps.some((m) => m.name === "finding.close@1");
    const row = (k, v) => (v ? [h("dt", {}, t(k)), h("dd", {}, v)] : null);
    const today = todayBeijing();
    // Rectification steps and edits are the subdistrict's field staff's; an agency's staff
    // reading a finding referred to them get none of these forms (casework.js has theirs).
    const staff = fieldStaffOf(ctx.me, d);

    const orderForm = staff && d.status === "open" && !ordered ? form("order-form", [
      h("h3", {}, t("finding.order")),
      field(t("finding.deadline"), h("input", { type: "date", name: "deadline", id: "deadline", min: today })),
      field(t("finding.party"), text("responsible_party", d.responsible_party ?? "")),
      h("button", { type: "submit", class: "primary" }, t("finding.orderSave")),
    ], async (fd) => {
      const o = { deadline: String(fd.get("deadline") ?? ""), responsible_party: String(fd.get("responsible_party") ?? "").trim() };
      const refused = checkOrder(o, today);
      if (Object.keys(refused).length) return refused;
      await c.command("finding.order@1", "findings", id, { deadline: endOfDay(o.deadline), responsible_party: o.responsible_party });
      ctx.draw();
      return null;
    }) : null;
    const ackForm = staff && ordered && !acked ? form("ack-form", [
      h("h3", {}, t("finding.ack")),
      field(t("finding.ackName"), text("name")),
      h("button", { type: "submit", class: "primary" }, t("finding.ackSave")),
    ], async (fd) => {
      const name = String(fd.get("name") ?? "").trim();
      if (!name) return { name: "required" };
      await c.command("finding.acknowledge@1", "findings", id, { name });
      ctx.draw();
      return null;
    }) : null;
    // A re-inspection of the place, with photos, once rectification was ordered (the statuses
    // from which the lifecycle allows "reinspected"): the server moves the finding to
    // re-inspected on a pass and returns it on a fail.
    const reinspectable = ["ordered", "acknowledged", "escalated", "returned"].includes(d.status) || (d.status === "open" && ordered);
    const photos = photoPicker();
    const reinspectForm = staff && reinspectable && !reinspected ? form("reinspect-form", [
      h("h3", {}, t("finding.reinspect")),
      field(t("finding.reinspectResult"), select("result", ["pass", "fail"].map((v) => ({ value: v, label: t("result." + v) })), "pass")),
      field(t("finding.reinspectNotes"), h("textarea", { name: "notes", id: "reinspect-notes", rows: 3 })),
      photos.el, photos.thumbs,
      h("button", { type: "submit", class: "primary" }, t("finding.reinspectSave")),
    ], async (fd) => {
      // The server closes only on a re-inspection with photo evidence: no photo, nothing queued.
      if (!photos.taken.length) return { photos: "reinspection_photos_missing" };
      const ids = [];
      for (const file of photos.taken) ids.push(await addPhoto(c, file, d.subdistrict));
      const inspection = await c.create("inspections", { programme: d.programme, kind: "reinspection", place: d.place, subdistrict: d.subdistrict,
        inspector: ctx.me.id, inspected_at: stamp(), result: fd.get("result"), notes: String(fd.get("notes") ?? "").trim(), photos: ids });
      await c.command("finding.reinspect@1", "findings", id, { inspection });
      ctx.draw();
      return null;
    }) : null;
    // Closing a re-inspected finding: the inspector's step unless it is a supervised major one.
    const closeForm = staff && d.status === "reinspected" && !d.supervised && !closing ? form("close-form", [
      h("h3", {}, t("finding.close")),
      h("button", { type: "submit", class: "primary" }, t("finding.closeSave")),
    ], async () => {
      await c.command("finding.close@1", "findings", id, {});
      ctx.draw();
      return null;
    }) : null;
    const editForm = staff && !["closed", "voided"].includes(d.status) ? form("edit-form", [
      h("h3", {}, t("finding.edit")),
      field(t("finding.description"), h("textarea", { name: "description", id: "edit-description", rows: 3 }, d.description)),
      h("button", { type: "submit" }, t("finding.editSave")),
    ], async (fd) => {
      const description = String(fd.get("description") ?? "").trim();
      if (!description) return { description: "required" };
      if (description !== d.description) await c.patch("findings", id, { description });
      ctx.draw();
      return null;
    }) : null;

    return h("div", { dataset: { screen: "finding", id, status: d.status, dirty: String(f.dirty) } }, nav(),
      issues.map((is) => issueView(ctx, is)),
      h("h2", {}, `${t("finding.detail")}：${term("finding_category", d.category)}`),
      f.dirty ? h("p", { class: "badge", id: "unsynced" }, t("finding.unsynced")) : null,
      h("dl", { class: "facts" },
        row("finding.place", place ? h("a", { href: `#/place/${place.id}` }, place.data.name) : ""),
        row("finding.status", term("finding_status", d.status)),
        row("finding.severity", term("severity", d.severity)),
        row("finding.description", h("span", { id: "finding-description" }, d.description)),
        row("finding.deadline", day(d.deadline)),
        row("finding.party", d.responsible_party),
        row("finding.ackBy", d.acknowledged_by_name)),
      h("h3", {}, t("finding.photoCount", { n: (d.photos ?? []).length })),
      h("div", { class: "thumbs", id: "finding-photos" }, await photoThumbs(c, d.photos)),
      steps.length ? h("section", { id: "queued-steps" }, h("h3", {}, t("finding.queuedSteps")), h("ul", {}, steps.map((m) => h("li", {}, stepLabel(m))))) : null,
      orderForm, ackForm, reinspectForm, closeForm, await casework(ctx, f, d), editForm);
  }

  // ---- a smoke-alarm install ----

  async function installScreen(ctx, _parts, q) {
    const c = ctx.client;
    const place = await c.get("places", q.get("place") ?? "");
    if (!place) return h("p", { class: "warn", dataset: { screen: "install" } }, t("place.notFound"));
    const hh = (await c.list("households", { place: place.id })).find(live);
    if (!hh) return h("div", { dataset: { screen: "install" } }, nav(), h("p", { class: "warn" }, t("install.noHousehold")));
    const eligibility = eligibilityOf(hh.data);
    const unit = select("unit_type", options("alarm_unit_type"), eligibility === "elderly_alone" || eligibility === "disabled" ? "networked" : "ordinary");
    const f = form("install-form", [
      h("h2", {}, t("install.title")),
      h("dl", { class: "facts" }, h("dt", {}, t("install.household")), h("dd", {}, `${hh.data.head_name} · ${place.data.address}`),
        h("dt", {}, t("install.eligibility")), h("dd", { id: "eligibility" }, term("alarm_eligibility", eligibility))),
      field(t("install.unitType"), unit),
      field(t("install.serial"), text("serial", "", { autocapitalize: "characters" })),
      field(t("install.location"), text("location_in_home")),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "consent", id: "consent" }), t("install.consent")),
      field(t("install.consentBy"), text("consent_by", hh.data.head_name)),
      h("button", { type: "submit", class: "primary" }, t("install.save")),
    ], async (fd) => {
      const data = { household: place.id, subdistrict: place.data.subdistrict, unit_type: fd.get("unit_type"), serial: String(fd.get("serial") ?? "").trim().toUpperCase(),
        location_in_home: String(fd.get("location_in_home") ?? "").trim(), consent: fd.get("consent") === "on", consent_by: String(fd.get("consent_by") ?? "").trim(),
        installed_on: stamp(), installer: ctx.me.id };
      const refused = checkInstall(data, eligibility);
      if (Object.keys(refused).length) return refused;
      await c.create("smoke_alarm_installs", data);
      ctx.go(`#/place/${place.id}`);
      return null;
    });
    return h("div", { dataset: { screen: "install" } }, nav(), f);
  }

  // ---- inspections: tutoring checklist, dust six-100% ----

  async function tutoringScreen(ctx, _parts, q) {
    const c = ctx.client;
    const place = await c.get("places", q.get("place") ?? "");
    if (!place) return h("p", { class: "warn", dataset: { screen: "tutoring" } }, t("place.notFound"));
    const centre = (await c.list("tutoring_centres", { place: place.id })).find(live);
    const box = (item, checked) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "item", value: item, id: `item-${item}`, checked }), checkItem(item));
    const f = form("tutoring-form", [
      h("h2", {}, t("tutoring.title")), h("p", {}, place.data.name),
      field(t("tutoring.creditCode"), text("credit_code", centre?.data.credit_code ?? "", { autocapitalize: "characters" })),
      h("fieldset", {}, h("legend", {}, t("tutoring.conduct")), conductItems.map((i) => box(i, false))),
      h("fieldset", {}, h("legend", {}, t("tutoring.safety")), safetyItems.map((i) => box(i, true))),
      field(t("tutoring.notes"), h("textarea", { name: "notes", id: "notes", rows: 3 })),
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "with_findings", id: "with-findings", checked: true }), t("tutoring.findings")),
      h("button", { type: "submit", class: "primary" }, t("tutoring.save")),
    ], async (fd) => {
      const code = String(fd.get("credit_code") ?? "").trim();
      if (code && creditCodeProblem(code)) return { credit_code: creditCodeProblem(code) };
      const ticked = new Set(fd.getAll("item"));
      const checklist = {};
      for (const i of conductItems) checklist[i] = ticked.has(i);
      for (const i of safetyItems) checklist[i] = ticked.has(i);
      const violations = conductItems.filter((i) => checklist[i]);
      const failed = violations.length > 0 || safetyItems.some((i) => !checklist[i]);
      const notes = String(fd.get("notes") ?? "").trim();
      const inspection = await c.create("inspections", { programme: "tutoring", kind: "routine", place: place.id, subdistrict: place.data.subdistrict,
        inspector: ctx.me.id, inspected_at: stamp(), result: failed ? "fail" : "pass", checklist, notes });
      if (fd.get("with_findings") === "on") {
        for (const v of violations) {
          await c.create("findings", { programme: "tutoring", place: place.id, subdistrict: place.data.subdistrict, inspection, category: `tutoring.${v}`, severity: "general",
            description: notes ? `${checkItem(v)}：${notes}` : checkItem(v) });
        }
      }
      ctx.go(`#/place/${place.id}`);
      return null;
    });
    return h("div", { dataset: { screen: "tutoring" } }, nav(), f);
  }

  async function dustScreen(ctx, _parts, q) {
    const c = ctx.client;
    const place = await c.get("places", q.get("place") ?? "");
    if (!place) return h("p", { class: "warn", dataset: { screen: "dust" } }, t("place.notFound"));
    const f = form("dust-form", [
      h("h2", {}, t("dust.title")), h("p", {}, place.data.name), h("p", { class: "muted" }, t("dust.hint")),
      h("fieldset", {}, dustItems.map((i) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "done", value: i, id: `done-${i}`, checked: true }), term("finding_category", `dust.${i}`)))),
      h("fieldset", {}, h("legend", {}, t("dust.devices")), options("suppression_device").map((o) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "device", value: o.value, id: `device-${o.value}` }), o.label))),
      field(t("tutoring.notes"), h("textarea", { name: "notes", id: "notes", rows: 3 })),
      h("button", { type: "submit", class: "primary" }, t("dust.save")),
    ], async (fd) => {
      const done = new Set(fd.getAll("done"));
      const checklist = { devices: fd.getAll("device") };
      for (const i of dustItems) checklist[i] = done.has(i);
      const missed = dustItems.filter((i) => !done.has(i));
      const notes = String(fd.get("notes") ?? "").trim();
      const inspection = await c.create("inspections", { programme: "dust", kind: "routine", place: place.id, subdistrict: place.data.subdistrict,
        inspector: ctx.me.id, inspected_at: stamp(), result: missed.length ? "fail" : "pass", checklist, notes });
      for (const m of missed) {
        const category = `dust.${m}`;
        await c.create("findings", { programme: "dust", place: place.id, subdistrict: place.data.subdistrict, inspection, category, severity: "general",
          description: notes ? `${term("finding_category", category)}：${notes}` : term("finding_category", category) });
      }
      ctx.go(`#/place/${place.id}`);
      return null;
    });
    return h("div", { dataset: { screen: "dust" } }, nav(), f);
  }

  async function landScreen(ctx, _parts, q) {
    const c = ctx.client;
    const place = await c.get("places", q.get("place") ?? "");
    if (!place) return h("p", { class: "warn", dataset: { screen: "land" } }, t("place.notFound"));
    const state = select("state", options("land_state"), "bare");
    const treatment = select("treatment", options("land_treatment"), "none");
    state.addEventListener("change", () => { if (state.value in landTreatment) treatment.value = landTreatment[state.value]; });
    const f = form("land-form", [
      h("h2", {}, t("land.title")), h("p", {}, place.data.name),
      field(t("land.state"), state),
      field(t("land.treatment"), treatment),
      field(t("land.area"), h("input", { type: "number", name: "area_m2", id: "area_m2", min: "0", step: "1", inputmode: "numeric" })),
      field(t("land.notes"), h("textarea", { name: "notes", id: "notes", rows: 2 })),
      h("button", { type: "submit", class: "primary" }, t("land.save")),
    ], async (fd) => {
      const entry = { place: place.id, subdistrict: place.data.subdistrict, recorded_on: stamp(), state: fd.get("state"), treatment: fd.get("treatment"),
        area_m2: Number(fd.get("area_m2")), notes: String(fd.get("notes") ?? "").trim() };
      const refused = checkLand(entry);
      if (Object.keys(refused).length) return refused;
      await c.create("bare_land_entries", entry);
      ctx.go(`#/place/${place.id}`);
      return null;
    });
    return h("div", { dataset: { screen: "land" } }, nav(), f);
  }

  // ---- a public report assigned to me ----

  async function reportScreen(ctx, [id]) {
    const c = ctx.client;
    const r = await c.get("public_reports", id);
    if (!r) return h("div", { dataset: { screen: "report" } }, nav(), h("p", { class: "warn" }, t("record.notFound")));
    const d = r.data;
    const place = d.place ? await c.get("places", d.place) : null;
    const steps = await queuedSteps(c, "public_reports", id);
    // The reporter's photos: kept on the phone for a report assigned to me (reportphotos.js),
    // else fetched while online.
    const shown = await Promise.all((d.photos ?? []).map((pid) => reportPhoto(c, pid)));
    const photos = h("div", { class: "thumbs", id: "report-photos", dataset: { kept: String(shown.filter((p) => p?.kept).length) } },
      shown.map((p) => h("img", { class: "thumb", alt: t("report.photoAlt"), src: p ? URL.createObjectURL(p.blob) : null })));
    const allKept = shown.length > 0 && shown.every((p) => p?.kept);
    const findings = place ? (await c.list("findings", { place: place.id })).filter(live) : [];
    const visit = place && !d.inspection && !steps.some((m) => m.name === "report.inspect@1") ? form("visit-form", [
      h("h3", {}, t("report.visit")),
      field(t("report.visitResult"), select("result", ["pass", "fail", "not_present"].map((v) => ({ value: v, label: t("result." + v) })), "fail")),
      field(t("report.visitNotes"), h("textarea", { name: "notes", id: "visit-notes", rows: 3 })),
      h("button", { type: "submit", class: "primary" }, t("report.visitSave")),
    ], async (fd) => {
      const programme = d.category.startsWith("tutoring") ? "tutoring" : d.category;
      const inspection = await c.create("inspections", { programme, kind: "routine", place: place.id, subdistrict: d.subdistrict, inspector: ctx.me.id, inspected_at: stamp(), result: fd.get("result"), notes: String(fd.get("notes") ?? "").trim() });
      await c.command("report.inspect@1", "public_reports", id, { inspection });
      ctx.draw();
      return null;
    }) : null;
    const link = !d.finding && findings.length && !steps.some((m) => m.name === "report.link@1") ? form("link-form", [
      h("h3", {}, t("report.link")),
      field(t("finding.detail"), select("finding", findings.map((f) => ({ value: f.id, label: `${term("finding_category", f.data.category)}：${f.data.description}` })))),
      h("button", { type: "submit", class: "primary" }, t("report.linkSave")),
    ], async (fd) => {
      await c.command("report.link@1", "public_reports", id, { finding: fd.get("finding") });
      ctx.draw();
      return null;
    }) : null;
    return h("div", { dataset: { screen: "report" } }, nav(),
      (await issuesOf(ctx, "public_reports", id)).map((is) => issueView(ctx, is)),
      h("h2", {}, `${t("report.title")} ${d.tracking_no}`),
      h("p", {}, term("report_category", d.category), " · ", term("report_status", d.status)),
      h("h3", {}, t("report.text")), h("p", { id: "report-text" }, d.description),
      place ? h("p", {}, h("a", { href: `#/place/${place.id}` }, place.data.name), ` · ${place.data.address}`) : h("p", {}, d.address),
      (d.photos ?? []).length ? [h("h3", {}, t("report.photos")), photos,
        allKept ? h("p", { class: "muted", id: "report-photos-kept" }, t("report.photosKept")) : navigator.onLine ? null : h("p", { class: "muted" }, t("report.noPhotos"))] : null,
      d.finding ? h("p", {}, h("a", { href: `#/finding/${d.finding}` }, t("finding.detail"))) : null,
      steps.length ? h("ul", { id: "queued-steps" }, steps.map((m) => h("li", {}, stepLabel(m)))) : null,
      visit, link, place ? h("a", { href: `#/finding/new?place=${place.id}`, class: "button" }, t("place.finding")) : null);
  }

  // ---- a new place, with the phone's position ----

  async function newPlaceScreen(ctx) {
    const c = ctx.client;
    const sd = ctx.me.subdistricts?.[0] ?? "";
    const gps = gpsPicker(locate);
    const kinds = ["household", "tutoring_centre", "construction_site", "mixing_station", "school", "venue", "bare_land"];
    const kind = select("kind", options("place_kind", (v) => kinds.includes(v)), "", "—");
    const venue = select("venue_type", options("venue_type", (v) => v !== ""), "", "—");
    const f = form("place-form", [
      h("h2", {}, t("newPlace.title")),
      // A tutoring centre is registered with its form (centres.js): the place comes with it.
      fieldStaffOf(ctx.me, { subdistrict: sd }) ? h("a", { href: "#/centre/new", class: "button", id: "act-centre-new" }, t("centre.registerNew")) : null,
      field(t("newPlace.kind"), kind), field(t("newPlace.venueType"), venue),
      field(t("newPlace.name"), text("name")), field(t("newPlace.address"), text("address")),
      gps.el,
      h("button", { type: "submit", class: "primary" }, t("newPlace.save")),
    ], async (fd) => {
      const data = { kind: fd.get("kind"), name: String(fd.get("name") ?? "").trim(), address: String(fd.get("address") ?? "").trim(), subdistrict: sd };
      if (data.kind === "venue" && fd.get("venue_type")) data.venue_type = fd.get("venue_type");
      gps.into(data);
      const refused = checkPlace(data);
      if (Object.keys(refused).length) return refused;
      const id = await c.create("places", data);
      ctx.go(`#/place/${id}`);
      return null;
    });
    return h("div", { dataset: { screen: "newplace" } }, nav(), f);
  }

  return {
    finding: findingScreen,
    install: installScreen,
    tutoring: tutoringScreen,
    dust: dustScreen,
    land: landScreen,
    report: reportScreen,
    newplace: newPlaceScreen,
  };
}

