// The page's controller: build a job spec from the form, run it through the service, and hand
// the result to the three views. State lives here; the views only draw what they are given.

import { ServiceError, cancelJob, examples, followJob, neuron, runJob } from "./api.js";
import * as catalog from "./catalog.js";
import { clear, drawImage, fmt, html, pixelColour } from "./draw.js";
import * as memory from "./job-memory.js";
import { drawNetwork, layerName, lessonFrom, showDetail } from "./network.js";
import * as practice from "./practice.js";
import * as growth from "./growth.js";
import * as training from "./training.js";
import * as urlState from "./url-state.js";
import { costBars, drawBatch, drawConsistency, drawCost } from "./views.js";

const $ = (id) => document.getElementById(id);
const form = $("setup");

// the lesson's network as one of the service's presets (catalog.js)
const lesson = () => ({ preset: $("preset").value });
// Parameters the naive method nudges: 40 passes, timed against backprop and extrapolated to
// every parameter (timing.naive.basis "sample"), a millisecond of the job's work where 200
// took the most of it; the agreement is still checked on each of them.
const NAIVE_SAMPLE = 20;
// What each view draws (?fields=): the network and cost views read the one example's detail
// (a batch of one sends no per-example wishes: they are `wishes`), the naive check and the
// timing, never the three ways of every neuron (a clicked neuron's come alone: neuron());
// the batch view, each example's image and wishes and each layer's consistency.
const SINGLE_FIELDS = "network,batch,wishes,examples,naive,timing";
const BATCH_FIELDS = "network,batch,wishes,examples.activations.0,examples.wishes,layers.layer,layers.consistency";

const state = {
  tiny: null, // the service's tiny 2-3-2 example spec (GET v1/examples); without it, no such choice
  job: null, lesson: null, revealedFrom: 0, selected: null,
  neurons: new Map(), // "layer/neuron" -> its detail (GET .../layers/<l>/neurons/<j>), per job
  batchJob: null, batchStale: true,
  running: null, // {controller, id}
};

const numbers = (value) => value.split(/[\s,;]+/).filter(Boolean).map(Number);
const parameterCount = (layers) => layers.slice(1).reduce((n, w, i) => n + w * (layers[i] + 1), 0);

function network() {
  const choice = form.elements.net.value;
  if (choice === "lesson") return lesson();
  if (choice === "tiny") return state.tiny.network;
  return { layers: numbers($("widths").value), activation: $("activation").value, cost: "squared_error", init: { seed: 7 } };
}

const layersOf = (net) => net.layers || catalog.preset(net.preset).layers;

// widths that fit a data set's images and classes read its held-out digits; others, numbers
function dataset(net) {
  const layers = layersOf(net);
  return layers.length < 2 ? null : catalog.datasetFor(layers);
}

const usesDigits = (net) => dataset(net) !== null;

const include = { gradients: false, wishes: true, layers: true, per_example: true };

function singleSpec() {
  const net = network();
  let batch;
  if (usesDigits(net)) batch = catalog.heldOutBatch(dataset(net), { indices: [Number($("digit").value)] });
  else if (form.elements.source.value === "random") batch = { dataset: catalog.seededNumbers(), size: 1, seed: Number($("seed").value) };
  else batch = { inputs: [numbers($("inputs").value)], targets: [numbers($("targets").value)] };
  const sample = parameterCount(layersOf(net)) > NAIVE_SAMPLE ? NAIVE_SAMPLE : null;
  return { network: net, batch, methods: ["backprop", "naive"], naive: { difference: "central", sample, seed: 0 }, include };
}

function batchSpec() {
  const net = network();
  const size = Number($("batch-size").value);
  const seed = Number($("batch-seed").value);
  const batch = usesDigits(net) ? catalog.heldOutBatch(dataset(net), { size, seed }) : { dataset: catalog.seededNumbers(), size, seed };
  return { network: net, batch, methods: ["backprop"], include };
}

// ---- status and errors -------------------------------------------------------------------

function setStatus(mode, message) {
  $("status").dataset.state = mode;
  $("status-text").textContent = message;
  $("cancel").hidden = mode !== "running";
  if (mode !== "running") $("progress").hidden = true;
}

function showProgress(job, what) {
  const p = job.progress;
  if (job.status === "queued") setStatus("running", `${what}: queued, waiting for a worker\u2026`);
  else if (p && p.total) {
    setStatus("running", `${what}: naive method, ${fmt.int(p.done)} of ${fmt.int(p.total)} passes`);
    Object.assign($("progress"), { hidden: false, max: p.total, value: p.done });
  } else setStatus("running", `${what}: running\u2026`);
}

function showError(err) {
  const box = $("error");
  clear(box);
  const title = err instanceof ServiceError ? err.title : "Something went wrong";
  box.append(html("strong", { text: title }));
  if (err instanceof ServiceError) {
    if (err.detail) box.append(html("p", { text: err.detail }));
    if (err.errors.length) {
      const list = html("ul");
      for (const e of err.errors) {
        const told = e.limit === undefined || String(e.message).includes(String(e.limit));
        const limit = told ? "" : ` (limit ${e.limit})`;
        list.append(html("li", {}, html("code", { text: e.field || "(body)" }), ` ${e.message}${limit}`));
      }
      box.append(list);
    }
  } else box.append(html("p", { text: String(err.message || err) }));
  box.hidden = false;
}

// ---- running jobs ------------------------------------------------------------------------

// Submit the form's spec (kind "single": one example, backprop and the naive method; "batch":
// the batch view's), after stopping any job still running; show its progress, then its result.
// `jobId` shows that job instead (a link's job=); `reuse` first tries the job this browser
// ran for the same spec (a page loaded again: job-memory.js).
async function submitJob(kind, { jobId = null, reuse = false } = {}) {
  stop();
  const controller = new AbortController();
  const running = { controller, id: null };
  state.running = running;
  $("error").hidden = true;
  const what = kind === "single" ? "Backprop and the naive method" : "The batch";
  setStatus("running", `${what}: sending\u2026`);
  try {
    const spec = kind === "single" ? singleSpec() : batchSpec();
    const shown = jobId ? { job: jobId } : { ...shownForm(), job: null }; // the URL's, as submitted
    const options = {
      fields: kind === "single" ? SINGLE_FIELDS : BATCH_FIELDS,
      signal: controller.signal,
      onUpdate: (update) => { running.id = update.id; showProgress(update, what); },
    };
    const known = jobId || (reuse && memory.remembered(spec));
    let job = known ? await followJob(known, options).catch((err) => {
      if (err.name === "AbortError" || jobId) throw err;
      memory.forget(spec); // gone: run it again
      return null;
    }) : null;
    if (!job) job = await runJob(spec, options);
    if (kind === "single") {
      if (!jobId) memory.remember(spec, job.id);
      showSingle(job);
      urlState.record(shown);
    } else showBatch(job);
    setStatus("done", `${what}: done (job ${job.id}).`);
  } catch (err) {
    if (err.name === "AbortError") return;
    setStatus("error", `${what}: failed.`);
    showError(err);
  } finally {
    if (state.running === running) state.running = null;
  }
}

function stop() {
  if (!state.running) return;
  state.running.controller.abort();
  if (state.running.id) cancelJob(state.running.id);
  state.running = null;
  setStatus("idle", "Stopped.");
}

// ---- the network view --------------------------------------------------------------------

function showSingle(job) {
  state.job = job;
  state.lesson = lessonFrom(job.result);
  state.revealedFrom = state.lesson.sizes.length - 1;
  state.selected = null;
  state.neurons = new Map();
  state.batchStale = true;
  $("net").dataset.jobId = job.id;
  $("cost").dataset.jobId = job.id;
  Object.assign($("job-link"), { href: `v1/jobs/${job.id}`, hidden: false });
  showExample(state.lesson);
  clear($("detail"));
  $("detail").append(html("p", { class: "hint", text: "Choose a neuron to see the three ways to grant its wish." }));
  ["step-back", "show-all", "restart"].forEach((id) => { $(id).disabled = false; });
  renderNetwork();
  renderCost();
  practice.setJob(job);
  if (!$("panel-batch").hidden) submitJob("batch");
}

function showExample(shown) {
  const figure = $("example");
  const image = $("example-image");
  clear(image);
  if (shown.side) {
    image.setAttribute("viewBox", "0 0 56 56");
    drawImage(image, shown.acts[0], shown.side, 0, 0, 56, pixelColour);
    image.hidden = false;
    const { source, split } = state.job.result.batch;
    $("example-caption").textContent = `#${shown.index} of ${catalog.whence(source, split)}: a handwritten ${shown.label}`;
  } else {
    image.hidden = true;
    const show = (xs) => xs.map((x) => fmt.plain(x, 2)).join(", ");
    $("example-caption").textContent = `Inputs ${show(shown.acts[0])} \u2192 targets ${show(shown.target)}`;
  }
  figure.hidden = false;
}

function stepText() {
  const { sizes, activations } = state.lesson;
  const L = sizes.length - 1;
  const l = state.revealedFrom;
  const f = activations[l] === "sigmoid" ? "\u03c3\u2032" : "f\u2032";
  if (l === L) {
    return "Output: each neuron wishes to move toward its target, wish = \u22122(a \u2212 y) for the "
      + "squared-error cost. Step backward to see where those wishes go.";
  }
  if (l === 0) {
    return "Input: the pixels' wishes, the sum of the shares the first layer sends back. The input "
      + "itself can't change; every weight got its gradient on the way here.";
  }
  return `${layerName(l, sizes.length)[0].toUpperCase()}${layerName(l, sizes.length).slice(1)}: each neuron's `
    + `wish is the sum of the shares that ${layerName(l + 1, sizes.length)} sends back, `
    + `\u03a3\u2c7c w\u2c7c\u2096 ${f}(z\u2c7c) wish\u2c7c. Backprop is this sum, one layer at a time.`;
}

function renderNetwork() {
  if (!state.lesson || $("panel-network").hidden) return;
  const width = Math.floor($("net-figure").clientWidth);
  if (width <= 0) return;
  const { selected } = state;
  const detail = selected && state.neurons.get(`${selected.layer}/${selected.neuron}`); // once here
  drawNetwork($("net"), state.lesson, { revealedFrom: state.revealedFrom, selected, detail }, width);
  $("step-text").textContent = stepText();
  $("step-back").disabled = state.revealedFrom === 0;
  $("show-all").disabled = state.revealedFrom === 0;
  $("restart").disabled = state.revealedFrom === state.lesson.sizes.length - 1;
}

// A clicked neuron: its three ways are fetched (once per job and neuron), then shown.
async function select(layer, index) {
  const job = state.job;
  state.selected = { layer, neuron: index };
  const id = `${layer}/${index}`;
  if (!state.neurons.has(id)) {
    clear($("detail"));
    $("detail").append(html("p", { class: "hint", text: "Fetching this neuron's three ways\u2026" }));
    let detail;
    try {
      detail = await neuron(job.id, layer, index);
    } catch (err) {
      if (state.job === job) showError(err);
      return;
    }
    if (state.job !== job) return; // another job came meanwhile
    state.neurons.set(id, detail);
    if (state.selected.layer !== layer || state.selected.neuron !== index) return; // clicked on
  }
  showDetail($("detail"), state.lesson, layer, index, state.neurons.get(id));
  renderNetwork();
  const again = $("net").querySelector(`.neuron[data-layer="${layer}"][data-neuron="${index}"]`);
  if (again) again.focus({ preventScroll: true });
}

$("net").addEventListener("click", (event) => {
  const target = event.target.closest(".neuron");
  if (target) select(Number(target.dataset.layer), Number(target.dataset.neuron));
});
$("net").addEventListener("keydown", (event) => {
  const target = event.target.closest(".neuron");
  if (target && (event.key === "Enter" || event.key === " ")) {
    event.preventDefault();
    select(Number(target.dataset.layer), Number(target.dataset.neuron));
  }
});
$("step-back").addEventListener("click", () => { state.revealedFrom = Math.max(0, state.revealedFrom - 1); renderNetwork(); });
$("show-all").addEventListener("click", () => { state.revealedFrom = 0; renderNetwork(); });
$("restart").addEventListener("click", () => { state.revealedFrom = state.lesson.sizes.length - 1; renderNetwork(); });

// ---- the batch and cost views ------------------------------------------------------------

function showBatch(job) {
  state.batchJob = job;
  state.batchStale = false;
  $("batch").dataset.jobId = job.id;
  practice.setBatch(job);
  renderBatch();
}

function renderBatch() {
  if (!state.batchJob || $("panel-batch").hidden) return;
  const width = Math.floor($("batch").parentElement.clientWidth);
  if (width <= 0) return;
  drawBatch($("batch"), state.batchJob.result, width);
  drawConsistency($("consistency"), state.batchJob.result, width);
}

function renderCost() {
  if (!state.job) return;
  const result = state.job.result;
  const t = result.timing;
  const n = result.network.parameters;
  const twice = t.naive.difference === "central";
  $("cost-headline").textContent = `${fmt.int(t.naive.full_passes)} run-throughs vs 1\u00a0+\u00a01`;
  $("cost-text").textContent = `To get the gradient by nudging, the naive method runs the whole network `
    + `${twice ? "twice for each" : "once for each (plus once)"} of the ${fmt.int(n)} parameters. Backprop `
    + `runs it forward once and backward once: ${fmt.int(t.speedup)}\u00d7 faster here.`;
  const naive = result.naive;
  $("agreement").textContent = naive ? `Both give the same gradient: relative error `
    + `${naive.relative_error.toExponential(1)}, largest difference ${naive.max_abs_diff.toExponential(1)}, over `
    + `${fmt.int(naive.nudged)} ${naive.sampled ? "sampled " : ""}parameters.` : "";
  $("cost").dataset.bars = costBars(result).length;
  if ($("panel-cost").hidden) return;
  const width = Math.floor($("cost").parentElement.clientWidth);
  if (width > 0) drawCost($("cost"), result, width);
}

$("run-batch").addEventListener("click", () => submitJob("batch"));

// ---- tabs --------------------------------------------------------------------------------

const tabs = [...document.querySelectorAll("[role=tab]")];

// The form's part of the URL (url-state.js): the lesson's preset and the digit, when shown.
function shownForm() {
  const lessonNet = form.elements.net.value === "lesson";
  return { preset: lessonNet ? $("preset").value : null, digit: usesDigits(network()) ? Number($("digit").value) : null };
}

// A link's (or a history entry's) preset and digit in the form; true if they changed it.
function applyForm(wanted) {
  const before = JSON.stringify(shownForm());
  if (wanted.preset && catalog.preset(wanted.preset)) {
    form.elements.net.value = "lesson";
    $("preset").value = wanted.preset;
  }
  if (wanted.digit !== null) $("digit").value = wanted.digit;
  syncForm(); // clamps the digit to the data set's
  return JSON.stringify(shownForm()) !== before;
}

const viewTab = (view) => $(`tab-${view}`);

// `push`: a change of view the user made, a new history entry (url-state.js); false when the
// URL already says it (a link, the back button).
function showTab(tab, { push = true } = {}) {
  if (push) urlState.record({ view: tab.id.slice("tab-".length) }, { push: true });
  for (const other of tabs) {
    const chosen = other === tab;
    other.setAttribute("aria-selected", String(chosen));
    other.tabIndex = chosen ? 0 : -1;
    $(other.getAttribute("aria-controls")).hidden = !chosen;
  }
  if (tab.id === "tab-network") renderNetwork();
  if (tab.id === "tab-cost") renderCost();
  if (tab.id === "tab-practice") practice.show();
  if (tab.id === "tab-training") training.show();
  if (tab.id === "tab-growth") growth.show();
  if (tab.id === "tab-batch") {
    if (state.batchStale && !state.running) submitJob("batch");
    else renderBatch();
  }
}

tabs.forEach((tab, i) => {
  tab.addEventListener("click", () => showTab(tab));
  tab.addEventListener("keydown", (event) => {
    const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    const next = tabs[(moves[event.key] + tabs.length) % tabs.length];
    next.focus();
    showTab(next);
  });
});

// ---- the form ----------------------------------------------------------------------------

function syncForm() {
  if (!catalog.presets().length) return; // before start() has read them
  const choice = form.elements.net.value;
  $("custom-fields").hidden = choice !== "custom";
  const digits = usesDigits(network());
  $("digit-fields").hidden = !digits;
  $("inline-fields").hidden = digits;
  $("preset-fields").hidden = choice !== "lesson";
  const name = dataset(network());
  if (name) {
    const most = catalog.heldOut(name).count - 1;
    $("digit").max = most;
    $("digit-range").textContent = `0\u2013${most}`;
    if (Number($("digit").value) > most) $("digit").value = most;
  }
  describeLesson();
}

// The lesson's label and the widths hint, from the service's presets and data sets.
function describeLesson() {
  const chosen = catalog.preset($("preset").value);
  const name = chosen.recipe.dataset;
  $("lesson-label").textContent = `The lesson's ${chosen.layers.join("-")} on ${catalog.whence(name, catalog.heldOut(name).split)}`;
}

function describeWidths() {
  const reads = [];
  for (const d of catalog.datasets()) {
    for (const r of d.resolutions) {
      if (catalog.datasetFor([r.inputs, d.classes]) !== d.name) continue; // another set has these widths
      reads.push(`${r.inputs} inputs with ${d.classes} outputs read ${catalog.whence(d.name, catalog.heldOut(d.name).split)} `
        + `(${r.resolution}\u00d7${r.resolution} pixels)`);
    }
  }
  $("widths-hint").textContent = `${[...reads, "other widths read random numbers"].join("; ")}.`;
}

form.addEventListener("change", (event) => {
  // the tiny net has its own example's numbers; other widths start from random ones
  if (event.target.name === "net") form.elements.source.value = event.target.value === "tiny" ? "inline" : "random";
  syncForm();
});
$("widths").addEventListener("input", syncForm);
form.addEventListener("submit", (event) => { event.preventDefault(); submitJob("single"); });
$("cancel").addEventListener("click", stop);
$("random-digit").addEventListener("click", () => {
  $("digit").value = Math.floor(Math.random() * catalog.heldOut(dataset(network())).count);
  submitJob("single");
});
$("random-inputs").addEventListener("click", () => {
  form.elements.source.value = "random";
  $("seed").value = Math.floor(Math.random() * 10000);
  submitJob("single");
});

let lastWidth = 0;
new ResizeObserver(() => {
  const width = document.body.clientWidth;
  if (Math.abs(width - lastWidth) < 4) return;
  lastWidth = width;
  requestAnimationFrame(() => {
    renderNetwork();
    renderBatch();
    if (!$("panel-cost").hidden) renderCost();
    practice.redraw();
    training.redraw();
  });
}).observe(document.body);

async function start() {
  let specs;
  try {
    [specs] = await Promise.all([examples(), catalog.load()]);
  } catch (err) {
    setStatus("error", "The service's data sets and presets could not be read.");
    showError(err);
    return;
  }
  catalog.presetOptions($("preset"));
  training.setUp();
  growth.setUp();
  describeWidths();
  for (const id of ["run", "random-digit"]) $(id).disabled = false;
  const tiny = specs.find((s) => s.network && String(s.network.layers) === "2,3,2");
  $("tiny-choice").hidden = !tiny;
  if (tiny) {
    state.tiny = tiny;
    if (tiny.batch && tiny.batch.inputs) {
      $("inputs").value = tiny.batch.inputs[0].join(", ");
      if (tiny.batch.targets) $("targets").value = tiny.batch.targets[0].join(", ");
    }
  }
  syncForm();
  const wanted = urlState.read();
  applyForm(wanted);
  practice.configure(wanted);
  submitJob("single", wanted.job ? { jobId: wanted.job } : { reuse: true });
  showTab(viewTab(wanted.view || (practice.embed.on ? "practice" : "network")), { push: false });
}

// The back and forward buttons: the entry's view, and its run when it names another one.
window.addEventListener("popstate", () => {
  if (!catalog.presets().length) return;
  const wanted = urlState.read();
  const changed = applyForm(wanted);
  if (wanted.job && wanted.job !== state.job?.id) submitJob("single", { jobId: wanted.job });
  else if (changed) submitJob("single", { reuse: true });
  showTab(viewTab(wanted.view || "network"), { push: false });
});

start();
