// The Practice view: exercises the service builds from the current run, one at a time, with the
// network drawn and the exercise's neurons highlighted; answers checked by the service; a running
// score; flashcards. In embed mode (?embed=1&origin=<the host's origin>) the page hides its
// chrome and posts {type: "backprop-lab:score", correct, total, exercise} to the host after each
// answer, so a course platform records the score without any server-side integration.

import { answerExercise, exercises } from "./api.js";
import { isImages } from "./catalog.js";
import { clear, fmt, html } from "./draw.js";
import { postToHost } from "./embed.js";
import { loadCards } from "./flashcards.js";
import { drawExercise } from "./practice-net.js";

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
  job: null, batchJob: null, loadedFor: null, round: 0, ready: false,
  kinds: null, count: ROUND, // the practice settings (a link's kinds= and count=: url-state.js)
  list: [], at: 0, answered: false, correct: 0, total: 0,
};

// ---- the run the exercises come from -----------------------------------------------------

// kinds: comma-separated exercise kinds (null: every kind the run can give); count: per round
export function configure({ kinds = null, count = null } = {}) {
  state.kinds = kinds;
  state.count = count || ROUND;
}

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
  loadCards(state.job.id);
}

async function newRound({ focus = false } = {}) {
  const job = state.job;
  state.loadedFor = job.id;
  state.round += 1;
  $("practice-error").hidden = true;
  try {
    const seed = state.round;
    const asked = state.kinds ? state.kinds.split(",") : null;
    const kinds = asked && asked.filter((k) => k !== "averaging").join(",");
    // averaging exercises come from a batch; a round of them alone waits for one (Batch view)
    const single = kinds === "" ? { exercises: [] } : await exercises(job.id, { count: state.count, seed, kinds });
    const list = single.exercises.map((e) => ({ ...e, jobId: job.id, result: job.result }));
    const batch = state.batchJob;
    const averaging = !asked || asked.includes("averaging");
    if (averaging && batch && batch.result.network.layers.join() === job.result.network.layers.join()) {
      try {
        const more = await exercises(batch.id, { count: 1, seed, kinds: "averaging" });
        list.push(...more.exercises.map((e) => ({ ...e, jobId: batch.id, result: batch.result })));
      } catch {
        // a batch whose result cannot give averaging exercises: the round goes without
      }
    }
    if (state.job !== job) return;
    if (!list.length) {
      state.loadedFor = null; // asked again when the view opens again, a batch run meanwhile
      showError({ title: "No exercises yet", detail: "averaging exercises need a batch: run one in the Batch view" });
      return;
    }
    state.list = list;
    state.at = 0;
    present({ focus });
    if (!state.ready) postReady(job);
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
  const digits = isImages(exercise.result.batch.source);
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
  // each number of a list unbroken (Chromium breaks "-4.46834e-4" after its "e-"); lines break at ", "
  const unbroken = (value) => String(value).split(", ").flatMap((n, i) => [...(i ? [", "] : []), html("span", { class: "n", text: n })]);
  for (const [name, value] of numbers(exercise)) data.append(html("dt", { text: name }), html("dd", {}, ...unbroken(value)));
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
  if (!embed.on) return;
  postToHost({
    type: "backprop-lab:score", correct: state.correct, total: state.total,
    exercise: { id: exercise.id, kind: exercise.kind, job_id: exercise.jobId, correct },
  }, embed.origin);
}

// Once, when the first exercise is on show: the host can show the frame, and learns the job.
function postReady(job) {
  state.ready = true;
  if (!embed.on || !embed.origin || window.parent === window) return;
  window.parent.postMessage({
    type: "backprop-lab:ready", job_id: job.id, kinds: state.kinds, count: state.count,
  }, embed.origin);
}

$("practice-next")?.addEventListener("click", () => {
  if (state.at + 1 < state.list.length) {
    state.at += 1;
    present({ focus: true });
  } else newRound({ focus: true });
});
$("practice-new")?.addEventListener("click", () => newRound());

function draw() {
  const exercise = current();
  if (exercise && !$("panel-practice").hidden) drawExercise($("practice-net"), exercise);
}

export function redraw() {
  draw();
}

if (embed.on) document.body.classList.add("embed");
