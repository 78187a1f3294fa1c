// The ledgers' screens: importing an agency's registry (upload, the job's progress, its
// refused lines and discrepancies), the QR sheet of a subdistrict's centres, and the bare-land
// ledger. Each is a call to the API a script makes with the user's token; the server decides.
import * as api from "./api.js";
import { t } from "./i18n.js";
import { h, step, field, text, refusalText } from "./dom.js";
import { vocab, refs, term, sdName, day, minute } from "./refs.js";

const main = document.getElementById("main");

// ---- registry imports ----

// importPage uploads a registry file; the job's own page then follows its progress.
export function importPage() {
  const refusal = h("span", { class: "error refusal", role: "alert" });
  const sources = Object.keys(vocab.registry_source || {});
  const form = h("form", { class: "step import", id: "import-form", onsubmit: async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    refusal.textContent = "";
    try {
      const job = await api.upload("/api/fs/tutoring/imports", new FormData(form));
      location.hash = `#/imports/${job.id}`;
    } catch (e) {
      refusal.textContent = refusalText(e);
      button.disabled = false;
    }
  } },
    field("imp.source", h("select", { name: "source", required: true }, sources.map((s) => h("option", { value: s }, term("registry_source", s))))),
    field("imp.file", h("input", { type: "file", name: "file", required: true, accept: ".csv,.xlsx,text/csv" })),
    h("button", { type: "submit", class: "primary" }, t("imp.upload")), refusal);
  main.replaceChildren(h("section", { class: "card", id: "imports" },
    h("h2", {}, t("nav.imports")), h("p", { class: "muted" }, t("imp.hint")), form));
}

// importJobPage shows a job: a progress bar while it runs, read again every half second, then
// what it refused and what disagrees with the ledger.
export async function importJobPage(id) {
  const hash = location.hash;
  const card = h("section", { class: "card", id: "import-job" });
  main.replaceChildren(card);
  for (;;) {
    let job;
    try {
      job = await api.get(`/api/fs/tutoring/imports/${encodeURIComponent(id)}`);
    } catch (e) {
      card.replaceChildren(h("p", { class: "error", id: "import-missing" }, refusalText(e)));
      return;
    }
    drawJob(card, job);
    if (job.status !== "running") return;
    await new Promise((ok) => setTimeout(ok, 500));
    if (location.hash !== hash || !card.isConnected) return; // the user went elsewhere
  }
}

function drawJob(card, job) {
  const pct = job.total ? Math.floor((100 * job.processed) / job.total) : (job.status === "done" ? 100 : 0);
  card.dataset.status = job.status;
  card.replaceChildren(...[
    h("h2", {}, t("nav.imports"), " · ", job.file_name, " · ", term("registry_source", job.source)),
    h("div", { class: "toolbar" },
      h("progress", { id: "import-progress", max: "100", value: String(pct), "data-percent": String(pct), "aria-label": t("imp.progress") }),
      h("span", { id: "import-counts" }, `${pct}% · ${job.processed} / ${job.total} · ${t("imp.imported")} ${job.imported} · ${t("imp.refused")} ${job.refused}`)),
    h("p", { class: "muted" }, `${term("import_status", job.status)} · ${minute(job.created)}${job.finished_at ? ` → ${minute(job.finished_at)}` : ""}`),
    job.failure ? h("p", { class: "error", id: "import-failure" }, job.failure) : null,
    job.status === "running" ? null : [
      h("h3", {}, t("imp.refusedlines"), h("span", { class: "count", "data-count": job.errors.length }, String(job.errors.length))),
      job.errors.length === 0 ? h("p", { class: "muted" }, t("q.empty")) :
        h("table", { id: "import-errors" }, h("thead", {}, h("tr", {}, ["imp.line", "imp.reason"].map((k) => h("th", {}, t(k))))),
          h("tbody", {}, job.errors.map((e) => h("tr", { "data-line": e.line, "data-code": e.code }, h("td", { class: "num" }, String(e.line)), h("td", {}, e.message))))),
      h("h3", {}, t("imp.discrepancies"), h("span", { class: "count", "data-count": job.discrepancies.length }, String(job.discrepancies.length))),
      job.discrepancies.length === 0 ? h("p", { class: "muted" }, t("q.empty")) :
        h("table", { id: "import-discrepancies" }, h("thead", {}, h("tr", {}, ["imp.line", "imp.creditcode", "imp.name", "imp.reason"].map((k) => h("th", {}, t(k))))),
          h("tbody", {}, job.discrepancies.map((d) => h("tr", { "data-line": d.line, "data-kind": d.kind },
            h("td", { class: "num" }, String(d.line)), h("td", {}, d.credit_code), h("td", {}, d.name), h("td", {}, d.message))))),
      h("p", {}, h("a", { href: "#/imports" }, t("imp.another")))],
  ].flat().filter(Boolean));
}

// ---- QR sheet ----

// qrPage downloads the QR sheet of a subdistrict's live centres, listing what it will print;
// while the server has no public address it says so and what to do.
export async function qrPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const mine = api.auth.record.subdistricts || [];
  const choices = mine.length ? mine : Object.keys(refs.sd);
  const sd = choices.includes(params.get("subdistrict")) ? params.get("subdistrict") : choices[0];
  const res = sd ? await api.get(`/api/collections/public_centres/records?${new URLSearchParams({ perPage: "200", sort: "name",
    filter: `subdistrict = '${sd.replace(/[^a-z0-9]/g, "")}'` })}`) : { items: [], totalItems: 0 };
  const refusal = h("p", { class: "error refusal", id: "qr-refusal", role: "alert" });
  const download = h("button", { type: "button", class: "primary", id: "qr-download" }, t("qr.download"));
  download.addEventListener("click", async () => {
    refusal.replaceChildren();
    try {
      await api.download(`/api/fs/tutoring/qr-sheet.xlsx?subdistrict=${encodeURIComponent(sd)}`);
    } catch (e) {
      refusal.dataset.code = e.body?.code || "";
      refusal.append(refusalText(e));
      if (e.body?.code === "public_url_unset") refusal.append(h("br"), t("qr.unsetadvice"), " ", h("a", { href: "/_/#/settings" }, "/_/#/settings"));
    }
  });
  main.replaceChildren(h("section", { class: "card", id: "qr" },
    h("h2", {}, t("nav.qr"), h("span", { class: "count", "data-count": res.totalItems }, String(res.totalItems))),
    h("p", { class: "muted" }, t("qr.hint")),
    h("div", { class: "toolbar" },
      h("select", { name: "subdistrict", "aria-label": t("col.subdistrict"), onchange: (ev) => (location.hash = `#/qr?subdistrict=${ev.target.value}`) },
        choices.map((id) => h("option", { value: id, selected: id === sd }, sdName(id)))),
      download),
    refusal,
    h("table", { id: "qr-centres" }, h("thead", {}, h("tr", {}, ["col.name", "col.address", "col.list"].map((k) => h("th", {}, t(k))))),
      h("tbody", {}, res.items.map((c) => h("tr", { "data-id": c.id }, h("td", {}, c.name), h("td", {}, c.address), h("td", {}, term("list_status", c.list_status))))))));
}

// ---- bare-land ledger ----

const landPageSize = 20;

// landPage lists the ledger's entries the user may see, newest first, and records a new one
// through REST; the server checks that the place is bare land and the treatment fits the state.
export async function landPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const page = Math.max(1, parseInt(params.get("page") || "1", 10));
  const [res, plots] = await Promise.all([
    api.get(`/api/collections/bare_land_entries/records?${new URLSearchParams({ page: String(page), perPage: String(landPageSize),
      sort: "-recorded_on,-created", expand: "place" })}`),
    api.list("places", { filter: "kind = 'bare_land'", sort: "name", perPage: 200 })]);
  const canAdd = ["inspector", "supervisor"].includes(api.auth.record.role);
  const choose = (name, enumName) => h("select", { name, required: true },
    Object.keys(vocab[enumName] || {}).map((v) => h("option", { value: v }, term(enumName, v))));
  const bySd = Object.fromEntries(plots.map((p) => [p.id, p.subdistrict]));
  const add = canAdd ? step("bare_land_entries.create", t("land.add"), [
    field("col.place", h("select", { name: "place", required: true }, plots.map((p) => h("option", { value: p.id }, `${p.name} · ${p.address}`)))),
    field("land.recorded", h("input", { type: "date", name: "recorded_on", required: true })),
    field("land.area", h("input", { type: "number", name: "area_m2", min: "0", step: "any", required: true })),
    field("land.state", choose("state", "land_state")),
    field("land.treatment", choose("treatment", "land_treatment")),
    field("land.notes", text("notes"))],
  (v) => api.post("/api/collections/bare_land_entries/records", { ...v, subdistrict: bySd[v.place], area_m2: Number(v.area_m2),
    recorded_on: `${v.recorded_on} 00:00:00.000Z` }), "land-add") : null;
  const go = (p) => { params.set("page", String(p)); location.hash = `#/land?${params}`; };
  const pages = Math.max(1, res.totalPages);
  main.replaceChildren(h("section", { class: "card", id: "land" },
    h("h2", {}, t("nav.land"), h("span", { class: "count", "data-count": res.totalItems }, String(res.totalItems))),
    add,
    h("table", { id: "land-list" }, h("thead", {}, h("tr", {}, ["col.place", "col.subdistrict", "land.recorded", "land.area", "land.state", "land.treatment", "land.notes"]
      .map((k) => h("th", { class: k === "land.area" ? "num" : "" }, t(k))))),
      h("tbody", {}, res.items.map((e) => h("tr", { "data-id": e.id },
        h("td", {}, e.expand?.place ? `${e.expand.place.name} · ${e.expand.place.address}` : e.place), h("td", {}, sdName(e.subdistrict)),
        h("td", {}, day(e.recorded_on)), h("td", { class: "num" }, String(e.area_m2)),
        h("td", {}, term("land_state", e.state)), h("td", {}, term("land_treatment", e.treatment)), h("td", {}, e.notes))))),
    h("div", { class: "toolbar pager" },
      page > 1 ? h("button", { type: "button", class: "prev", onclick: () => go(page - 1) }, t("list.prev")) : null,
      h("span", { class: "muted" }, `${page} / ${pages}`),
      page < pages ? h("button", { type: "button", class: "next", onclick: () => go(page + 1) }, t("list.next")) : null)));
}
