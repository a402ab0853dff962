// The jobs this browser has run, remembered by their spec (localStorage), so that a page loaded
// again with the same settings (an embedded exercise opened by each student, a shared link
// opened twice) shows the job it ran before instead of running and storing a new one. A job
// that is gone (expired, deleted, another key's) is forgotten and the spec submitted again,
// where the service's result cache answers for a spec anyone has run (docs/page.md).

const KEY = "backprop-lab:jobs"; // one entry: [[spec as JSON, job id], ...], the newest last
const MOST = 50; // specs remembered; the oldest go first

function load() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(list) ? list : [];
  } catch {
    return []; // storage refused (a sandboxed frame, a browser's policy) or not ours
  }
}

function save(list) {
  try {
    localStorage.setItem(KEY, JSON.stringify(list.slice(-MOST)));
  } catch {
    // nothing kept: the next load submits again
  }
}

const others = (list, spec) => list.filter(([s]) => s !== JSON.stringify(spec));

export function remembered(spec) {
  const found = load().find(([s]) => s === JSON.stringify(spec));
  return found ? found[1] : null;
}

export function remember(spec, id) {
  save([...others(load(), spec), [JSON.stringify(spec), id]]);
}

export function forget(spec) {
  save(others(load(), spec));
}
