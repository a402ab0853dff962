// The Practice view: exercises the service builds from the current run, one at a time, with the
// network drawn and the exercise's neurons highlighted; answers checked by the service; a running
// score; flashcards. In embed mode (?embed=1&origin=<the host's origin>) the page hides its
// chrome and posts {type: "backprop-lab:score", correct, total, exercise} to the host after each
// answer, so a course platform records the score without any server-side integration.

import { answerExercise, exercises, flashcards } from "./api.js";
import { clear, fmt, html, imageSide, svg, text } from "./draw.js";

const $ = (id) => document.getElementById(id);
const ROUND = 5; // exercises per round from the single-example run
const DIGITS = 6; // significant digits of the numbers an exercise shows
const KIND_NAMES = {
  "output-wish": "Read the output's wishes", "output-wish-size": "An output's wish", "trace-back": "Trace a wish backward",
  "three-ways": "The three ways", "naive-cost": "What nudging costs", averaging: "Averaging",
};

export const embed = (() => {
  const params = new URLSearchParams(location.search);
  let origin = null;
  try {
    origin = params.get("origin") ? new URL(params.get("origin")).origin : null;
  } catch {
    origin = null; // not a URL: no messages are posted
  }
  return { on: params.has("embed") && params.get("embed") !== "0", origin: origin === "null" ? null : origin };
})();

const state = {
  job: null, batchJob: null, loadedFor: null, round: 0,
  list: [], at: 0, answered: false, correct: 0, total: 0,
  cards: [], card: 0, flipped: false, cardsFor: undefined,
};

// ---- the run the exercises come from -----------------------------------------------------

export function setJob(job) {
  state.job = job;
  if (!$("panel-practice").hidden) show();
}

export function setBatch(job) {
  state.batchJob = job;
}

export function show() {
  if (!state.job) {
    $("practice-prompt").textContent = "Run backprop first: the exercises use that run's numbers.";
    return;
  }
  if (state.loadedFor !== state.job.id) newRound();
  else draw();
  if (state.cardsFor !== state.job.id) loadCards();
}

async function newRound({ focus = false } = {}) {
  const job = state.job;
  state.loadedFor = job.id;
  state.round += 1;
  $("practice-error").hidden = true;
  try {
    const seed = state.round;
    const single = await exercises(job.id, { count: ROUND, seed });
    const list = single.exercises.map((e) => ({ ...e, jobId: job.id, result: job.result }));
    const batch = state.batchJob;
    if (batch && batch.result.network.layers.join() === job.result.network.layers.join()) {
      try {
        const more = await exercises(batch.id, { count: 1, seed, kinds: "averaging" });
        list.push(...more.exercises.map((e) => ({ ...e, jobId: batch.id, result: batch.result })));
      } catch {
        // a batch whose result cannot give averaging exercises: the round goes without
      }
    }
    if (state.job !== job) return;
    state.list = list;
    state.at = 0;
    present({ focus });
  } catch (err) {
    state.loadedFor = null;
    showError(err);
  }
}

function showError(err) {
  const box = $("practice-error");
  box.textContent = `${err.title || "Something went wrong"}${err.detail ? `: ${err.detail}` : ""}`;
  box.hidden = false;
}

// ---- one exercise ------------------------------------------------------------------------

const current = () => state.list[state.at];

function optionLabel(exercise, option) {
  const d = exercise.data;
  const digits = ["digits", "mnist"].includes(exercise.result.batch.source);
  if (exercise.kind === "output-wish") return digits ? `${option}` : `neuron ${option}`;
  if (exercise.kind === "three-ways") {
    return { bias: "Raise its bias", weight: `Raise the weight from #${d.previous}`,
      previous: `Change neuron #${d.previous}` }[option];
  }
  if (exercise.kind === "averaging" && d.variant === "layer") return layerLabel(exercise, option);
  return String(option);
}

function layerLabel(exercise, l) {
  return l === exercise.result.network.layers.length - 1 ? `layer ${l} (output)` : `layer ${l}`;
}

function numbers(exercise) {
  const d = exercise.data;
  const rows = [];
  // six significant digits: enough that sums of rounded shares still land within the tolerance
  const row = (name, value) => rows.push([name, typeof value === "number" ? fmt.plain(value, DIGITS) : value]);
  const list = (values, mark = -1) => values.map((v, i) => (i === mark ? `[${fmt.plain(v, DIGITS)}]` : fmt.plain(v, DIGITS))).join(", ");
  if (exercise.kind === "output-wish" && d.activations) {
    row("activations a", list(d.activations));
    row("targets y", list(d.targets));
    row("cost", exercise.result.network.cost.replace("_", " "));
  } else if (exercise.kind === "output-wish-size") {
    row("activation a", d.activation);
    row("target y", d.target);
  } else if (exercise.kind === "trace-back") {
    if (d.quantity === "share") {
      row("weight W\u2c7c\u2096", d.weight === null ? "(any)" : d.weight);
      if (d.slope !== null && d.slope !== undefined) {
        row("slope f\u2032(z\u2c7c)", d.slope);
        row("wish\u2c7c", d.wish);
      } else row("mean of f\u2032(z\u2c7c)\u00b7wish\u2c7c", d.slope_times_wish);
    } else row(`shares from each of the ${d.shares.length} neurons`, list(d.shares));
  } else if (exercise.kind === "three-ways") {
    row("f\u2032(z)\u00b7wish = \u2212\u2202C/\u2202b", d.slope_times_wish);
    row("weight W\u2c7c\u2096", d.weight === null ? "(any)" : d.weight);
    row("\u2212\u2202C/\u2202W\u2c7c\u2096", d.weight_way);
  } else if (exercise.kind === "naive-cost") {
    row("widths", d.layers.join("-"));
    row("differences", d.difference);
  } else if (exercise.kind === "averaging" && d.variant === "layer") {
    for (const r of d.layers) row(layerLabel(exercise, r.layer), `||mean g|| ${fmt.plain(r.norm_of_mean, DIGITS)}, mean ||g|| ${fmt.plain(r.mean_of_norms, DIGITS)}`);
  } else if (exercise.kind === "averaging") {
    row(`each example's wish (#${d.example} in brackets)`, list(d.example_wishes, d.example));
  }
  return rows;
}

// focus: move the keyboard to the new exercise's first answer control (after "Next")
function present({ focus = false } = {}) {
  const exercise = current();
  state.answered = false;
  $("practice-kind").textContent = `${state.at + 1} of ${state.list.length} \u00b7 ${KIND_NAMES[exercise.kind] || exercise.kind}`;
  $("practice-prompt").textContent = exercise.prompt;
  Object.assign($("practice-prompt").dataset, { exerciseId: exercise.id, jobId: exercise.jobId, kind: exercise.kind });
  const data = $("practice-data");
  clear(data);
  for (const [name, value] of numbers(exercise)) data.append(html("dt", { text: name }), html("dd", { text: String(value) }));
  const form = $("practice-answer");
  clear(form);
  form.dataset.type = exercise.answer.type;
  if (exercise.answer.type === "choice") {
    const group = html("div", { class: "options", role: "group", "aria-label": "Answers" });
    for (const option of exercise.answer.options) {
      const button = html("button", { type: "button", class: "option", "data-option": JSON.stringify(option), text: optionLabel(exercise, option) });
      button.addEventListener("click", () => submit(option));
      group.append(button);
    }
    form.append(group);
  } else {
    const exact = exercise.answer.tolerance === 0;
    form.append(
      html("label", { for: "practice-number", text: exact ? "Your answer (exact)" : `Your answer (within ${exercise.answer.tolerance * 100}%)` }),
      html("div", { class: "row" },
        html("input", { id: "practice-number", type: "text", inputmode: "decimal", autocomplete: "off" }),
        html("button", { type: "submit", class: "primary", text: "Check" })),
    );
  }
  $("practice-feedback").hidden = true;
  $("practice-next").hidden = true;
  draw();
  if (focus) $("practice-answer").querySelector("button, input")?.focus();
}

$("practice-answer")?.addEventListener("submit", (event) => {
  event.preventDefault();
  const raw = $("practice-number").value.trim().replace("\u2212", "-");
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value)) {
    $("practice-number").setCustomValidity("Type a number, e.g. -0.0123");
    $("practice-number").reportValidity();
    return;
  }
  $("practice-number").setCustomValidity("");
  submit(value);
});

async function submit(value) {
  const exercise = current();
  if (state.answered || !exercise) return;
  state.answered = true;
  for (const control of $("practice-answer").querySelectorAll("button, input")) control.disabled = true;
  let check;
  try {
    check = await answerExercise(exercise.jobId, exercise.id, value);
  } catch (err) {
    state.answered = false;
    for (const control of $("practice-answer").querySelectorAll("button, input")) control.disabled = false;
    showError(err);
    return;
  }
  state.total += 1;
  if (check.correct) state.correct += 1;
  const option = (v) => $("practice-answer").querySelector(`[data-option='${JSON.stringify(v)}']`);
  option(value)?.classList.add(check.correct ? "right" : "wrong");
  if (!check.correct) option(check.expected)?.classList.add("expected");
  const box = $("practice-feedback");
  clear(box);
  box.dataset.correct = String(check.correct);
  const shown = typeof check.expected === "number" && !Number.isInteger(check.expected)
    ? fmt.plain(check.expected, DIGITS) : `\u201c${optionLabel(exercise, check.expected)}\u201d`;
  box.append(
    html("strong", { text: check.correct ? "Right." : `Not quite: the answer is ${shown}.` }),
    html("p", { text: check.explanation }),
  );
  box.hidden = false;
  $("practice-score").textContent = `Score ${state.correct} / ${state.total}`;
  Object.assign($("practice-score").dataset, { correct: state.correct, total: state.total });
  const next = $("practice-next");
  next.textContent = state.at + 1 < state.list.length ? "Next exercise \u2192" : "New round \u2192";
  next.hidden = false;
  next.focus();
  postScore(exercise, check.correct);
}

function postScore(exercise, correct) {
  if (!embed.on || !embed.origin || window.parent === window) return;
  window.parent.postMessage({
    type: "backprop-lab:score", correct: state.correct, total: state.total,
    exercise: { id: exercise.id, kind: exercise.kind, job_id: exercise.jobId, correct },
  }, embed.origin);
}

$("practice-next")?.addEventListener("click", () => {
  if (state.at + 1 < state.list.length) {
    state.at += 1;
    present({ focus: true });
  } else newRound({ focus: true });
});
$("practice-new")?.addEventListener("click", () => newRound());

// ---- the network, with the exercise's neurons highlighted --------------------------------

function highlights(exercise) {
  const d = exercise.data;
  const sizes = exercise.result.network.layers;
  const neurons = new Set();
  const edges = [];
  const add = (l, j) => neurons.add(`${l}:${j}`);
  if (exercise.kind === "output-wish") sizes[sizes.length - 1] && [...Array(sizes.at(-1)).keys()].forEach((j) => add(sizes.length - 1, j));
  if (exercise.kind === "trace-back" || exercise.kind === "three-ways") {
    add(d.layer - 1, d.previous);
    if (exercise.kind === "trace-back" && d.quantity === "wish") {
      for (let j = 0; j < sizes[d.layer]; j++) { add(d.layer, j); edges.push([d.layer, j, d.previous]); }
    } else { add(d.layer, d.neuron); edges.push([d.layer, d.neuron, d.previous]); }
  }
  if (exercise.kind === "output-wish-size") add(d.layer, d.neuron);
  if (exercise.kind === "averaging" && d.variant === "example") add(d.layer, d.neuron);
  return { neurons, edges };
}

function layout(sizes, width) {
  const wide = width >= 520;
  const pos = [];
  const L = sizes.length - 1;
  if (wide) {
    const height = 300;
    sizes.forEach((n, l) => {
      const x = 40 + ((width - 80) * l) / L;
      const side = n > 40 ? imageSide(n) || Math.ceil(Math.sqrt(n)) : 0;
      if (side) {
        const cell = Math.min(7, 200 / side);
        const x0 = x - (side * cell) / 2;
        const y0 = 30 + (height - 30 - side * cell) / 2;
        pos[l] = { cell, points: [...Array(n).keys()].map((k) => ({ x: x0 + (k % side) * cell + cell / 2, y: y0 + Math.floor(k / side) * cell + cell / 2 })) };
      } else {
        const step = (height - 40) / n;
        pos[l] = { r: Math.max(3, Math.min(11, step * 0.38)), points: [...Array(n).keys()].map((k) => ({ x, y: 34 + step * (k + 0.5) })) };
      }
      pos[l].title = { x, y: 16, anchor: "middle" };
    });
    return { narrow: false, width, height, pos };
  }
  let y = 6;
  sizes.forEach((n, l) => {
    const side = n > 24 ? imageSide(n) || Math.ceil(n / Math.floor((width - 16) / 9)) : 0;
    pos[l] = { title: { x: 8, y: y + 12, anchor: "start" } };
    if (side) {
      const perRow = imageSide(n) ? side : Math.floor((width - 16) / 9);
      const cell = Math.min(7, (width - 16) / perRow);
      const x0 = (width - perRow * cell) / 2;
      pos[l].cell = cell;
      pos[l].points = [...Array(n).keys()].map((k) => ({ x: x0 + (k % perRow) * cell + cell / 2, y: y + 22 + Math.floor(k / perRow) * cell + cell / 2 }));
      y += 30 + Math.ceil(n / perRow) * cell;
    } else {
      const step = (width - 16) / n;
      const r = Math.max(3, Math.min(11, step * 0.38));
      pos[l].r = r;
      pos[l].points = [...Array(n).keys()].map((k) => ({ x: 8 + step * (k + 0.5), y: y + 26 + r }));
      y += 40 + 2 * r;
    }
  });
  return { narrow: true, width, height: y + 8, pos };
}

// A digit's pixels, faint, so the input grid looks like the example the exercise is about.
function pixels(exercise) {
  const examples = exercise.result.examples;
  const source = exercise.result.batch.source;
  if (!examples || !["digits", "mnist"].includes(source)) return null;
  const i = Number.isInteger(exercise.data.example) ? exercise.data.example
    : exercise.result.batch.size === 1 ? 0 : null; // a batch-wide question shows no one digit
  return i === null ? null : examples.activations[0][i];
}

function draw() {
  const exercise = current();
  const root = $("practice-net");
  if (!exercise || $("panel-practice").hidden) return;
  const width = Math.floor(root.parentElement.clientWidth);
  if (width <= 0) return;
  const sizes = exercise.result.network.layers;
  const box = layout(sizes, width);
  const { neurons, edges } = highlights(exercise);
  const image = pixels(exercise);
  clear(root);
  root.setAttribute("viewBox", `0 0 ${box.width} ${Math.ceil(box.height)}`);
  root.setAttribute("width", box.width);
  root.setAttribute("height", Math.ceil(box.height));
  const lines = svg("g", { "aria-hidden": "true" }, root);
  for (const [l, j, k] of edges) {
    const a = box.pos[l - 1].points[k];
    const b = box.pos[l].points[j];
    svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: "edge", "data-edge": `${l}:${j}:${k}` }, lines);
  }
  sizes.forEach((n, l) => {
    const p = box.pos[l];
    const group = svg("g", { "data-layer": l }, root);
    p.points.forEach((pt, k) => {
      const on = neurons.has(`${l}:${k}`);
      const shape = p.cell
        ? svg("rect", { x: (pt.x - p.cell / 2).toFixed(2), y: (pt.y - p.cell / 2).toFixed(2), width: p.cell.toFixed(2), height: p.cell.toFixed(2) }, group)
        : svg("circle", { cx: pt.x.toFixed(2), cy: pt.y.toFixed(2), r: p.r.toFixed(2) }, group);
      shape.setAttribute("class", on ? "neuron on" : "neuron");
      if (l === 0 && image && !on) shape.style.fill = `rgba(29, 31, 36, ${(0.75 * image[k]).toFixed(3)})`;
      Object.assign(shape.dataset, { layer: l, neuron: k, highlight: String(on) });
    });
    const name = l === 0 ? "input" : l === sizes.length - 1 ? "output" : `layer ${l}`;
    text(root, p.title.x, p.title.y, `${name} \u00b7 ${fmt.int(n)}`, { class: "layer-title", "text-anchor": p.title.anchor });
  });
  // the highlighted neurons' numbers, where the dots are big enough to tell apart
  for (const key of neurons) {
    const [l, k] = key.split(":").map(Number);
    const p = box.pos[l];
    if (p.cell || neurons.size > 12) continue;
    const pt = p.points[k];
    if (box.narrow) text(root, pt.x, pt.y + p.r + 12, `#${k}`, { class: "tag", "text-anchor": "middle" });
    else text(root, pt.x + p.r + 3, pt.y - p.r, `#${k}`, { class: "tag" });
  }
}

export function redraw() {
  draw();
}

// ---- flashcards --------------------------------------------------------------------------

async function loadCards() {
  const id = state.job ? state.job.id : null;
  state.cardsFor = id;
  try {
    state.cards = (await flashcards(id)).cards;
  } catch {
    state.cards = (await flashcards().catch(() => ({ cards: [] }))).cards;
  }
  state.card = 0;
  state.flipped = false;
  showCard();
}

function showCard() {
  const card = state.cards[state.card];
  const box = $("flashcard");
  if (!card) return;
  box.dataset.side = state.flipped ? "back" : "front";
  box.dataset.index = state.card;
  $("flashcard-side").textContent = state.flipped ? "Back" : "Front";
  $("flashcard-text").textContent = state.flipped ? card.back : card.front;
  $("flashcard-count").textContent = `Card ${state.card + 1} of ${state.cards.length}`;
  box.setAttribute("aria-label", `Flashcard ${state.card + 1} of ${state.cards.length}, ${state.flipped ? "back" : "front"}: press Space to flip, arrows to move`);
}

function flip() {
  state.flipped = !state.flipped;
  showCard();
}

function move(by) {
  if (!state.cards.length) return;
  state.card = (state.card + by + state.cards.length) % state.cards.length;
  state.flipped = false;
  showCard();
}

$("flashcard")?.addEventListener("click", flip);
$("flashcard-flip")?.addEventListener("click", flip);
$("flashcard-next")?.addEventListener("click", () => move(1));
$("flashcard-prev")?.addEventListener("click", () => move(-1));
$("flashcards")?.addEventListener("keydown", (event) => {
  if (event.target.closest("button")) return; // the buttons handle Enter and Space themselves
  const keys = { " ": flip, Enter: flip, ArrowRight: () => move(1), ArrowLeft: () => move(-1) };
  if (!(event.key in keys)) return;
  event.preventDefault();
  keys[event.key]();
});

if (embed.on) document.body.classList.add("embed");
