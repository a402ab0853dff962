// The growth view: both methods' seconds per example against the network's parameters, on
// log-log axes, from a sweep (POST v1/sweeps): the points, the fitted cost law of each method
// (seconds ~ c P^k) as a line with its exponent, and the lesson's 784-16-16-10 network marked.
// From a small default sweep (a few seconds of work) or from a sweep id. The drawing carries
// the sweep's id, each point's numbers and the fitted exponents as data attributes, so a test
// can compare them with the sweep's JSON.

import { getSweep, submitSweep, sweepTable } from "./api.js";
import { clear, svg, text } from "./draw.js";

const $ = (id) => document.getElementById(id);
const LESSON = 784 * 16 + 16 + 16 * 16 + 16 + 16 * 10 + 10; // 13,002 parameters
const DEFAULT_WIDTH = 640; // when the figure is hidden; else the figure's own width, so text stays 11 px
const HEIGHT = 360;
const PAD = { left: 64, right: 16, top: 16, bottom: 44 };
const COLOURS = { backprop: "#1f5fbf", naive: "#c0392b" };
const POLL_MS = 500;

// The lesson's architecture family at depth 2, batch 1: the naive method sampled (its full
// seconds extrapolated from 200 nudged parameters), so the biggest point is seconds of work.
export const DEFAULT_BASE = {
  network: { layers: [784, 16, 16, 10], activation: "sigmoid", init: { seed: 1 } },
  batch: { dataset: "random", size: 1, seed: 0 },
  methods: ["backprop", "naive"],
  naive: { difference: "central", sample: 200, seed: 0 },
  include: { gradients: false, wishes: false, layers: false },
};
export const DEFAULT_GRID = {
  "network.layers": [2, 8, 32, 64, 128, 256, 512].map((h) => [784, h, h, 10]),
};

let running = null;

export function setUp() {
  $("growth-run").addEventListener("click", () => follow(submitSweep(DEFAULT_BASE, DEFAULT_GRID)));
  $("growth-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("growth-id").value.trim();
    if (id) follow(getSweep(id));
  });
  $("growth-run").disabled = false;
}

export function show() {}

async function follow(made) {
  const mine = {};
  running = mine;
  const status = $("growth-status");
  try {
    let sweep = await made;
    $("growth-id").value = sweep.id;
    while (sweep.status === "running") {
      const p = sweep.progress;
      status.textContent = `Sweep ${sweep.id}: ${p.done} of ${p.total} points done`;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (running !== mine) return;
      sweep = await getSweep(sweep.id);
    }
    const table = await sweepTable(sweep.id);
    if (running !== mine) return;
    draw($("growth"), sweep, table);
    status.textContent = `Sweep ${sweep.id}: ${sweep.status}, ${table.rows.length} points.`;
    status.dataset.state = "done";
  } catch (err) {
    status.textContent = err.message;
    status.dataset.state = "error";
  }
}

// Each method's points: [parameters, seconds per example, measured or extrapolated].
function pointsOf(table) {
  const col = Object.fromEntries(table.columns.map((name, i) => [name, i]));
  const rows = table.rows;
  return {
    backprop: rows.map((r) => [r[col.parameters], r[col.backprop_seconds] / r[col.batch], true]),
    naive: rows
      .filter((r) => r[col.naive_basis] !== "forward_pass")
      .map((r) => [r[col.parameters], r[col.naive_full_seconds] / r[col.batch], r[col.naive_basis] === "measured"]),
  };
}

function decades(low, high) {
  const out = [];
  for (let e = Math.floor(low); e <= Math.ceil(high); e += 1) out.push(e);
  return out;
}

export function draw(node, sweep, table) {
  clear(node);
  const width = Math.floor(node.parentElement.clientWidth) || DEFAULT_WIDTH;
  node.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
  node.setAttribute("width", width);
  node.dataset.sweepId = sweep.id;
  const points = pointsOf(table);
  const all = [...points.backprop, ...points.naive];
  if (!all.length) return;
  const xs = [...all.map((p) => Math.log10(p[0])), Math.log10(LESSON)];
  const ys = all.map((p) => Math.log10(p[1]));
  const [x0, x1] = [Math.floor(Math.min(...xs)), Math.ceil(Math.max(...xs))];
  const [y0, y1] = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys))];
  const X = (lx) => PAD.left + ((lx - x0) / Math.max(x1 - x0, 1)) * (width - PAD.left - PAD.right);
  const Y = (ly) => HEIGHT - PAD.bottom - ((ly - y0) / Math.max(y1 - y0, 1)) * (HEIGHT - PAD.top - PAD.bottom);
  const axes = svg("g", { class: "axes", stroke: "#888", "font-size": 11 }, node);
  for (const e of decades(x0, x1)) {
    svg("line", { x1: X(e), x2: X(e), y1: Y(y0), y2: Y(y1), "stroke-opacity": 0.2 }, axes);
    text(axes, X(e), HEIGHT - PAD.bottom + 16, `10^${e}`, { "text-anchor": "middle", stroke: "none" });
  }
  for (const e of decades(y0, y1)) {
    svg("line", { x1: X(x0), x2: X(x1), y1: Y(e), y2: Y(e), "stroke-opacity": 0.2 }, axes);
    text(axes, PAD.left - 6, Y(e) + 4, `10^${e} s`, { "text-anchor": "end", stroke: "none" });
  }
  text(axes, (PAD.left + width) / 2, HEIGHT - 8, "parameters P (log)", { "text-anchor": "middle", stroke: "none" });
  const clip = svg("clipPath", { id: "growth-clip" }, svg("defs", {}, node));
  svg("rect", { x: X(x0), y: Y(y1), width: X(x1) - X(x0), height: Y(y0) - Y(y1) }, clip);
  const lesson = svg("g", { class: "lesson", "data-parameters": LESSON }, node);
  svg("line", { x1: X(Math.log10(LESSON)), x2: X(Math.log10(LESSON)), y1: Y(y0), y2: Y(y1), stroke: "#555", "stroke-dasharray": "4 3" }, lesson);
  // under the two exponents, away from the points and lines along the bottom
  const note = text(lesson, X(Math.log10(LESSON)) + 4, PAD.top + 48, "the lesson's", { "font-size": 11, stroke: "white", "stroke-width": 3, "paint-order": "stroke" });
  svg("tspan", { x: X(Math.log10(LESSON)) + 4, dy: 13 }, note).textContent = "784-16-16-10 (13,002)";
  for (const [method, pts] of Object.entries(points)) {
    const group = svg("g", { class: `method ${method}`, "data-method": method, fill: COLOURS[method] }, node);
    const law = (sweep.fit || {})[method];
    if (law && law.k !== undefined) {
      group.dataset.k = law.k;
      const line = (lx) => Math.log10(law.c) + law.k * lx;
      svg("line", { class: "fit", x1: X(x0), y1: Y(line(x0)), x2: X(x1), y2: Y(line(x1)), stroke: COLOURS[method], "stroke-width": 1.5, "clip-path": "url(#growth-clip)" }, group);
      const [lo, hi] = law.k_interval;
      const label = `${method}: k = ${law.k.toFixed(2)} [${lo.toFixed(2)}, ${hi.toFixed(2)}]${law.mixed ? " (mixed hosts/kernels)" : ""}`;
      text(group, PAD.left + 8, PAD.top + (method === "naive" ? 14 : 30), label, { class: "exponent", "font-size": 12 });
    }
    for (const [p, seconds, measured] of pts) {
      const attrs = { class: "point", cx: X(Math.log10(p)), cy: Y(Math.log10(seconds)), r: 4, "data-parameters": p, "data-seconds": seconds, "data-measured": measured };
      if (!measured) Object.assign(attrs, { fill: "white", stroke: COLOURS[method] });
      svg("circle", attrs, group);
    }
  }
}
