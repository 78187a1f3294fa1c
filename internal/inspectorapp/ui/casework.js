// A finding's casework beyond rectification: the enforcement measures recorded on it and its
// referrals to agencies (街镇吹哨、部门报到) with their answers. What the phone offers is what
// the server accepts from this user (rules.js mirrors internal/rectify); anything the server
// refuses still comes back as an issue, shown here, beside the record it concerns.
import { h, field, select } from "/app/dom.js";
import { t, term, options, day, time, todayBeijing, endOfDay, stamp, language } from "/app/i18n.js";
import { measuresFor, mayRefer, checkReferral } from "/app/rules.js";
import { form, text } from "/app/formkit.js";

const live = (r) => r && !r.data.voided;

// agencyName is an agency's name in the app's language, from the synced reference data.
const agencyName = (agencies, id) => {
  const a = agencies.get(id);
  if (!a) return "";
  return language() === "en" ? a.data.name_en || a.data.name_zh : a.data.name_zh;
};

// caseIssues are the refused creates and commands of a finding's enforcement actions and
// referrals: the rejected record never reached the phone's store, so its issue is found by
// the finding it named.
export async function caseIssues(ctx, findingId) {
  return (await ctx.client.issues()).filter((is) => ["enforcement_actions", "referrals"].includes(is.coll) && is.data?.finding === findingId);
}

// casework draws the measures and referrals of finding f (its record, d its data with the
// status defaulted) with the forms the user may use.
export async function casework(ctx, f, d) {
  const c = ctx.client;
  const [actions, referrals, agencyList] = await Promise.all([c.list("enforcement_actions"), c.list("referrals"), c.list("agencies")]);
  const agencies = new Map(agencyList.map((a) => [a.id, a]));
  const mine = actions.filter((a) => live(a) && a.data.finding === f.id).sort((a, b) => String(b.data.decided_at).localeCompare(String(a.data.decided_at)));
  const refs = referrals.filter((r) => live(r) && r.data.finding === f.id).sort((a, b) => String(b.data.created ?? "9").localeCompare(String(a.data.created ?? "9")));
  const unsynced = (r) => (r.dirty ? ` · ${t("finding.unsynced")}` : "");
  const open = !["closed", "voided"].includes(d.status);

  const measureList = mine.length
    ? h("ul", { class: "cards", id: "measures" }, mine.map((a) => h("li", { class: "card", dataset: { measure: a.data.measure, dirty: String(a.dirty) } },
      h("span", { class: "title" }, term("enforcement_measure", a.data.measure)),
      h("span", { class: "meta" }, `${day(a.data.decided_at)}${a.data.notes ? " · " + a.data.notes : ""}${unsynced(a)}`))))
    : h("p", { class: "muted", id: "measures" }, t("home.none"));

  const code = agencies.get(ctx.me.agency)?.data.code;
  const allowed = open ? measuresFor(ctx.me, d, code) : [];
  const measureForm = allowed.length ? form("measure-form", [
    h("h4", {}, t("measure.record")),
    field(t("measure.measure"), select("measure", options("enforcement_measure", (v) => allowed.includes(v)), "", "—")),
    field(t("measure.notes"), h("textarea", { name: "notes", id: "measure-notes", rows: 2 })),
    h("button", { type: "submit", class: "primary" }, t("measure.save")),
  ], async (fd) => {
    const measure = String(fd.get("measure") ?? "");
    if (!measure) return { measure: "required" };
    if (!allowed.includes(measure)) return { measure: "enforcement_not_your_measure" };
    await c.create("enforcement_actions", { finding: f.id, subdistrict: d.subdistrict, measure, decided_at: stamp(), notes: String(fd.get("notes") ?? "").trim() });
    ctx.draw();
    return null;
  }) : null;

  const refList = refs.length
    ? h("ul", { class: "cards", id: "referrals" }, refs.map((r) => h("li", { class: "card", dataset: { agency: r.data.agency, status: r.data.status || "pending", dirty: String(r.dirty) } },
      h("span", { class: "title" }, `${agencyName(agencies, r.data.agency)} · ${term("referral_status", r.data.status || "pending")}`),
      h("span", { class: "meta" }, `${t("referral.reason")}：${r.data.reason}`, r.data.deadline ? ` · ${t("due", { d: day(r.data.deadline) })}` : "", unsynced(r)),
      r.data.response || r.data.responded_at
        ? h("span", { class: "meta referral-answer" }, `${t("referral.answer")}：${r.data.response || "—"}${r.data.responded_at ? " · " + time(r.data.responded_at) : ""}`)
        : null)))
    : h("p", { class: "muted", id: "referrals" }, t("home.none"));

  const today = todayBeijing();
  const referForm = mayRefer(ctx.me, d) ? form("refer-form", [
    h("h4", {}, t("referral.refer")),
    field(t("referral.agency"), select("agency", agencyList.filter((a) => !a.data.voided).sort((a, b) => (a.data.sort ?? 0) - (b.data.sort ?? 0))
      .map((a) => ({ value: a.id, label: agencyName(agencies, a.id) })), "", "—")),
    field(t("referral.deadline"), h("input", { type: "date", name: "deadline", id: "refer-deadline", min: today })),
    field(t("referral.reason"), text("reason")),
    h("button", { type: "submit", class: "primary" }, t("referral.save")),
  ], async (fd) => {
    const r = { agency: String(fd.get("agency") ?? ""), deadline: String(fd.get("deadline") ?? ""), reason: String(fd.get("reason") ?? "").trim() };
    const refused = checkReferral(r);
    if (Object.keys(refused).length) return refused;
    await c.command("finding.refer@1", "findings", f.id, { agency: r.agency, deadline: endOfDay(r.deadline), reason: r.reason });
    ctx.draw();
    return null;
  }) : null;

  return [
    h("section", { id: "casework-measures" }, h("h3", {}, t("measure.title")), measureList, measureForm),
    h("section", { id: "casework-referrals" }, h("h3", {}, t("referral.title")), refList, referForm),
  ];
}
