// Signed embedding: a framed page whose URL carries ?embed_token=<a platform's token> exchanges
// it, once, for a learner session (POST v1/embed-sessions) before any other call, then sends
// the session's credential with every call (X-Learner-Session), so it works on a service with
// API keys. The token leaves the address bar at once. Score messages then go to the session's
// origin exactly, with the service's counts and a signed receipt (GET v1/learner-session) that
// the platform's backend verifies against the service's published keys.

const params = new URLSearchParams(location.search);
const token = params.get("embed_token");
let session = null; // {session, sid, learner, origin, scope, expires}

// the origin of the page that frames this one: the browser's word where it gives it
function framedBy() {
  const ancestors = location.ancestorOrigins;
  if (ancestors && ancestors.length) return ancestors[0];
  try {
    return new URL(params.get("origin")).origin;
  } catch {
    return null;
  }
}

// what the page's URL says it practises on: the service refuses a token for something else
function expected() {
  const job = params.get("job");
  const preset = params.get("preset");
  return { ...(job ? { job_id: job } : {}), ...(preset ? { preset } : {}) };
}

function refused(title, detail) {
  return Object.assign(new Error(detail ? `${title}: ${detail}` : title), { title, detail, errors: [] });
}

async function exchange() {
  params.delete("embed_token");
  const rest = params.toString();
  history.replaceState(history.state, "", `${location.pathname}${rest ? `?${rest}` : ""}${location.hash}`);
  let response;
  try {
    response = await fetch("v1/embed-sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ token, origin: framedBy() || "null", ...expected() }),
    });
  } catch {
    throw refused("Could not reach the service", "the learner session could not be opened");
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw refused(body.title || `${response.status}`, body.detail);
  session = body;
  return session;
}

// Settles before the page's first call: the session (or null without a token), or the refusal.
export const opened = token ? exchange() : Promise.resolve(null);
opened.catch(() => {}); // each call that awaits it sees the refusal; none goes unhandled

export const learnerSession = () => session;
export const learnerHeaders = () => (session ? { "X-Learner-Session": session.session } : {});

// Post a score message to the host: with a session, to its origin, with the service's own
// counts and receipt; without one, as given, to `origin` (the ?origin= of the keyless mode).
export async function postToHost(message, origin) {
  if (window.parent === window) return;
  if (!session) {
    if (origin) window.parent.postMessage(message, origin);
    return;
  }
  const response = await fetch("v1/learner-session", { headers: { Accept: "application/json", ...learnerHeaders() } });
  if (!response.ok) return;
  const score = await response.json();
  window.parent.postMessage({
    ...message, correct: score.correct, total: score.total, count: score.count,
    finished: score.finished, learner: score.learner, receipt: score.receipt,
  }, session.origin);
}
