// The Practice view's network: every layer drawn plainly (the wish colours stay hidden, they
// are what the student works out), the exercise's neurons and connection highlighted. Wide
// frames flow left to right, narrow ones top to bottom; a wide layer packs into a grid (square,
// a digit's pixels, when it is as wide as a data set's images).

import { imageSide, isImages } from "./catalog.js";
import { clear, fmt, svg, text } from "./draw.js";

// What an exercise is about, by its data: neurons as "layer:neuron", connections as [l, j, k].
function highlights(exercise) {
  const d = exercise.data;
  const sizes = exercise.result.network.layers;
  const top = sizes.length - 1;
  const neurons = new Set();
  const edges = [];
  const add = (l, j) => neurons.add(`${l}:${j}`);
  if (exercise.kind === "output-wish") for (let j = 0; j < sizes[top]; j++) add(top, j);
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
  if (!examples || !isImages(source)) return null;
  const i = Number.isInteger(exercise.data.example) ? exercise.data.example
    : exercise.result.batch.size === 1 ? 0 : null; // a batch-wide question shows no one digit
  return i === null ? null : examples.activations[0][i];
}

export function drawExercise(root, exercise) {
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
