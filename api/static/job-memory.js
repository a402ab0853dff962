// The jobs this browser has run, remembered by their spec (localStorage), so that a page loaded
// again with the same settings (an embedded exercise opened by each student, a shared link
// opened twice) shows the job it ran before instead of running and storing a new one. A job
// that is gone (expired, deleted, another key's) is forgotten and the spec submitted again,
// where the service's result cache answers for a spec anyone has run (docs/page.md).

const PREFIX = "backprop-lab:job:";
const key = (spec) => PREFIX + JSON.stringify(spec);

export function remembered(spec) {
  try {
    return localStorage.getItem(key(spec));
  } catch {
    return null; // storage refused (a sandboxed frame, a private window's policy)
  }
}

export function remember(spec, id) {
  try {
    localStorage.setItem(key(spec), id);
  } catch {
    // nothing kept: the next load submits again
  }
}

export function forget(spec) {
  try {
    localStorage.removeItem(key(spec));
  } catch {
    // nothing to forget
  }
}
