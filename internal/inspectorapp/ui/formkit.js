// The pieces every record screen is built of: a form that refuses fields where they are and
// survives a background redraw, text inputs, the camera picker and a record's photo thumbnails.
import { h, field } from "/app/dom.js";
import { t, problem } from "/app/i18n.js";

// form builds a form that marks itself as being edited (so a background pull does not redraw
// it away) and runs save with its values; save returns {field: code} to refuse.
export function form(id, children, save) {
  const msg = h("p", { class: "form-msg", role: "status", "aria-live": "polite" });
  const el = h("form", { id, novalidate: true, oninput: () => { el.dataset.editing = "true"; }, onsubmit: async (ev) => {
    ev.preventDefault();
    // From the tap on: a background redraw must not swap this form out under its answer.
    el.dataset.editing = "true";
    for (const old of el.querySelectorAll(".refused")) old.remove();
    for (const bad of el.querySelectorAll("[aria-invalid]")) bad.removeAttribute("aria-invalid");
    const button = el.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const refused = await save(new FormData(el), el);
      if (refused && Object.keys(refused).length) {
        // A refused form stays as the inspector left it, with its reasons, until they act:
        // a background redraw must not wipe the reasons away.
        el.dataset.editing = "true";
        for (const [name, code] of Object.entries(refused)) {
          const input = el.querySelector(`[name="${name}"]`);
          const note = h("span", { class: "refused", role: "alert", dataset: { field: name, code } }, problem(code));
          input?.setAttribute("aria-invalid", "true");
          (input?.closest("label, fieldset") ?? el).append(note);
        }
        msg.textContent = "";
      }
    } catch (e) {
      el.dataset.editing = "true";
      msg.className = "form-msg warn";
      msg.textContent = String(e.message ?? e);
    } finally {
      button.disabled = false;
    }
  } }, children, msg);
  return el;
}

export const text = (name, value = "", attrs = {}) => h("input", { name, id: name, value, ...attrs });

export function photoPicker() {
  const taken = [];
  const thumbs = h("div", { class: "thumbs", id: "thumbs" });
  // capture: the phone opens its camera; each shot adds to the list, kept byte for byte.
  const input = h("input", { type: "file", name: "photos", id: "photo-input", accept: "image/*", capture: "environment", multiple: true, onchange: () => {
    for (const f of input.files) {
      taken.push(f);
      thumbs.append(h("img", { src: URL.createObjectURL(f), alt: f.name, class: "thumb" }));
    }
    input.value = "";
    thumbs.dataset.count = String(taken.length);
  } });
  return { el: field(t("finding.photos"), input, t("finding.photosHint")), thumbs, taken };
}

export async function photoThumbs(c, ids) {
  const out = [];
  for (const id of ids ?? []) {
    const rec = await c.get("photos", id);
    const entry = rec && (await c.db.get("photos", rec.data.sha256));
    const img = h("img", { class: "thumb", alt: "" });
    let state;
    if (entry) {
      img.src = URL.createObjectURL(entry.blob);
      state = entry.state === "queued" ? t("finding.photoWaiting") : entry.state === "refused" ? t("finding.photoRefused") : t("finding.photoStored");
    } else {
      state = t("finding.photoStored");
      c.raw("GET", `/api/fs/photos/${id}`, {}).then(async (res) => { if (res.ok) img.src = URL.createObjectURL(await res.blob()); }).catch(() => undefined);
    }
    out.push(h("figure", { class: "photo", dataset: { state: entry?.state ?? "stored" } }, img, h("figcaption", {}, state)));
  }
  return out;
}

// The queued steps (commands) of a record: the SDK applies a command only when the server's
// answer comes back, so the phone shows what waits.
export async function queuedSteps(c, coll, id) {
  const rows = await c.db.getAllFromIndex("outbox", "record", [coll, id]);
  return rows.filter((o) => o.acked === 0 && o.m.op === "cmd").map((o) => o.m);
}
