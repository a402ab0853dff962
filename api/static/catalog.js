// What the service offers, read once at the page's start: its data sets (GET v1/datasets) and
// its presets (GET v1/presets). The page builds its choices, its bounds and its digit images
// from these, so it names no data set, split, resolution or preset of its own.

import { datasets as fetchDatasets, presets as fetchPresets } from "./api.js";
import { fmt, html } from "./draw.js";

let DATASETS = [];
let PRESETS = [];

export async function load() {
  const [d, p] = await Promise.all([fetchDatasets(), fetchPresets()]);
  DATASETS = d.datasets;
  PRESETS = p.presets;
}

const dataset = (name) => DATASETS.find((d) => d.name === name);

export const datasets = () => DATASETS;
export const presets = () => PRESETS;
export const preset = (name) => PRESETS.find((p) => p.name === name);

// A data set of images lists its resolutions (random and inline batches have none).
export const isImages = (source) => Boolean(dataset(source)?.resolutions.length);

// The side of the square images of `inputs` pixels: in data set `source`, or in any.
export function imageSide(inputs, source = null) {
  for (const d of DATASETS) {
    if (source !== null && d.name !== source) continue;
    const r = d.resolutions.find((res) => res.inputs === inputs);
    if (r) return r.resolution;
  }
  return null;
}

// The data set of seeded numbers, any shape: the one without images (and without a count).
export const seededNumbers = () => DATASETS.find((d) => !d.resolutions.length && d.count === null).name;

// The image data set a network of these widths reads: the first whose images have n_0 pixels
// and whose classes are its n_L outputs; null for other widths (they read random numbers).
export function datasetFor(layers) {
  const [inputs, outputs] = [layers[0], layers[layers.length - 1]];
  const found = DATASETS.find((d) => d.classes === outputs && d.resolutions.some((r) => r.inputs === inputs));
  return found ? found.name : null;
}

// The splits of a data set that the presets were trained on.
const trainedOn = (name) => new Set(PRESETS.filter((p) => p.recipe.dataset === name).map((p) => p.recipe.split));

// The split of `name` that the presets were (or were not) trained on, else the whole data set:
// {split, count}, split null for the whole set.
function part(name, trained) {
  const d = dataset(name);
  const split = (d.splits || []).find((s) => trainedOn(name).has(s.name) === trained);
  return split ? { split: split.name, count: split.count } : { split: null, count: d.count };
}

// The examples the page shows one at a time: those the presets never saw (held out).
export const heldOut = (name) => part(name, false);

// The examples a training job draws its mini-batches from.
export const trainingPool = (name) => part(name, true);

// Where examples come from, in words: "the mnist test split", "the digits data set".
export const whence = (name, split) => (split ? `the ${name} ${split} split` : `the ${name} data set`);

// A batch of the held-out examples of `name`, with `extra` ({indices} or {size, seed}).
export function heldOutBatch(name, extra) {
  const { split } = heldOut(name);
  return { dataset: name, ...(split ? { split } : {}), ...extra };
}

// "partly trained" for lesson-partly-trained: the name less the words all presets' names share.
function shortName(name) {
  const common = PRESETS.map((p) => p.name).reduce((a, b) => {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i += 1;
    return a.slice(0, i);
  });
  const prefix = common.slice(0, common.lastIndexOf("-") + 1);
  return (name.slice(prefix.length) || name).replaceAll("-", " ");
}

// The presets as a select's options: a short name and the held-out accuracy, the rest in the
// option's title.
export function presetOptions(select) {
  const chosen = select.value;
  select.replaceChildren(...PRESETS.map((p) => {
    const right = `${(100 * p.test_accuracy).toFixed(1)} %`;
    return html("option", {
      value: p.name, text: `${shortName(p.name)} (${right} right)`,
      title: `${p.description} ${fmt.int(p.recipe.steps)} steps; ${right} of the held-out digits right.`,
    });
  }));
  if (preset(chosen)) select.value = chosen;
}
