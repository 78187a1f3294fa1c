// What the console names and dates things with: the vocabulary's terms, the subdistricts' and
// agencies' names, and Beijing's calendar.
import * as api from "./api.js";
import { label } from "./i18n.js";

export let vocab = null; // enum name -> value -> {zh, en}
export let refs = null;  // subdistricts and agencies by id

export function term(enumName, value) { return label(vocab?.[enumName]?.[value], value); }
export function sdName(id) { return label(refs?.sd[id], id); }
export function agName(id) { return label(refs?.ag[id], id); }
// The server stores UTC; every date the console shows is Beijing's (Asia/Shanghai, no
// daylight saving), so a report sent at 07:52 on the 4th reads as the 4th.
const beijing = new Intl.DateTimeFormat("sv-SE", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit",
  day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
export function beijingTime(s) {
  if (!s) return "";
  const d = new Date(s.replace(" ", "T"));
  return isNaN(d) ? s : beijing.format(d).replace(",", "");
}
export function day(s) { return beijingTime(s).slice(0, 10); }
export function minute(s) { return beijingTime(s); }

export async function loadRefs() {
  if (!vocab) {
    const res = await api.get("/api/fs/vocab");
    vocab = {};
    for (const e of res.enums) vocab[e.name] = Object.fromEntries(e.terms.map((x) => [x.value, x]));
  }
  if (!refs) {
    const [sds, ags] = await Promise.all([api.list("subdistricts", { perPage: 100 }), api.list("agencies", { perPage: 100 })]);
    refs = { sd: {}, ag: {} };
    for (const s of sds) refs.sd[s.id] = { zh: s.name_zh, en: s.name_en };
    for (const a of ags) refs.ag[a.id] = { zh: a.name_zh, en: a.name_en, code: a.code };
  }
}

// endOfBeijingDay turns a date picked in Beijing ("2030-01-31") into the last second of that
// day as the server stores it (UTC), so a deadline holds for the whole day it names.
export function endOfBeijingDay(d) { return `${d} 15:59:59.000Z`; }
