// The training view: short training jobs from a preset, drawn as the cost curve, the held-out
// accuracy and one test digit's output wishes after several numbers of steps; and the averaging
// block as the cosine against batch size. Every drawing carries its job's id and its numbers as
// data attributes, so a test can compare them with the job's JSON.
//
// The wishes at several steps come from one job per checkpoint: the same seed draws the same
// mini-batches, so a run of k steps is the first k steps of a longer one.

import { runJob } from "./api.js";
import * as catalog from "./catalog.js";
import { clear, fmt, maxAbs, svg, text, wishColour } from "./draw.js";

const $ = (id) => document.getElementById(id);
const SIZES = [1, 10, 100, 1000];
const AVERAGING_BATCH = { size: 100, seed: 0 }; // the held-out digits the averaging job reports on
const HEIGHT = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 28 };
const state = { training: null, checkpoints: [], averaging: null, controller: null };

const LESS = { gradients: false, wishes: true, layers: false };

// The data set the chosen preset was trained on: training draws from it, the digit is held out.
const trainedOn = () => catalog.preset($("train-preset").value).recipe.dataset;

// The controls' choices and bounds, from the service's presets and data sets (catalog.js).
export function setUp() {
  catalog.presetOptions($("train-preset"));
  describe();
  $("train-preset").addEventListener("change", describe);
  for (const id of ["train-run", "averaging-run"]) $(id).disabled = false;
}

function describe() {
  const name = trainedOn();
  const held = catalog.heldOut(name);
  const pool = catalog.trainingPool(name);
  $("train-digit").max = held.count - 1;
  $("train-batch").max = pool.count; // a mini-batch is drawn from the pool without repeats
  const digits = `the ${fmt.int(held.count)} held-out digits of ${catalog.whence(name, held.split)}`;
  $("train-accuracy").setAttribute("aria-label", `Accuracy on ${digits}`);
  $("train-accuracy-caption").textContent = `Accuracy on ${digits}.`;
  $("train-pool").textContent = fmt.int(pool.count);
}

function trainSpec(steps) {
  const spec = {
    network: { preset: $("train-preset").value },
    batch: catalog.heldOutBatch(trainedOn(), { indices: [Number($("train-digit").value)] }),
    include: LESS,
  };
  if (steps > 0) {
    spec.train = {
      steps, batch_size: Number($("train-batch").value), learning_rate: Number($("train-rate").value),
      seed: 0, eval_every: Math.max(1, Math.round(steps / 20)),
    };
  }
  return spec;
}

// What the training view draws of each run (?fields=): the output layer's wishes alone (the
// others stay null), the digit's label, and the training block
function trainingFields() {
  const top = catalog.preset($("train-preset").value).layers.length - 1;
  return `batch,wishes.${top},training`;
}

// 0 steps, then an eighth, a quarter, half and all of them
function checkpoints(steps) {
  const parts = [1 / 8, 1 / 4, 1 / 2, 1].map((f) => Math.max(1, Math.round(steps * f)));
  return [...new Set([0, ...parts])];
}

function say(id, message, failed = false) {
  $(id).textContent = message;
  $(id).classList.toggle("error-text", failed);
}

function failure(err) {
  const fields = (err.errors || []).map((e) => `${e.field}: ${e.message}`).join("; ");
  return `${err.title || err.message}${err.detail ? `: ${err.detail}` : ""}${fields ? ` (${fields})` : ""}`;
}

function begin() {
  if (state.controller) state.controller.abort();
  state.controller = new AbortController();
  return state.controller.signal;
}

async function train() {
  const signal = begin();
  const steps = Number($("train-steps").value);
  const points = checkpoints(steps);
  state.checkpoints = [];
  state.training = null;
  try {
    for (const [i, step] of points.entries()) {
      say("train-status", `Training: ${fmt.int(step)} steps (${i + 1} of ${points.length} runs)\u2026`);
      const job = await runJob(trainSpec(step), { signal, fields: trainingFields() });
      const wishes = job.result.wishes;
      state.checkpoints.push({ step, wishes: wishes[wishes.length - 1], label: job.result.batch.labels[0] });
      if (step === steps) state.training = job;
      redraw();
    }
    const t = state.training.result.training;
    const last = t.accuracy[t.accuracy.length - 1];
    say("train-status", `${fmt.int(steps)} steps in ${fmt.seconds(t.seconds)}: held-out accuracy `
      + `${(100 * t.accuracy[0].value).toFixed(1)} % \u2192 ${(100 * last.value).toFixed(1)} % (job ${state.training.id}).`);
  } catch (err) {
    if (err.name !== "AbortError") say("train-status", failure(err), true);
  }
}

async function measureAveraging() {
  const signal = begin();
  say("averaging-status", "Measuring\u2026");
  const spec = {
    network: { preset: $("train-preset").value },
    batch: catalog.heldOutBatch(trainedOn(), AVERAGING_BATCH),
    include: { gradients: false, wishes: false, layers: false, averaging: true },
    averaging: { sizes: SIZES, draws: 5, seed: 0 },
  };
  try {
    state.averaging = await runJob(spec, { signal, fields: "batch,averaging" });
    say("averaging-status", `job ${state.averaging.id}`);
    redraw();
  } catch (err) {
    if (err.name !== "AbortError") say("averaging-status", failure(err), true);
  }
}

// ---- drawing -------------------------------------------------------------------------------

function frame(node, width, height = HEIGHT) {
  clear(node);
  node.setAttribute("viewBox", `0 0 ${width} ${height}`);
  node.setAttribute("width", width);
  node.setAttribute("height", height);
}

function axes(node, width, height, yTicks, yLabel, xLabel) {
  const bottom = height - PAD.bottom;
  svg("line", { x1: PAD.left, y1: bottom, x2: width - PAD.right, y2: bottom, class: "axis" }, node);
  svg("line", { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: bottom, class: "axis" }, node);
  for (const [y, label] of yTicks) text(node, PAD.left - 4, y + 4, label, { class: "tick", "text-anchor": "end" });
  text(node, width - PAD.right, height - 6, xLabel, { class: "tick", "text-anchor": "end" });
  text(node, PAD.left + 4, PAD.top + 10, yLabel, { class: "tick" });
}

const scale = (lo, hi, a, b) => (v) => a + ((v - lo) / (hi - lo || 1)) * (b - a);

function drawCost(node, job, width) {
  frame(node, width);
  const cost = job.result.training.cost;
  node.dataset.jobId = job.id;
  node.dataset.count = cost.length;
  const top = Math.max(...cost);
  const x = scale(0, Math.max(1, cost.length - 1), PAD.left, width - PAD.right);
  const y = scale(0, top, HEIGHT - PAD.bottom, PAD.top);
  axes(node, width, HEIGHT, [[y(0), "0"], [y(top), fmt.plain(top, 2)]], "cost", `${cost.length} steps`);
  const line = (values, cls) => svg("polyline", {
    class: cls, fill: "none", points: values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "),
  }, node);
  line(cost, "cost-raw");
  const window = Math.max(1, Math.round(cost.length / 20));
  line(cost.map((_, i) => {
    const part = cost.slice(Math.max(0, i - window + 1), i + 1);
    return part.reduce((a, b) => a + b, 0) / part.length;
  }), "cost-mean");
}

function drawAccuracy(node, job, width) {
  frame(node, width);
  const points = job.result.training.accuracy;
  node.dataset.jobId = job.id;
  const last = points[points.length - 1].step;
  const x = scale(0, Math.max(1, last), PAD.left, width - PAD.right);
  const y = scale(0, 1, HEIGHT - PAD.bottom, PAD.top);
  axes(node, width, HEIGHT, [[y(0), "0 %"], [y(0.5), "50 %"], [y(1), "100 %"]], "accuracy", `${last} steps`);
  svg("polyline", { class: "accuracy-line", fill: "none",
    points: points.map((p) => `${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ") }, node);
  for (const p of points) {
    svg("circle", { class: "accuracy-point", cx: x(p.step), cy: y(p.value), r: 3,
      "data-step": p.step, "data-value": p.value }, node);
  }
}

function drawWishes(node, rows, width) {
  const rowHeight = 26;
  const height = PAD.top + rows.length * rowHeight + 24;
  frame(node, width, height);
  const most = Math.max(...rows.map((r) => maxAbs(r.wishes)));
  const outputs = rows[0].wishes.length;
  const cell = Math.min(36, (width - 150) / outputs);
  for (let j = 0; j < outputs; j++) text(node, 70 + j * cell + cell / 2, PAD.top + 8, String(j), { class: "tick", "text-anchor": "middle" });
  rows.forEach((row, r) => {
    const y = PAD.top + 14 + r * rowHeight;
    const g = svg("g", { class: "wish-row", "data-step": row.step }, node);
    text(g, 64, y + 15, `${fmt.int(row.step)} steps`, { class: "tick", "text-anchor": "end" });
    row.wishes.forEach((w, j) => {
      svg("rect", { x: 70 + j * cell, y, width: cell - 2, height: rowHeight - 4, fill: wishColour(w, most),
        "data-wish": w, class: j === row.label ? "label-cell" : null }, g);
    });
    const size = Math.sqrt(row.wishes.reduce((a, w) => a + w * w, 0));
    text(g, 74 + outputs * cell, y + 15, `|wish| ${fmt.plain(size, 2)}`, { class: "tick", "data-size": size });
  });
}

function drawAveraging(node, job, width) {
  frame(node, width, HEIGHT + 14); // the axis title under the size labels, not on the last one
  node.dataset.jobId = job.id;
  const block = job.result.averaging;
  const x = scale(0, Math.log10(SIZES[SIZES.length - 1]), PAD.left + 10, width - PAD.right - 10);
  const y = scale(-0.2, 1, HEIGHT - PAD.bottom, PAD.top);
  axes(node, width, HEIGHT, [[y(0), "0"], [y(0.5), "0.5"], [y(1), "1"]], "cosine", "");
  text(node, width - PAD.right, HEIGHT + 8, "batch size (log)", { class: "tick", "text-anchor": "end" });
  block.sizes[0].layers.forEach((_, l) => {
    svg("polyline", { class: `layer-line layer-${l + 1}`, fill: "none",
      points: block.sizes.map((s) => `${x(Math.log10(s.batch_size)).toFixed(1)},${y(s.layers[l] ?? 0).toFixed(1)}`).join(" ") }, node);
  });
  svg("polyline", { class: "cosine-line", fill: "none",
    points: block.sizes.map((s) => `${x(Math.log10(s.batch_size)).toFixed(1)},${y(s.overall ?? 0).toFixed(1)}`).join(" ") }, node);
  block.sizes.forEach((s, i) => {
    const g = svg("g", { class: "size", "data-size": s.batch_size, "data-cosine": s.overall }, node);
    svg("circle", { cx: x(Math.log10(s.batch_size)), cy: y(s.overall ?? 0), r: 4, class: "cosine-point" }, g);
    text(g, x(Math.log10(s.batch_size)), HEIGHT - PAD.bottom + 14, String(s.batch_size), { class: "tick", "text-anchor": "middle" });
    // Below the point: a cosine near 1 sits at the top edge; the last label ends left of its point.
    const last = i === block.sizes.length - 1;
    text(g, x(Math.log10(s.batch_size)) + (last ? -6 : 6), y(s.overall ?? 0) + 16, fmt.plain(s.overall ?? 0, 2),
      { class: "tick", "text-anchor": last ? "end" : "start" });
  });
  const list = (values) => values.map((v) => (v === null ? "-" : fmt.plain(v, 2))).join(", ");
  const c = block.consistency;
  const { source, split, size } = job.result.batch;
  $("averaging-consistency").textContent = `Consistency by layer on ${size} digits of ${catalog.whence(source, split)}: `
    + `true labels ${list(c.true)}; shuffled labels ${list(c.shuffled)}. The thin lines are the layers' cosines.`;
}

export function redraw() {
  if ($("panel-training").hidden) return;
  const width = Math.floor($("panel-training").clientWidth - 40);
  if (width <= 0) return;
  const half = width > 700 ? Math.floor(width / 2) - 12 : width;
  if (state.training) {
    drawCost($("train-cost"), state.training, half);
    drawAccuracy($("train-accuracy"), state.training, half);
  }
  if (state.checkpoints.length) drawWishes($("train-wishes"), state.checkpoints, width);
  if (state.averaging) drawAveraging($("averaging"), state.averaging, width);
}

export function show() {
  redraw();
}

$("train-form").addEventListener("submit", (event) => { event.preventDefault(); train(); });
$("averaging-run").addEventListener("click", measureAveraging);
