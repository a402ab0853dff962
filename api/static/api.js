// Talking to the service: submit a job, wait for it (one round trip when it is quick, polling
// with progress when it is not), and turn problem+json answers into readable errors.
// URLs are relative, so the page also works when the service is mounted under a prefix.

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
  return value ? { "X-API-Key": value } : {};
}

async function call(url, options = {}) {
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

// Run one job to the end. onUpdate(job) sees every state it passes through.
export async function runJob(spec, { onUpdate = () => {}, signal } = {}) {
  let job = await call("v1/jobs?wait=10", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(spec),
    signal,
  });
  onUpdate(job);
  while (!FINISHED.has(job.status)) {
    await sleep(400, signal);
    job = await call(`v1/jobs/${encodeURIComponent(job.id)}`, { signal });
    onUpdate(job);
  }
  if (job.status === "failed") {
    const error = job.error || {};
    throw new ServiceError(error.title || "The job failed", error.detail, error.errors || []);
  }
  if (job.status === "cancelled") throw new ServiceError("Cancelled", "the job was cancelled");
  return job;
}

export function cancelJob(id) {
  return fetch(`v1/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST", headers: key() }).catch(() => null);
}

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
