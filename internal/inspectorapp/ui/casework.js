// A finding's casework beyond rectification: the enforcement measures recorded on it and its
// referrals to agencies (街镇吹哨、部门报到) with their answers. What the phone offers is what
// the server accepts from this user (rules.js mirrors internal/rectify); anything the server
// refuses still comes back as an issue, shown here, beside the record it concerns.
import { h, field, select } from "/app/dom.js";
import { t, term, options, day, time, todayBeijing, endOfDay, stamp, language } from "/app/i18n.js";
import { measuresFor, checkMeasure, mayRefer, checkReferral, answersFor } from "/app/rules.js";
import { form, text, queuedSteps } from "/app/formkit.js";

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
    allowed.includes("fine") ? field(t("measure.fine"), h("input", { type: "number", name: "fine_yuan", id: "fine_yuan", min: "1", step: "1", inputmode: "numeric" })) : null,
    field(t("measure.notes"), h("textarea", { name: "notes", id: "measure-notes", rows: 2 })),
    h("button", { type: "submit", class: "primary" }, t("measure.save")),
  ], async (fd) => {
    const m = { finding: f.id, subdistrict: d.subdistrict, measure: String(fd.get("measure") ?? ""), decided_at: stamp(), notes: String(fd.get("notes") ?? "").trim() };
    const fine = Number(fd.get("fine_yuan") ?? 0);
    if (fine) m.fine_yuan = fine;
    const refused = checkMeasure(m, allowed);
    if (Object.keys(refused).length) return refused;
    await c.create("enforcement_actions", m);
    ctx.draw();
    return null;
  }) : null;

  const answerStep = (m) => `${t("referral.answer")}：${t(m.name.replace(/@1$/, ""))} ${m.args.response ?? ""}`;
  const refCards = await Promise.all(refs.map(async (r) => {
    const waiting = await queuedSteps(c, "referrals", r.id);
    return h("li", { class: "card", dataset: { id: r.id, agency: r.data.agency, status: r.data.status || "pending", dirty: String(r.dirty) } },
      h("span", { class: "title" }, `${agencyName(agencies, r.data.agency)} · ${term("referral_status", r.data.status || "pending")}`),
      h("span", { class: "meta" }, `${t("referral.reason")}：${r.data.reason}`, r.data.deadline ? ` · ${t("due", { d: day(r.data.deadline) })}` : "", unsynced(r)),
      r.data.response || r.data.responded_at
        ? h("span", { class: "meta referral-answer" }, `${t("referral.answer")}：${r.data.response || "—"}${r.data.responded_at ? " · " + time(r.data.responded_at) : ""}`)
        : null,
      waiting.length ? h("ul", { class: "queued-answer" }, waiting.map((m) => h("li", {}, `${answerStep(m)} · ${t("finding.unsynced")}`))) : answerForm(ctx, r));
  }));
  const refList = refs.length ? h("ul", { class: "cards", id: "referrals" }, refCards) : h("p", { class: "muted", id: "referrals" }, t("home.none"));

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

// answerForm is the agency's answer to referral r, for the staff of the agency it names: the
// commands its status allows, with what they say.
function answerForm(ctx, r) {
  const answers = answersFor(ctx.me, r.data);
  if (!answers.length) return null;
  return form(`answer-${r.id}`, [
    field(t("referral.answerKind"), Object.assign(select("answer", answers.map((name) => ({ value: name, label: t(name.replace(/@1$/, "")) })), answers[0]), { id: `answer-kind-${r.id}` })),
    field(t("referral.response"), h("textarea", { name: "response", id: `response-${r.id}`, rows: 2 })),
    h("button", { type: "submit", class: "primary" }, t("referral.answerSave")),
  ], async (fd) => {
    const name = String(fd.get("answer") ?? "");
    if (!answers.includes(name)) return { answer: "referral_not_open" };
    await ctx.client.command(name, "referrals", r.id, { response: String(fd.get("response") ?? "").trim() });
    ctx.draw();
    return null;
  });
}
