// Small drawing helpers shared by the views: elements, the wish colour scale, number formats.

const NS = "http://www.w3.org/2000/svg";

// A `style` attribute is set through the CSSOM: the content security policy (style-src 'self')
// refuses inline style attributes written as markup, not styles set from a script.
function set(node, key, value) {
  if (key === "style") node.style.cssText = value;
  else node.setAttribute(key, value);
}

export function svg(tag, attrs = {}, parent = null) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) set(node, key, value);
  }
  if (parent) parent.appendChild(node);
  return node;
}

export function html(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (value !== undefined && value !== null) set(node, key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function text(parent, x, y, content, attrs = {}) {
  const node = svg("text", { x, y, ...attrs }, parent);
  node.textContent = content;
  return node;
}

// A wish (or any signed number) as a colour: blue wants higher, red wants lower, the strength
// relative to `scale` (the layer's largest). The square root keeps weak wishes visible.
const NEUTRAL = [247, 247, 247];
const UP = [33, 102, 172];
const DOWN = [178, 24, 43];
export const UNREACHED = "#c9ccd3";

export function wishColour(value, scale) {
  const strength = scale > 0 ? Math.sqrt(Math.min(1, Math.abs(value) / scale)) : 0;
  const end = value >= 0 ? UP : DOWN;
  const rgb = NEUTRAL.map((n, i) => Math.round(n + (end[i] - n) * strength));
  return `rgb(${rgb.join(",")})`;
}

export function pixelColour(value) {
  const v = Math.round(255 * Math.max(0, Math.min(1, value)));
  return `rgb(${v},${v},${v})`;
}

export function maxAbs(values) {
  let most = 0;
  for (const v of values) most = Math.max(most, Math.abs(v));
  return most;
}

export function drawImage(parent, values, side, x, y, size, colour) {
  const cell = size / side;
  const group = svg("g", { "shape-rendering": "crispEdges" }, parent);
  values.forEach((v, k) => {
    svg("rect", {
      x: (x + (k % side) * cell).toFixed(2), y: (y + Math.floor(k / side) * cell).toFixed(2),
      width: (cell + 0.3).toFixed(2), height: (cell + 0.3).toFixed(2), fill: colour(v, k),
    }, group);
  });
  return group;
}

export const fmt = {
  int: (n) => Math.round(n).toLocaleString("en-US"),
  signed: (x, digits = 3) => {
    if (x === 0) return "0";
    const abs = Math.abs(x);
    const body = abs >= 1e-3 && abs < 1e4 ? abs.toPrecision(digits) : abs.toExponential(digits - 1);
    return (x > 0 ? "+" : "\u2212") + body;
  },
  plain: (x, digits = 3) => (Math.abs(x) >= 1e-3 || x === 0
    ? Number(x.toPrecision(digits)).toString() : x.toExponential(digits - 1)),
  // compact signed numbers for tight spots: -0.34 -> −.34
  short: (x) => {
    const body = Math.abs(x) < 1 ? Math.abs(x).toFixed(2).replace(/^0/, "") : Math.abs(x).toPrecision(2);
    return (x < 0 ? "\u2212" : "+") + body;
  },
  seconds: (s) => {
    const three = (x) => Number(x.toPrecision(3));
    if (s < 1e-3) return `${three(s * 1e6)} \u00b5s`;
    if (s < 1) return `${three(s * 1e3)} ms`;
    if (s < 120) return `${three(s)} s`;
    if (s < 7200) return `${three(s / 60)} min`;
    return `${three(s / 3600)} h`;
  },
};
