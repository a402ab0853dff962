// Talking to the service: submit a job, wait for it (one round trip when it is quick, its event
// stream with progress when it is not, polling if the stream fails), and turn problem+json
// answers into readable errors.
// URLs are relative, so the page also works when the service is mounted under a prefix.

import { learnerHeaders, opened } from "./embed.js";

export class ServiceError extends Error {
  constructor(title, detail, errors = []) {
    super(detail ? `${title}: ${detail}` : title);
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }
}

async function problem(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON (a proxy's HTML page, say): fall back to the status line
  }
  const title = (body && body.title) || `${response.status} ${response.statusText || "error"}`;
  return new ServiceError(title, body && body.detail, (body && body.errors) || []);
}

// Writes carry the key typed into the page, when the service is set up to need one.
function key() {
  const value = document.getElementById("api-key")?.value.trim();
  return { ...(value ? { "X-API-Key": value } : {}), ...learnerHeaders() };
}

async function call(url, options = {}) {
  await opened; // a framed page's learner session first (embed.js), or its refusal
  let response;
  try {
    response = await fetch(url, { ...options, headers: { Accept: "application/json", ...key(), ...options.headers } });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ServiceError("Could not reach the service", "check that the API is running, then try again");
  }
  if (!response.ok) throw await problem(response);
  return response.json();
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener("abort", () => {
    clearTimeout(timer);
    reject(new DOMException("stopped", "AbortError"));
  }, { once: true });
});

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);
const OWN = "id,status,progress,error"; // what runJob itself reads of a job

// Follow a job's server-sent events (GET v1/jobs/<id>/events) until its `end` event, which
// carries the finished job. fetch, not EventSource: it can send the API key. Resolves true once
// the end event's name arrives (its data, the whole job, is not read: the caller fetches the
// fields it draws), null if the stream breaks off before the end (the caller then polls).
async function follow(job, onUpdate, signal) {
  let response;
  try {
    response = await fetch(`v1/jobs/${encodeURIComponent(job.id)}/events`, {
      headers: { Accept: "text/event-stream", ...key() }, signal,
    });
  } catch (err) {
    if (err.name === "AbortError") throw err;
    return null;
  }
  if (!response.ok || !response.body) return null;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (err) {
      if (err.name === "AbortError") throw err;
      return null;
    }
    if (chunk.done) return null;
    buffer += chunk.value;
    if (/(^|\n\n)event: ?end\n/.test(buffer)) {
      reader.cancel().catch(() => {});
      return true;
    }
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const name = (block.match(/^event: ?(.*)$/m) || [])[1] || "message";
      const data = block.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (!data) continue; // a keep-alive comment
      const body = JSON.parse(data);
      if (name === "progress") onUpdate({ ...job, status: body.status, progress: body.progress });
    }
  }
}

// Run one job to the end. onUpdate(job) sees every state it passes through. `fields` (e.g.
// "id,status,wishes") are the job fields and result names the caller draws: the service sends
// those alone (?fields=), always with what this function reads itself.
const askedFor = (fields) => (fields ? `fields=${encodeURIComponent(`${OWN},${fields}`)}` : "");
const reader = (asked, signal) => (id) => call(`v1/jobs/${encodeURIComponent(id)}${asked ? `?${asked}` : ""}`, { signal });

export async function runJob(spec, { onUpdate = () => {}, signal, fields = null } = {}) {
  const asked = askedFor(fields);
  const read = reader(asked, signal);
  // The submit is not aborted by a stop: only its answer names the job, and a stopped job
  // must be cancelled on the service too, not merely forgotten by the page.
  const job = await call(`v1/jobs?wait=10${asked ? `&${asked}` : ""}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(spec),
  });
  if (signal?.aborted) {
    if (!FINISHED.has(job.status)) cancelJob(job.id);
    throw new DOMException("stopped", "AbortError");
  }
  return finish(job, { onUpdate, signal, read });
}

// A job the page did not submit (a link's `job=`, or one it ran before): read, then followed
// to its end as runJob follows its own.
export async function followJob(id, { onUpdate = () => {}, signal, fields = null } = {}) {
  const read = reader(askedFor(fields), signal);
  return finish(await read(id), { onUpdate, signal, read });
}

async function finish(job, { onUpdate, signal, read }) {
  onUpdate(job);
  if (!FINISHED.has(job.status) && await follow(job, onUpdate, signal)) {
    job = await read(job.id);
    onUpdate(job);
  }
  while (!FINISHED.has(job.status)) { // no stream: poll
    await sleep(400, signal);
    job = await read(job.id);
    onUpdate(job);
  }
  if (job.status === "failed") {
    const error = job.error || {};
    throw new ServiceError(error.title || "The job failed", error.detail, error.errors || []);
  }
  if (job.status === "cancelled") throw new ServiceError("Cancelled", "the job was cancelled");
  return job;
}

// One neuron of a succeeded job: its wish, its three ways and the shares it receives, fetched
// when it is clicked rather than every neuron's with the job.
export function neuron(jobId, layer, index) {
  return call(`v1/jobs/${encodeURIComponent(jobId)}/layers/${layer}/neurons/${index}`);
}

export function cancelJob(id) {
  return fetch(`v1/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST", headers: key() }).catch(() => null);
}

// What the service offers (see catalog.js): one request each, at the page's start.
export const datasets = () => call("v1/datasets");
export const presets = () => call("v1/presets");

export async function examples() {
  try {
    const body = await call("v1/examples");
    const list = Array.isArray(body) ? body : body.examples || [];
    return list.map((item) => item.spec || item);
  } catch {
    return [];
  }
}

// ---- practice ------------------------------------------------------------------------------

const job = (id) => `v1/jobs/${encodeURIComponent(id)}`;

export function exercises(jobId, { count = 5, seed = 0, kinds = null } = {}) {
  const query = new URLSearchParams({ count, seed, ...(kinds ? { kinds } : {}) });
  return call(`${job(jobId)}/exercises?${query}`);
}

export function answerExercise(jobId, exerciseId, answer) {
  return call(`${job(jobId)}/exercises/${encodeURIComponent(exerciseId)}/answer`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ answer }),
  });
}

export function flashcards(jobId = null) {
  return call(jobId ? `v1/flashcards?job=${encodeURIComponent(jobId)}` : "v1/flashcards");
}

// Sweeps (growth.js): one job per point of a grid over a base spec.
export function submitSweep(base, grid) {
  return call("v1/sweeps", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ base, grid }),
  });
}
export const getSweep = (id) => call(`v1/sweeps/${encodeURIComponent(id)}`);
export const sweepTable = (id) => call(`v1/sweeps/${encodeURIComponent(id)}/table`);
