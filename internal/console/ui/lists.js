// The lists: findings, places and tutoring centres, each with filters, a search, paging and
// CSV / Excel of the filtered list. Every list is REST's own list with REST's filter and the
// user's token, so it shows exactly what REST lists that user; an export reads every page of
// the same filter and has the server lay those rows out as a file.
import * as api from "./api.js";
import { t, both } from "./i18n.js";
import { h, actionButtonNoReload } from "./dom.js";
import { term, sdName, day } from "./refs.js";

const main = document.getElementById("main");
const pageSize = 20;

// quote makes a value a string of REST's filter language.
const quote = (v) => `'${v.replace(/\\/g, "").replace(/'/g, "\\'")}'`;

// beijingMidnight is the UTC instant (as the server stores dates) at which a Beijing day starts.
function beijingMidnight(d) {
  const at = new Date(`${d}T00:00:00+08:00`);
  return isNaN(at) ? null : at.toISOString().replace("T", " ");
}

function nextDay(d) { return new Date(Date.parse(`${d}T00:00:00Z`) + 864e5).toISOString().slice(0, 10); }

const placeOf = (r) => r.expand?.place ? `${r.expand.place.name} · ${r.expand.place.address}` : r.place;

// The lists, each: its collection, what it expands, its search over which fields, its filters
// (a query parameter each, turned into REST's filter) and its columns (shown and exported).
const lists = {
  findings: {
    coll: "findings", expand: "place", sort: "-created", base: ["voided = false"],
    search: ["description", "place.name", "place.address"], searchHint: "list.search",
    filters: [
      { key: "programme", enum: "programme", values: ["fire", "tutoring", "dust"] },
      { key: "status", enum: "finding_status", values: ["open", "ordered", "acknowledged", "reinspected", "returned", "escalated", "closed"] },
      { key: "severity", enum: "severity", values: ["general", "major"] },
      { key: "inspector", users: "inspector", rule: (v) => `(author = ${quote(v)} || inspection.inspector = ${quote(v)})` },
      { key: "from", date: true, rule: (v) => beijingMidnight(v) && `created >= ${quote(beijingMidnight(v))}` },
      { key: "to", date: true, rule: (v) => beijingMidnight(v) && `created < ${quote(beijingMidnight(nextDay(v)))}` },
      { key: "overdue", flag: true, rule: () => "status != 'closed' && deadline != '' && deadline < @now" }],
    columns: [
      { key: "col.place", value: placeOf, link: (f) => `#/findings/${f.id}` },
      { key: "col.category", value: (f) => term("finding_category", f.category) },
      { key: "col.status", value: (f) => term("finding_status", f.status) },
      { key: "col.severity", value: (f) => term("severity", f.severity), exportOnly: true },
      { key: "col.deadline", value: (f) => day(f.deadline) },
      { key: "col.date", value: (f) => day(f.created) },
      { key: "col.id", value: (f) => f.id, exportOnly: true }],
  },
  places: {
    coll: "places", sort: "name", base: [],
    search: ["name", "address"], searchHint: "list.searchplace",
    filters: [{ key: "kind", enum: "place_kind", values: ["venue", "household", "tutoring_centre", "construction_site", "bare_land", "road", "stockpile", "mixing_station"] }],
    columns: [
      { key: "col.name", value: (p) => p.name },
      { key: "col.kind", value: (p) => term("place_kind", p.kind) },
      { key: "col.address", value: (p) => p.address },
      { key: "col.subdistrict", value: (p) => sdName(p.subdistrict) },
      { key: "col.grid", value: (p) => p.grid },
      { key: "col.id", value: (p) => p.id, exportOnly: true }],
  },
  centres: {
    coll: "tutoring_centres", expand: "place", sort: "place.name", base: [],
    search: ["place.name", "place.address", "credit_code"], searchHint: "list.searchcentre",
    filters: [
      { key: "qualification", enum: "qualification", values: ["licensed", "business_with_education", "business_without_education", "institution_only", "none"] },
      { key: "list_status", enum: "list_status", values: ["none", "white", "black"] },
      { key: "status", enum: "centre_status", values: ["operating", "rectifying", "suspended", "stopped"] }],
    columns: [
      { key: "col.name", value: (c) => c.expand?.place?.name ?? c.place, link: (c) => `#/centres/${c.id}` },
      { key: "col.creditcode", value: (c) => c.credit_code },
      { key: "col.address", value: (c) => c.expand?.place?.address ?? "" },
      { key: "col.subdistrict", value: (c) => sdName(c.subdistrict) },
      { key: "col.qualification", value: (c) => term("qualification", c.qualification) },
      { key: "col.list", value: (c) => term("list_status", c.list_status) },
      { key: "col.status", value: (c) => term("centre_status", c.status) },
      { key: "col.id", value: (c) => c.id, exportOnly: true }],
  },
};

// filterOf turns the page's query parameters into REST's filter for the list.
function filterOf(spec, params) {
  const q = (k) => params.get(k) || "";
  const parts = [...spec.base];
  for (const f of spec.filters) {
    if (!q(f.key)) continue;
    const rule = f.rule ? f.rule(q(f.key)) : `${f.key} = ${quote(q(f.key))}`;
    if (rule) parts.push(rule);
  }
  if (q("search")) parts.push(`(${spec.search.map((s) => `${s} ~ ${quote(q("search"))}`).join(" || ")})`);
  return parts.join(" && ");
}

// listPage draws list name (findings, places, centres) for the page's query parameters.
export async function listPage(name) {
  const spec = lists[name];
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const q = (k) => params.get(k) || "";
  const page = Math.max(1, parseInt(q("page") || "1", 10));
  const filter = filterOf(spec, params);
  const userFilter = spec.filters.find((f) => f.users);
  const [res, users] = await Promise.all([
    api.get(`/api/collections/${spec.coll}/records?${new URLSearchParams({ page: String(page), perPage: String(pageSize),
      sort: spec.sort, expand: spec.expand || "", filter })}`),
    userFilter ? api.list("users", { filter: `role = '${userFilter.users}'`, sort: "name" }).catch(() => []) : []]);
  const go = (k, v) => { params.set(k, v); if (k !== "page") params.delete("page"); location.hash = `#/${name}?${params}`; };
  const control = (f) => {
    if (f.flag) return h("label", {}, h("input", { type: "checkbox", name: f.key, checked: !!q(f.key), onchange: (ev) => go(f.key, ev.target.checked ? "1" : "") }), t(`col.${f.key}`));
    if (f.date) return h("label", { class: "field" }, t(`list.${f.key}`), h("input", { type: "date", name: f.key, value: q(f.key), onchange: (ev) => go(f.key, ev.target.value) }));
    const options = f.users ? users.map((u) => [u.id, u.name || u.email || u.id]) : f.values.map((v) => [v, term(f.enum, v)]);
    return h("select", { name: f.key, "aria-label": t(`col.${f.key}`), onchange: (ev) => go(f.key, ev.target.value) },
      h("option", { value: "" }, `${t(`col.${f.key}`)}: ${t("list.any")}`),
      options.map(([v, text]) => h("option", { value: v, selected: v === q(f.key) }, text)));
  };
  const search = h("input", { type: "search", name: "search", value: q("search"), placeholder: t(spec.searchHint), "aria-label": t(spec.searchHint) });
  const form = h("form", { class: "toolbar", id: `${name}-filter`, onsubmit: (ev) => { ev.preventDefault(); go("search", search.value); } },
    search, h("button", { type: "submit" }, t("list.find")), spec.filters.map(control),
    actionButtonNoReload(t("export.csv"), () => exportList(name, spec, filter, "csv"), "export-csv"),
    actionButtonNoReload(t("export.xlsx"), () => exportList(name, spec, filter, "xlsx"), "export-xlsx"));
  const shown = spec.columns.filter((c) => !c.exportOnly);
  const pages = Math.max(1, res.totalPages);
  main.replaceChildren(h("section", { class: "card", id: `${name}-list` },
    h("h2", {}, t(`nav.${name}`), h("span", { class: "count", "data-count": res.totalItems }, String(res.totalItems))), form,
    h("div", { class: "scroll" }, h("table", {}, h("thead", {}, h("tr", {}, shown.map((c) => h("th", {}, t(c.key))))),
      h("tbody", {}, res.items.map((r) => h("tr", { "data-id": r.id },
        shown.map((c) => h("td", {}, c.link ? h("a", { href: c.link(r) }, c.value(r)) : c.value(r)))))))),
    h("div", { class: "toolbar pager" },
      page > 1 ? h("button", { type: "button", class: "prev", onclick: () => go("page", String(page - 1)) }, t("list.prev")) : null,
      h("span", { class: "muted" }, `${page} / ${pages}`),
      page < pages ? h("button", { type: "button", class: "next", onclick: () => go("page", String(page + 1)) }, t("list.next")) : null)));
}

// exportList reads every page of the list's filter through REST with the user's token and has
// the server write those rows as CSV or XLSX: the file holds what the list shows, nothing more.
async function exportList(name, spec, filter, format) {
  const rows = [];
  for (let page = 1; ; page++) {
    const res = await api.get(`/api/collections/${spec.coll}/records?${new URLSearchParams({ page: String(page), perPage: "500",
      sort: spec.sort, expand: spec.expand || "", filter })}`);
    for (const r of res.items) rows.push(spec.columns.map((c) => c.value(r) ?? ""));
    if (page >= res.totalPages) break;
  }
  await api.downloadPost(`/api/fs/console/lists.${format}`, {
    name, title: `${both(`nav.${name}`).zh} ${both(`nav.${name}`).en}`, columns: spec.columns.map((c) => both(c.key)), rows });
}
