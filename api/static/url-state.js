// The page's state in its URL, so that a link reopens a view:
// `?preset=lesson-trained&digit=680&view=practice` (docs/page.md). The query names the lesson's preset, the digit, the view (tab) and the
// practice settings (`kinds`, `count`), or a job to practise on (`job`); every other parameter
// (embed=, origin=, ...) is kept as it is. Reading never trusts the URL: what it cannot use is
// dropped here (a view that does not exist, a digit that is not a whole number) or by the page
// (a preset the service does not offer).

export const VIEWS = ["network", "batch", "cost", "practice", "training", "growth"];
const KIND = /^[a-z][a-z-]*$/;
const MOST_EXERCISES = 20; // the service's ?count limit (GET v1/jobs/<id>/exercises)

const whole = (text, least, most = Infinity) => {
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return n >= least && n <= most ? n : null;
};

// What the URL asks for: {preset, digit, view, kinds, count, job}, each null when not asked
// (or not usable); kinds a comma-separated list of names.
export function read(search = location.search) {
  const q = new URLSearchParams(search);
  const kinds = (q.get("kinds") || "").split(",").map((k) => k.trim()).filter((k) => KIND.test(k));
  const view = q.get("view");
  return {
    preset: q.get("preset") || null,
    digit: whole(q.get("digit"), 0),
    view: VIEWS.includes(view) ? view : null,
    kinds: kinds.length ? kinds.join(",") : null,
    count: whole(q.get("count"), 1, MOST_EXERCISES),
    job: q.get("job") || null,
  };
}

// The URL for `shown` ({preset, digit, view, job}: null drops the parameter, undefined keeps
// the URL's), the other parameters as they are.
export function urlFor(shown, href = location.href) {
  const url = new URL(href);
  for (const [name, value] of Object.entries(shown)) {
    if (value === undefined) continue;
    if (value === null) url.searchParams.delete(name);
    else url.searchParams.set(name, String(value));
  }
  return url;
}

// Record what the page shows: `push` a history entry (a change of view: the back button
// returns to the one before) or replace the current one (a new run of the same view).
export function record(shown, { push = false } = {}) {
  const url = urlFor(shown);
  if (url.href === location.href) return;
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}
