// Horizontal grouped bar charts drawn as SVG. Each bar carries its series, category and
// value as data attributes, so what the chart shows can be read back and checked.
const NS = "http://www.w3.org/2000/svg";

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// barChart returns a figure of categories (row labels) by series ({key, label, color, values}).
export function barChart({ id, categories, series }) {
  const bar = 12, gap = 6, labelW = 170, width = 760, right = 50;
  const groupH = series.length * (bar + 2) + gap * 2;
  const height = categories.length * groupH + 10;
  const maxV = Math.max(1, ...series.flatMap((s) => s.values));
  const scale = (width - labelW - right) / maxV;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "data-chart": id });
  categories.forEach((cat, i) => {
    const y0 = i * groupH + gap;
    // A label "name · detail" takes two lines, so long unit types are not cut off.
    const lines = cat.split(" · ");
    const label = el("text", { x: labelW - 6, y: y0 + groupH / 2 - (lines.length - 1) * 7, "text-anchor": "end", "font-size": 12, "dominant-baseline": "middle" });
    lines.forEach((line, k) => label.append(el("tspan", { x: labelW - 6, dy: k ? 14 : 0, "font-size": k ? 10 : 12 }, line)));
    svg.append(label);
    series.forEach((s, j) => {
      const v = s.values[i] ?? 0;
      const y = y0 + j * (bar + 2);
      const r = el("rect", { x: labelW, y, width: Math.max(v * scale, v > 0 ? 1 : 0), height: bar, fill: s.color,
        "data-series": s.key, "data-category": cat, "data-value": v });
      r.append(el("title", {}, `${cat} · ${s.label}: ${v}`));
      svg.append(r, el("text", { x: labelW + v * scale + 4, y: y + bar - 2, "font-size": 10, fill: "#5d6b7a" }, v));
    });
  });
  const fig = document.createElement("figure");
  fig.className = "chart";
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const s of series) {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.setAttribute("data-color", s.color);
    item.append(swatch, s.label);
    legend.append(item);
  }
  fig.append(legend, svg);
  // Swatch colours through the CSSOM: the console's policy forbids inline style attributes.
  for (const sw of legend.querySelectorAll("i")) sw.style.background = sw.dataset.color;
  return fig;
}
