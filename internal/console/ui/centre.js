// A tutoring centre's page: what the ledger holds, the subdistrict supervisor's rectification
// opinion (centre.decide@1) and the education commission's list decision, each a small form
// with the server's refusal beside its button.
import * as api from "./api.js";
import { t } from "./i18n.js";
import { h, step, field, text } from "./dom.js";
import { refs, term, sdName, day, endOfBeijingDay } from "./refs.js";

const main = document.getElementById("main");

export async function centrePage(id) {
  let c;
  try {
    c = await api.get(`/api/collections/tutoring_centres/records/${encodeURIComponent(id)}?expand=place`);
  } catch (e) {
    if (e.status === 404 || e.status === 403) {
      main.replaceChildren(h("p", { class: "error", id: "centre-missing" }, t("finding.notfound")));
      return;
    }
    throw e;
  }
  const me = api.auth.record;
  const steps = [];
  if (me.role === "supervisor" && (me.subdistricts || []).includes(c.subdistrict)) {
    steps.push(step("centre.decide@1", t("centre.decide"), [
      field("centre.outcome", h("select", { name: "outcome" },
        ["guide_licence", "rectify", "stop"].map((v) => h("option", { value: v, selected: v === c.outcome }, term("centre_outcome", v))),
        h("option", { value: "" }, t("centre.withdraw")))),
      field("col.deadline", h("input", { type: "date", name: "deadline" }))],
    (v) => api.command("centre.decide@1", "tutoring_centres", c.id, { outcome: v.outcome, deadline: v.deadline ? endOfBeijingDay(v.deadline) : "" }), "decide"));
  }
  if (me.role === "agency_staff" && refs.ag[me.agency]?.code === "edu") {
    steps.push(step("tutoring.list", t("centre.list"), [
      field("col.list", h("select", { name: "list" }, ["white", "black", "none"].map((v) =>
        h("option", { value: v, selected: v === c.list_status }, term("list_status", v))))),
      field("col.reason", text("reason", { required: true }))],
    (v) => api.post(`/api/fs/tutoring/centres/${c.id}/list`, { list: v.list, reason: v.reason }), "list"));
  }
  const row = (key, value) => h("tr", {}, h("th", {}, t(key)), h("td", {}, value || "—"));
  main.replaceChildren(h("section", { class: "card", id: "centre", "data-id": c.id, "data-outcome": c.outcome || "", "data-list": c.list_status || "" },
    h("h2", {}, c.expand?.place?.name ?? c.place),
    h("table", { class: "facts" }, h("tbody", {},
      row("col.address", c.expand?.place?.address), row("col.subdistrict", sdName(c.subdistrict)),
      row("col.creditcode", c.credit_code), row("col.qualification", term("qualification", c.qualification)),
      row("col.list", term("list_status", c.list_status)), row("col.status", term("centre_status", c.status)),
      row("centre.outcome", c.outcome ? `${term("centre_outcome", c.outcome)} · ${t("col.deadline")} ${day(c.outcome_deadline) || "—"}` : ""))),
    steps.length ? [h("h3", {}, t("finding.steps")), h("div", { class: "steps" }, steps)] : null));
}
