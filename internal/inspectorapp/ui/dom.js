// A small element builder: h("p", {class: "x", onclick: f}, "text", child). Text is always set
// as text, never as HTML, so nothing a record holds can run as markup.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

// A labelled form field; input is the control (input, select, textarea).
export function field(label, input, hint) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), input, hint ? h("span", { class: "hint" }, hint) : null);
}

// A select of options [{value, label}], with an empty first choice when placeholder is given.
export function select(name, options, value = "", placeholder) {
  return h("select", { name, id: name },
    placeholder !== undefined ? h("option", { value: "" }, placeholder) : null,
    options.map((o) => h("option", { value: o.value, selected: o.value === value }, o.label)));
}
