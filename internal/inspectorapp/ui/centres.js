// A tutoring centre's registration from the phone (the 排查登记表, gazette lines 4839-4876)
// and the edit of its licence data on its place. Both are local edits through the SDK, queued
// for the server like every other; the server's rules the phone can check (rules.js) are
// checked first. The people's contacts (legal representative, principal, sponsor) are entered
// on the registration form, which only the subdistrict's field staff get, as REST lets them
// write them; no other screen shows them.
import { h, field, select } from "/app/dom.js";
import { form, text, gpsPicker } from "/app/formkit.js";
import { t, term, options } from "/app/i18n.js";
import { checkPlace, checkCentre, qualify, mayWriteCentre, fieldStaffOf } from "/app/rules.js";

const live = (r) => r && !r.data.voided;
const flags = ["school_licence", "institution_certificate"];

// The licence data (办学资质) and the centre's status, in the form's order; an edit offers
// those the user's role may write (rules.js, the server's field policy).
const licenceFields = ["credit_code", "school_licence", "licence_no", "licence_authority", "licence_issuer", "legal_registration",
  "business_licence", "institution_certificate", "registering_authority", "status"];

const check = (name, label, checked) => h("label", { class: "check" }, h("input", { type: "checkbox", name, id: name, checked: !!checked }), label);
const choose = (name, label, enumName, value, placeholder = "—") => field(label, select(name, options(enumName), value ?? "", placeholder));

// licenceInput is the control of one licence field, holding d's value.
function licenceInput(name, d) {
  switch (name) {
    case "credit_code": return field(t("centre.creditCode"), text("credit_code", d.credit_code ?? "", { autocapitalize: "characters" }));
    case "school_licence": return check(name, t("centreNew.schoolLicence"), d.school_licence);
    case "licence_no": return field(t("centre.licenceNo"), text(name, d.licence_no ?? ""));
    case "licence_authority": return field(t("centre.licenceAuthority"), text(name, d.licence_authority ?? ""));
    case "licence_issuer": return choose(name, t("centre.licenceIssuer"), "licence_issuer", d.licence_issuer);
    case "legal_registration": return choose(name, t("centreNew.legalRegistration"), "legal_registration", d.legal_registration);
    case "business_licence": return choose(name, t("centre.businessLicence"), "business_licence", d.business_licence);
    case "institution_certificate": return check(name, t("centreNew.institutionCertificate"), d.institution_certificate);
    case "registering_authority": return field(t("centre.registeringAuthority"), text(name, d.registering_authority ?? ""));
    case "status": return field(t("centre.status"), select(name, options("centre_status"), d.status || "operating"));
  }
  return null;
}

// licenceValues reads the licence fields named from the form.
function licenceValues(fd, names) {
  const out = {};
  for (const n of names) out[n] = flags.includes(n) ? fd.get(n) === "on" : String(fd.get(n) ?? "").trim();
  if (out.credit_code) out.credit_code = out.credit_code.toUpperCase();
  return out;
}

// qualification shows the class the server will derive from the licences ticked, as they change.
function qualification(formEl) {
  const out = h("output", { id: "qualification" });
  const show = () => {
    const v = (n) => formEl.querySelector(`[name="${n}"]`);
    out.textContent = term("qualification", qualify(v("school_licence")?.checked, v("business_licence")?.value, v("institution_certificate")?.checked));
  };
  formEl.addEventListener("input", show);
  formEl.addEventListener("change", show);
  return { el: h("p", {}, `${t("centre.qualification")}：`, out), show };
}

const placeOf = async (c, q) => (q.get("place") ? c.get("places", q.get("place")) : null);
const refuse = (screen, nav, key) => h("div", { dataset: { screen } }, nav(), h("p", { class: "warn" }, t(key)));

// ---- registration ----

// register is 培训机构排查登记: a new place of kind tutoring centre with its centre record, or
// the centre record of a centre's place that has none (?place=).
async function register(ctx, q, { nav, locate }) {
  const c = ctx.client;
  const at = await placeOf(c, q);
  const sd = at?.data.subdistrict ?? ctx.me.subdistricts?.[0] ?? "";
  if (!fieldStaffOf(ctx.me, { subdistrict: sd })) return refuse("centre-new", nav, "centre.notYours");
  if (at && (await c.list("tutoring_centres", { place: at.id })).some(live)) return refuse("centre-new", nav, "centre.registered");
  const gps = at ? null : gpsPicker(locate);
  const boxes = (name, enumName) => h("div", { class: "checks" }, options(enumName).map((o) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name, value: o.value, id: `${name}-${o.value}` }), o.label)));
  const legend = (key) => h("legend", {}, t(key));
  const count = (name) => h("input", { type: "number", name, id: name, min: "0", step: "1", inputmode: "numeric" });
  const tel = (name) => text(name, "", { type: "tel", inputmode: "tel" });
  const f = form("centre-form", [
    h("h2", {}, t("centreNew.title")),
    at ? h("p", {}, `${at.data.name} · ${at.data.address}`)
      : [field(t("centreNew.name"), text("name")), field(t("centreNew.address"), text("address")), gps.el],
    h("fieldset", {}, legend("centreNew.organisation"),
      field(t("centreNew.founded"), h("input", { type: "date", name: "founded_on", id: "founded_on" })),
      field(t("centreNew.registeredAddress"), text("registered_address")),
      field(t("centreNew.legalRepName"), text("legal_rep_name")), field(t("centreNew.legalRepHukou"), text("legal_rep_hukou")),
      field(t("centreNew.legalRepPhone"), tel("legal_rep_phone")),
      field(t("centreNew.principalName"), text("principal_name")), field(t("centreNew.principalHukou"), text("principal_hukou")),
      field(t("centreNew.principalPhone"), tel("principal_phone")),
      field(t("centreNew.sponsorName"), text("sponsor_name")), field(t("centreNew.sponsorPhone"), tel("sponsor_phone")),
      choose("sponsor_type", t("centreNew.sponsorType"), "sponsor_type", ""),
      field(t("centreNew.sponsorTypeOther"), text("sponsor_type_other"))),
    h("fieldset", {}, legend("centre.title"), licenceFields.filter((n) => n !== "status").map((n) => licenceInput(n, {}))),
    h("fieldset", { id: "teaching" }, legend("centreNew.teaching"),
      h("p", { class: "label" }, t("centreNew.categories")), boxes("categories", "training_category"),
      field(t("centreNew.categoriesOther"), text("categories_other")),
      h("p", { class: "label" }, t("centreNew.subjects")), boxes("subjects", "subject"),
      choose("mode", t("centreNew.mode"), "teaching_mode", ""),
      choose("subject_mode", t("centreNew.subjectMode"), "teaching_mode", ""),
      field(t("centreNew.content"), h("textarea", { name: "training_content", id: "training_content", rows: 2 })),
      field(t("centreNew.target"), text("enrolment_target")),
      field(t("centreNew.traineesNow"), count("trainees_now"))),
    h("fieldset", {}, legend("centreNew.conditions"),
      choose("premises", t("centreNew.premises"), "premises", ""),
      field(t("centreNew.area"), h("input", { type: "number", name: "floor_area_m2", id: "floor_area_m2", min: "0", step: "any", inputmode: "decimal" })),
      field(t("centreNew.staff"), count("staff")),
      check("fire_acceptance", t("centreNew.fireAcceptance"), false)),
    h("button", { type: "submit", class: "primary" }, t("centreNew.save")),
  ], async (fd) => {
    const str = (n) => String(fd.get(n) ?? "").trim();
    const place = at ? null : gps.into({ kind: "tutoring_centre", name: str("name"), address: str("address"), subdistrict: sd });
    const founded = str("founded_on");
    const centre = { subdistrict: sd, ...licenceValues(fd, licenceFields.filter((n) => n !== "status")),
      founded_on: founded ? `${founded} 04:00:00.000Z` : "", fire_acceptance: fd.get("fire_acceptance") === "on",
      categories: fd.getAll("categories"), subjects: fd.getAll("subjects"), training_content: str("training_content") };
    for (const n of ["registered_address", "legal_rep_name", "legal_rep_hukou", "legal_rep_phone", "principal_name", "principal_hukou", "principal_phone",
      "sponsor_name", "sponsor_phone", "sponsor_type", "sponsor_type_other", "categories_other", "mode", "subject_mode", "enrolment_target", "premises"]) centre[n] = str(n);
    for (const n of ["trainees_now", "staff", "floor_area_m2"]) if (str(n) !== "") centre[n] = Number(str(n));
    const refused = { ...(place ? checkPlace(place) : {}), ...checkCentre(centre) };
    if (Object.keys(refused).length) return refused;
    const placeId = at?.id ?? (await c.create("places", place));
    await c.create("tutoring_centres", { ...centre, place: placeId });
    ctx.go(`#/place/${placeId}`);
    return null;
  });
  const derived = qualification(f);
  f.querySelector("[name=registering_authority]").closest("label").after(derived.el);
  derived.show();
  return h("div", { dataset: { screen: "centre-new" } }, nav(), f);
}

// ---- the licence data of a registered centre ----

const same = (a, b) => (a ?? "") === (b ?? "") || (typeof a === "boolean" && !!a === !!b);

// editLicence edits a centre's licence data: the fields the user's role may write are inputs,
// the others (the lists, a status only a supervisor sets) are shown as they stand.
async function editLicence(ctx, q, { nav }) {
  const c = ctx.client;
  const place = await placeOf(c, q);
  const centre = place && (await c.list("tutoring_centres", { place: place.id })).find(live);
  if (!centre) return refuse("centre-edit", nav, "centre.none");
  const d = centre.data;
  const mine = licenceFields.filter((n) => mayWriteCentre(ctx.me, d, n));
  if (!mine.length) return refuse("centre-edit", nav, "centre.notYours");
  const fixed = [["centre.listStatus", term("list_status", d.list_status)], ...(mine.includes("status") ? [] : [["centre.status", term("centre_status", d.status)]])];
  const f = form("licence-form", [
    h("h2", {}, t("centre.edit")), h("p", {}, `${place.data.name} · ${place.data.address}`),
    mine.map((n) => licenceInput(n, d)),
    h("p", { class: "muted", id: "licence-fixed-note" }, t("centreEdit.fixed")),
    h("dl", { class: "facts", id: "licence-fixed" }, fixed.map(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v || "—")])),
    h("button", { type: "submit", class: "primary" }, t("centreEdit.save")),
  ], async (fd) => {
    const values = licenceValues(fd, mine);
    const set = Object.fromEntries(Object.entries(values).filter(([n, v]) => !same(v, d[n])));
    const refused = checkCentre(set);
    if (Object.keys(refused).length) return refused;
    if (Object.keys(set).length) await c.patch("tutoring_centres", centre.id, set);
    ctx.go(`#/place/${place.id}`);
    return null;
  });
  const derived = qualification(f);
  f.querySelector("#licence-fixed-note").before(derived.el);
  derived.show();
  return h("div", { dataset: { screen: "centre-edit" } }, nav(), f);
}

export function centres(helpers) {
  return {
    centre: (ctx, [which], q) => (which === "edit" ? editLicence(ctx, q, helpers) : register(ctx, q, helpers)),
  };
}
