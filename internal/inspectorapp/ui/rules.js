// The server's rules that a phone can check before a push, so most mistakes are caught at the
// door rather than after a sync. The server stays the judge: what it refuses still comes back
// as an issue, shown on the record. Each check returns {field: code} for the fields it refuses.

// GB 32100-2015's alphabet and weights (internal/tutoring/creditcode.go).
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const creditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

// creditCodeProblem returns "" for a valid unified social credit code, else the server's code.
export function creditCodeProblem(raw) {
  const s = String(raw ?? "").trim().toUpperCase();
  if (s.length !== 18) return "credit_code_length";
  for (const ch of s) if (!creditAlphabet.includes(ch)) return "credit_code_character";
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += creditAlphabet.indexOf(s[i]) * creditWeights[i];
  return creditAlphabet[(31 - (sum % 31)) % 31] === s[17] ? "" : "credit_code_check";
}

// Fire categories always recorded as major hazards (internal/fire.AlwaysMajor).
export const alwaysMajor = ["fire.external_insulation", "fire.multi_in_one", "fire.basement_dwelling", "fire.flammable_storage"];

// The tutoring checklist (internal/tutoring/checklist.go): conduct items are true when the
// violation was found, safety items true when the check passed.
export const conductItems = [
  "against_education_policy", "mismanagement",
  "false_advertising", "illegal_enrolment", "illegal_fees", "misappropriated_funds", "illegal_fundraising",
  "beyond_curriculum", "ahead_of_schedule", "exam_cramming", "grade_exam_admission",
  "public_school_teacher", "school_teaching_plan", "school_teacher_moonlighting", "school_admission_link",
];
export const safetyItems = ["exits_clear", "evacuation_signs", "emergency_lights", "extinguishers", "electricity_safe", "fire_use_safe", "fire_acceptance"];

// The dust programme's six 100% (六个百分之百) items of a construction site check
// (internal/dust.SixHundred), each the finding category dust.<item> when missed; a site check
// records all six.
export const dustItems = ["hoarding", "cover", "washing", "hardening", "wet_demolition", "muck_truck"];

// A bare-land entry's treatment fits its state (internal/dust: dust_land_treatment_mismatch).
export const landTreatment = { bare: "none", covered: "cover", greened: "green", paved: "pave" };

export function checkLand(e) {
  const out = {};
  if (!(e.area_m2 > 0)) out.area_m2 = "required";
  if (e.state in landTreatment && landTreatment[e.state] !== e.treatment) out.treatment = "dust_land_treatment_mismatch";
  return out;
}

const blank = (v) => String(v ?? "").trim() === "";

export function checkFinding(f) {
  const out = {};
  if (blank(f.category)) out.category = "required";
  if (blank(f.description)) out.description = "required";
  if (alwaysMajor.includes(f.category) && f.severity !== "major") out.severity = "fire_category_always_major";
  return out;
}

// A deadline is a day in Beijing, today or later; the party who must rectify is named.
export function checkOrder(o, today) {
  const out = {};
  if (blank(o.deadline)) out.deadline = "required";
  else if (o.deadline < today) out.deadline = "deadline_past";
  if (blank(o.responsible_party)) out.responsible_party = "required";
  return out;
}

// A networked (SMS) unit goes only to households of the elderly living alone or the disabled
// (internal/smokealarm.mayReceive); serial, place in the home and consent are required.
export function checkInstall(i, eligibility) {
  const out = {};
  if (blank(i.household)) out.household = "required";
  if (blank(i.serial)) out.serial = "alarm_serial_missing";
  if (blank(i.location_in_home)) out.location_in_home = "alarm_location_missing";
  if (!i.consent) out.consent = "alarm_consent_missing";
  if (i.unit_type === "networked" && eligibility !== "elderly_alone" && eligibility !== "disabled") out.unit_type = "alarm_networked_ineligible";
  return out;
}

// The largest accuracy (metres) a place's point may state (places.location_accuracy_m's maximum).
export const maxAccuracyM = 10000;

export function checkPlace(p) {
  const out = {};
  if (blank(p.kind)) out.kind = "required";
  if (blank(p.name)) out.name = "required";
  if (blank(p.address)) out.address = "required";
  if (p.credit_code && creditCodeProblem(p.credit_code)) out.credit_code = creditCodeProblem(p.credit_code);
  if (p.location) {
    const { lat, lon } = p.location;
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) out.location = "location_range";
  }
  // A fix vaguer than the server takes (or none at all) is to be taken again.
  if (p.location_accuracy_m !== undefined && !(p.location_accuracy_m >= 0 && p.location_accuracy_m <= maxAccuracyM)) out.location_accuracy_m = "location_accuracy_range";
  return out;
}

// eligibilityOf mirrors internal/smokealarm.EligibilityOf for a household record.
export function eligibilityOf(hh) {
  if (!hh) return "";
  if (hh.elderly_alone) return "elderly_alone";
  if (hh.disabled) return "disabled";
  if ((hh.members_60plus ?? 0) > 0) return "member_60plus";
  return "general";
}

// Enforcement measures (internal/rectify/authority.go): subdistrict inspectors and supervisors
// stop and report, and refer; an agency's staff order their agency's measures, on findings
// referred to their agency. The phone offers only these; the server refuses any other
// (enforcement_not_your_measure).
export const subdistrictMeasures = ["stop_and_report", "referral"];
export const agencyMeasures = {
  fire: ["seal", "stop_production", "stop_business", "stop_use", "detention", "fine", "summons", "exposure", "referral"],
  housing: ["stop_work", "referral"],
  city: ["stop_work", "referral"],
  water: ["stop_work", "referral"],
  landscape: ["stop_work", "referral"],
  urban: ["stop_work", "fine", "referral"],
  env: ["stop_work", "fine", "referral"],
  police: ["fine", "referral"],
  market: ["fine", "referral"],
};

// fieldStaffOf reports whether me is an inspector or supervisor of record r's subdistrict: who
// takes a finding's rectification steps (internal/rectify.fieldStaffOf).
export function fieldStaffOf(me, r) {
  return (me?.role === "inspector" || me?.role === "supervisor") && (me.subdistricts ?? []).includes(r.subdistrict);
}

// measuresFor lists the measures me may record on finding f; agencyCode is the code of me's
// agency (from the synced agencies), if any.
export function measuresFor(me, f, agencyCode) {
  if (me?.role === "inspector" || me?.role === "supervisor") return fieldStaffOf(me, f) ? subdistrictMeasures : [];
  if (me?.role === "agency_staff" && me.agency && me.agency === f.agency) return agencyMeasures[agencyCode] ?? [];
  return [];
}

// A fine records its amount in yuan; no other measure carries one (internal/fire.checkMeasure).
export function checkMeasure(m, allowed) {
  const out = {};
  if (blank(m.measure)) out.measure = "required";
  else if (!allowed.includes(m.measure)) out.measure = "enforcement_not_your_measure";
  if (m.measure === "fine" && !(m.fine_yuan > 0)) out.fine_yuan = "enforcement_fine_amount";
  if (m.measure !== "fine" && m.fine_yuan) out.fine_yuan = "enforcement_amount_without_fine";
  return out;
}

// A referral (finding.refer@1, internal/rectify/referral.go) is a supervisor's of the finding's
// subdistrict, on a finding not closed, and names an agency, a deadline and a reason.
export function mayRefer(me, f) {
  return me?.role === "supervisor" && (me.subdistricts ?? []).includes(f.subdistrict) && f.status !== "closed";
}

export function checkReferral(r) {
  const out = {};
  if (blank(r.agency)) out.agency = "referral_terms_missing";
  if (blank(r.deadline)) out.deadline = "referral_terms_missing";
  if (blank(r.reason)) out.reason = "referral_terms_missing";
  return out;
}

// A smoke-alarm follow-up (internal/smokealarm/followup.go): a tested result; a replacement's
// new serial in the serial alphabet (the migration's pattern), and a replacement is tested.
export const serialPattern = /^[0-9A-Za-z][0-9A-Za-z._/-]*$/;

export function checkFollowup(f) {
  const out = {};
  if (blank(f.install)) out.install = "required";
  if (blank(f.result)) out.result = "required";
  if (f.new_serial && !serialPattern.test(f.new_serial)) out.new_serial = "alarm_serial_format";
  else if (f.new_serial && f.result === "not_present") out.result = "alarm_replacement_untested";
  return out;
}

// A tutoring incident names its kind, when it happened and what happened.
export function checkIncident(i) {
  const out = {};
  if (blank(i.kind)) out.kind = "required";
  if (blank(i.occurred_at)) out.occurred_on = "required";
  if (blank(i.description)) out.description = "required";
  return out;
}

// An agency answers a referral made to it (internal/rectify/referral.go): it reports for duty
// (签收) while the referral waits, and says "not ours" or done while it is not yet answered so.
export const referralAnswers = {
  pending: ["referral.acknowledge@1", "referral.decline@1", "referral.done@1"],
  acknowledged: ["referral.decline@1", "referral.done@1"],
};

export function answersFor(me, r) {
  return me?.role === "agency_staff" && me.agency && me.agency === r.agency ? referralAnswers[r.status || "pending"] ?? [] : [];
}

// A tutoring centre's fields each role may not write (internal/access.Policies, the centres'
// Policy.Locked): the white and black lists are the education commission's decisions, the
// status a supervisor's, the rectification opinion a supervisor's command, the rest the
// server's. The phone offers a field only to a role that may write it; the server refuses the
// others (protected_field).
export const centreLocked = {
  inspector: ["author", "list_decided_at", "list_decided_by", "list_reason", "list_status", "outcome", "outcome_deadline", "outcome_escalated_at", "status", "subdistrict", "suspended_at"],
  supervisor: ["author", "list_decided_at", "list_decided_by", "list_reason", "list_status", "outcome", "outcome_deadline", "outcome_escalated_at", "subdistrict", "suspended_at"],
};

// mayWriteCentre reports whether me may write field of centre c (its data): the subdistrict's
// field staff, and only the fields their role holds.
export function mayWriteCentre(me, c, field) {
  return fieldStaffOf(me, c) && !centreLocked[me.role].includes(field);
}

// qualify mirrors internal/tutoring.Qualify: the class the server derives from the licences,
// in the gazette's order.
export function qualify(schoolLicence, businessLicence, institutionCertificate) {
  if (schoolLicence) return "licensed";
  if (businessLicence === "with_education") return "business_with_education";
  if (businessLicence === "without_education") return "business_without_education";
  if (institutionCertificate) return "institution_only";
  return "none";
}

// The registration form's own rules (internal/tutoring.checkForm) and the phones' alphabet
// (the schema's pattern of legal_rep_phone, principal_phone and sponsor_phone).
export const centreOtherUnspecified = "centre_other_unspecified";
export const centreSubjectModeWithoutSubjects = "centre_subject_mode_without_subjects";
export const phonePattern = /^[0-9+\-() ]*$/;
const centrePhones = ["legal_rep_phone", "principal_phone", "sponsor_phone"];

// checkCentre checks the fields of c it holds: a new centre's, or the fields an edit changes.
export function checkCentre(c) {
  const out = {};
  if (c.credit_code && creditCodeProblem(c.credit_code)) out.credit_code = creditCodeProblem(c.credit_code);
  for (const f of centrePhones) if (c[f] && !phonePattern.test(c[f])) out[f] = "validation_invalid_format";
  if (c.sponsor_type === "other" && blank(c.sponsor_type_other)) out.sponsor_type_other = centreOtherUnspecified;
  if ((c.categories ?? []).includes("other") && blank(c.categories_other)) out.categories_other = centreOtherUnspecified;
  if (c.subject_mode && !(c.categories ?? []).includes("subject")) out.subject_mode = centreSubjectModeWithoutSubjects;
  return out;
}
