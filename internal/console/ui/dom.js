// The console's DOM helpers: elements built from API answers (text always goes in as text,
// never as HTML), a passing message, and the small forms that send one step to the server
// and show its refusal in words.
import { t } from "./i18n.js";

let redraw = () => {};

// onRedraw names what draws the current page again after a step the server accepted.
export function onRedraw(fn) { redraw = fn; }

export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== false && v != null) e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children.flat().filter((c) => c != null && c !== false));
  return e;
}

export function toast(msg) {
  const el = document.getElementById("toast");
  el.textContent = msg;
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 3000);
}

// step is one lifecycle command as a small form: its fields, its button, and the server's
// refusal in words beside the button. On success the page is drawn again in place.
export function step(name, title, fields, send, cls) {
  const refusal = h("span", { class: "error refusal", role: "alert" });
  const form = h("form", { class: `step ${cls}`, "data-step": cls, onsubmit: async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    refusal.textContent = "";
    try {
      await send(Object.fromEntries(new FormData(form)));
      toast(t("done"));
      redraw();
    } catch (e) {
      refusal.textContent = refusalText(e);
      button.disabled = false;
    }
  } }, fields, h("button", { type: "submit", class: "primary" }, title), refusal);
  form.dataset.command = name;
  return form;
}

// refusalText is what the server said, in its own words (Chinese / English), with the words
// of each refused field.
export function refusalText(e) {
  const fields = Object.values(e.body?.data || {}).filter((v) => v && typeof v === "object" && v.message).map((v) => v.message);
  return [e.message, ...fields].filter(Boolean).join("；");
}

export function field(labelKey, input) { return h("label", { class: "field" }, t(labelKey), input); }
export const text = (name, attrs = {}) => h("input", { type: "text", name, ...attrs });

// actionButtonNoReload runs fn on a click and leaves the page as it is (a download, say).
export function actionButtonNoReload(text, fn, cls) {
  const b = h("button", { type: "button", class: cls }, text);
  b.addEventListener("click", async () => {
    try { await fn(); } catch (e) { toast(`${t("failed")}: ${e.message}`); }
  });
  return b;
}
