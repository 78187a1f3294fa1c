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

// pointMap plots points ({lon, lat, label, href, overdue}) in an equirectangular frame fitted
// to Haidian's extent (or to the points, if any fall outside). It has no base map: the server
// is offline and serves no tiles; the grid is 0.05° apart.
export function pointMap({ id, points }) {
  const box = { w: 116.03, e: 116.41, s: 39.88, n: 40.16 };
  for (const p of points) {
    box.w = Math.min(box.w, p.lon); box.e = Math.max(box.e, p.lon);
    box.s = Math.min(box.s, p.lat); box.n = Math.max(box.n, p.lat);
  }
  const width = 760, kx = Math.cos(((box.s + box.n) / 2) * Math.PI / 180);
  const scale = width / ((box.e - box.w) * kx);
  const height = Math.round((box.n - box.s) * scale);
  const x = (lon) => (lon - box.w) * kx * scale, y = (lat) => (box.n - lat) * scale;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "data-chart": id });
  svg.append(el("rect", { x: 0, y: 0, width, height, fill: "#eef2f6" }));
  for (let lon = Math.ceil(box.w * 20) / 20; lon <= box.e; lon += 0.05) {
    svg.append(el("line", { x1: x(lon), x2: x(lon), y1: 0, y2: height, stroke: "#d8dee6" }),
      el("text", { x: x(lon) + 2, y: height - 4, "font-size": 9, fill: "#5d6b7a" }, lon.toFixed(2)));
  }
  for (let lat = Math.ceil(box.s * 20) / 20; lat <= box.n; lat += 0.05) {
    svg.append(el("line", { x1: 0, x2: width, y1: y(lat), y2: y(lat), stroke: "#d8dee6" }),
      el("text", { x: 2, y: y(lat) - 2, "font-size": 9, fill: "#5d6b7a" }, lat.toFixed(2)));
  }
  for (const p of points) {
    const a = el("a", { href: p.href });
    const c = el("circle", { cx: x(p.lon), cy: y(p.lat), r: 6, fill: p.overdue ? "#b3261e" : "#c77700",
      stroke: "#fff", "stroke-width": 1.5, "data-finding": p.id });
    c.append(el("title", {}, p.label));
    a.append(c);
    svg.append(a);
  }
  const fig = document.createElement("figure");
  fig.className = "chart map";
  fig.append(svg);
  return fig;
}
