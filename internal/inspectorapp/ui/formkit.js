// The pieces every record screen is built of: a form that refuses fields where they are and
// survives a background redraw, text inputs, the camera picker and a record's photo thumbnails.
import { h, field } from "/app/dom.js";
import { t, problem } from "/app/i18n.js";
import { attach, saving, pickers } from "/app/drafts.js";

// form builds a form that marks itself as being edited (so a background pull does not redraw
// it away) and runs save with its values; save returns {field: code} to refuse. The form keeps
// a draft of what is typed into it (drafts.js) until a save queues its edit.
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
    const done = saving(el);
    let saved = false;
    try {
      const refused = await save(new FormData(el), el);
      saved = !(refused && Object.keys(refused).length);
      if (!saved) {
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
      await done(saved);
    }
  } }, children, msg);
  attach(el);
  return el;
}

export const text = (name, value = "", attrs = {}) => h("input", { name, id: name, value, ...attrs });

export function photoPicker() {
  const taken = [];
  const thumbs = h("div", { class: "thumbs", id: "thumbs" });
  const add = (files) => {
    for (const f of files) {
      taken.push(f);
      thumbs.append(h("img", { src: URL.createObjectURL(f), alt: f.name, class: "thumb" }));
    }
    thumbs.dataset.count = String(taken.length);
  };
  // capture: the phone opens its camera; each shot adds to the list, kept byte for byte (and
  // in the form's draft: the change event reaches the form after this handler).
  const input = h("input", { type: "file", name: "photos", id: "photo-input", accept: "image/*", capture: "environment", multiple: true, onchange: () => {
    add([...input.files]);
    input.value = "";
  } });
  pickers.set(input, { taken, add });
  return { el: field(t("finding.photos"), input, t("finding.photosHint")), thumbs, taken };
}

// gpsPicker is 用手机定位 with the fix it took: a fresh fix at each tap (locate(timeout,
// maximumAge 0)), shown with its accuracy so the inspector can walk closer and take it again.
// into puts the point (lon/lat, a PocketBase geo point) and its accuracy in metres on a
// place's data, so a supervisor can tell a point taken at the door from one down the street.
// The fix is held in hidden fields of the form, so that the form's draft keeps it too.
export function gpsPicker(locate) {
  const lon = h("input", { type: "hidden", name: "gps_lon" });
  const lat = h("input", { type: "hidden", name: "gps_lat" });
  const acc = h("input", { type: "hidden", name: "gps_accuracy" });
  const where = h("p", { id: "gps", class: "muted" }, t("newPlace.gpsNone"));
  const show = () => { where.textContent = t("newPlace.gpsAt", { lon: Number(lon.value).toFixed(6), lat: Number(lat.value).toFixed(6), acc: Math.round(Number(acc.value)) }); };
  lon.addEventListener("draft-restored", () => { if (lon.value) show(); });
  const button = h("button", { type: "button", id: "gps-button", onclick: async () => {
    const p = await locate(8000, 0);
    if (p && !p.error) {
      [lon.value, lat.value, acc.value] = [String(p.lon), String(p.lat), String(p.accuracy)];
      show();
      lon.dispatchEvent(new Event("input", { bubbles: true })); // the form's draft takes it
    } else where.textContent = t("newPlace.gpsFailed", { m: p?.error ?? "" });
  } }, t("newPlace.gps"));
  return {
    el: [button, where, lon, lat, acc],
    into(data) {
      if (lon.value) {
        data.location = { lon: Number(lon.value), lat: Number(lat.value) };
        data.location_accuracy_m = Math.round(Number(acc.value) * 10) / 10;
      }
      return data;
    },
  };
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
