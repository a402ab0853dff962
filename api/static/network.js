// The network view: every neuron coloured by its wish, the output's wishes beside their targets,
// and, for a chosen neuron, the three ways to grant its wish.

import { imageSide, isImages } from "./catalog.js";
import {
  UNREACHED, clear, drawImage, fmt, html, maxAbs, pixelColour, svg, text, wishColour,
} from "./draw.js";

// What the view needs from one job's result (a batch of one example).
export function lessonFrom(result) {
  const sizes = result.network.layers;
  const digits = isImages(result.batch.source);
  return {
    sizes,
    digits,
    side: digits ? imageSide(sizes[0], result.batch.source) : null,
    wishes: result.wishes,
    acts: result.examples.activations.map((layer) => layer[0]),
    target: result.examples.targets[0],
    label: digits ? result.batch.labels[0] : null,
    index: digits ? result.batch.indices[0] : null,
    activations: result.network.activations,
  };
}

export function layerName(l, count) {
  return l === 0 ? "input" : l === count - 1 ? "output" : `layer ${l}`;
}

const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));

// Positions: wide windows flow left to right, narrow frames top to bottom.
function layout(sizes, side, width) {
  const L = sizes.length - 1;
  const pos = [];
  if (width >= 560) {
    const top = 34;
    const height = clamp(Math.max(...sizes.slice(side ? 1 : 0)) * 40 + 46, 240, 440);
    const span = height - top - 12;
    const notes = 220;
    let x0 = 24;
    if (side) {
      const size = Math.min(200, (width - notes) * 0.3);
      pos[0] = { image: true, x: 10, y: top + (span - size) / 2, size, cx: 10 + size / 2 };
      x0 = 10 + size + 40;
    }
    const first = side ? 1 : 0;
    const xEnd = width - notes;
    for (let l = first; l <= L; l++) {
      const x = L === first ? xEnd : x0 + ((xEnd - x0) * (l - first)) / (L - first);
      const step = span / sizes[l];
      const r = clamp(step * 0.38, 1.5, 13);
      const points = Array.from({ length: sizes[l] }, (_, k) => ({ x, y: top + step * (k + 0.5) }));
      pos[l] = { points, r, step, cx: x };
    }
    return { narrow: false, width, height, pos };
  }
  const pad = 8;
  let y = 4;
  if (side) {
    const size = Math.min(width * 0.6, 200);
    pos[0] = { image: true, x: (width - size) / 2, y: y + 18, size, titleY: y + 12 };
    y += size + 30;
  }
  for (let l = side ? 1 : 0; l <= L; l++) {
    const step = (width - 2 * pad) / sizes[l];
    const r = clamp(step * 0.38, 1.5, 12);
    const cy = y + 22 + r;
    const points = Array.from({ length: sizes[l] }, (_, k) => ({ x: pad + step * (k + 0.5), y: cy }));
    pos[l] = { points, r, step, titleY: y + 12 };
    y = cy + r + (l === L ? 52 : 30);
  }
  return { narrow: true, width, height: y, pos };
}

function outputName(lesson, k) {
  return lesson.digits ? String(k) : `y${k}`;
}

// view: {revealedFrom, selected: {layer, neuron} | null}
export function drawNetwork(root, lesson, view, width) {
  const { sizes, wishes, acts, side } = lesson;
  const L = sizes.length - 1;
  const box = layout(sizes, side, width);
  clear(root);
  root.setAttribute("viewBox", `0 0 ${box.width} ${box.height.toFixed(0)}`);
  root.setAttribute("width", box.width);
  root.setAttribute("height", box.height.toFixed(0));
  const revealed = (l) => l >= view.revealedFrom;

  // faint connections where they are few enough to see
  const edges = svg("g", { "aria-hidden": "true" }, root);
  for (let l = 1; l <= L; l++) {
    const prev = box.pos[l - 1];
    if (prev.image || sizes[l - 1] * sizes[l] > 900) continue;
    for (const a of prev.points) {
      for (const b of box.pos[l].points) {
        svg("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: "#d5d8de", "stroke-width": 0.6 }, edges);
      }
    }
  }
  if (view.detail) drawShares(svg("g", { "aria-hidden": "true" }, root), box, view.detail);

  for (let l = 0; l <= L; l++) {
    const p = box.pos[l];
    const scale = maxAbs(wishes[l]);
    const group = svg("g", {
      class: "layer", "data-layer": l, "data-revealed": String(revealed(l)), role: "group",
      "aria-label": `${layerName(l, sizes.length)}: ${sizes[l]} neurons`,
    }, root);
    if (p.image) {
      drawImage(group, wishes[l], side, p.x, p.y, p.size, (w, k) => (
        revealed(l) ? wishColour(w, scale) : pixelColour(acts[0][k])));
      [...group.querySelectorAll("rect")].forEach((rect, k) => {
        Object.assign(rect.dataset, { layer: l, neuron: k, wish: wishes[l][k], activation: acts[0][k] });
        rect.classList.add("neuron");
      });
      if (revealed(l)) outlineBright(root, acts[0], side, p);
      svg("rect", { x: p.x, y: p.y, width: p.size, height: p.size, fill: "none", stroke: "#888" }, group);
      continue;
    }
    p.points.forEach((pt, k) => {
      const chosen = view.selected && view.selected.layer === l && view.selected.neuron === k;
      const wish = wishes[l][k];
      // a wide layer packs into a compact column (or row) of cells instead of dots
      const shape = p.r >= 3 ? { cx: pt.x.toFixed(2), cy: pt.y.toFixed(2), r: p.r.toFixed(2) }
        : box.narrow ? { x: (pt.x - p.step / 2).toFixed(2), y: (pt.y - 6).toFixed(2), width: p.step.toFixed(2), height: 12 }
          : { x: (pt.x - 6).toFixed(2), y: (pt.y - p.step / 2).toFixed(2), width: 12, height: p.step.toFixed(2) };
      const circle = svg(p.r >= 3 ? "circle" : "rect", {
        ...shape, class: "neuron",
        fill: revealed(l) ? wishColour(wish, scale) : UNREACHED,
        stroke: chosen ? "#000" : revealed(l) ? "#5b6170" : "#9aa0ad",
        "stroke-width": chosen ? 3 : p.r >= 3 ? 1 : 0, "stroke-dasharray": revealed(l) ? null : "2 2",
        tabindex: 0, role: "button",
        "aria-label": `${layerName(l, sizes.length)} neuron ${k}: activation ${fmt.plain(acts[l][k])}`
          + (revealed(l) ? `, wish ${fmt.signed(wish)}` : ", wish not reached yet"),
        "aria-pressed": String(Boolean(chosen)),
      }, group);
      Object.assign(circle.dataset, { layer: l, neuron: k, wish, activation: acts[l][k] });
    });
    if (l === L && sizes[L] <= 32) drawOutputNotes(root, lesson, box, revealed(L));
  }

  // titles
  box.pos.forEach((p, l) => {
    const title = `${layerName(l, sizes.length)} \u00b7 ${fmt.int(sizes[l])}`;
    if (box.narrow) text(root, 8, p.titleY, title, { class: "layer-title" });
    else text(root, p.cx, 18, title, { class: "layer-title", "text-anchor": "middle" });
  });
}

// Once the pixels show their wishes, a thin outline keeps the digit itself in view.
function outlineBright(root, pixels, side, p) {
  const cell = p.size / side;
  const group = svg("g", { "aria-hidden": "true", fill: "none", stroke: "#222", "stroke-opacity": 0.55,
    "stroke-width": 0.8, "pointer-events": "none" }, root);
  pixels.forEach((v, k) => {
    if (v < 0.5) return;
    svg("rect", { x: (p.x + (k % side) * cell).toFixed(2), y: (p.y + Math.floor(k / side) * cell).toFixed(2),
      width: cell.toFixed(2), height: cell.toFixed(2) }, group);
  });
}

function drawOutputNotes(root, lesson, box, shown) {
  const L = lesson.sizes.length - 1;
  const p = box.pos[L];
  const notes = svg("g", { class: "note" }, root);
  p.points.forEach((pt, k) => {
    const wish = lesson.wishes[L][k];
    const target = fmt.plain(lesson.target[k], 2);
    const colour = wish >= 0 ? "var(--up)" : "var(--down)";
    if (box.narrow) {
      const x = pt.x;
      text(notes, x, pt.y + p.r + 13, outputName(lesson, k), { "text-anchor": "middle", "font-weight": 700 });
      text(notes, x, pt.y + p.r + 26, `y ${target}`, { "text-anchor": "middle", class: "note" });
      if (shown) {
        text(notes, x, pt.y + p.r + 39, fmt.short(wish), {
          "text-anchor": "middle", class: "note", style: `fill:${colour}`, "data-output-wish": k,
        });
      }
      return;
    }
    const line = text(notes, pt.x + p.r + 8, pt.y + 4, "", {});
    const part = (content, attrs = {}) => { svg("tspan", attrs, line).textContent = content; };
    part(outputName(lesson, k), { "font-weight": 700 });
    part(`  a ${fmt.plain(lesson.acts[L][k], 2)} \u2192 y ${target}`);
    if (shown) part(`  wish ${fmt.signed(wish, 2)}`, { style: `fill:${colour}`, "data-output-wish": k });
  });
}

// Lines from the chosen neuron (its detail: GET .../layers/<l>/neurons/<j>): the shares it
// sends back to the previous layer, and the shares it receives from the next layer (whose sum
// is its own wish).
function drawShares(group, box, { layer, neuron, three_ways: ways, received }) {
  const line = (a, b, value, scale) => svg("line", {
    x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: wishColour(value, scale),
    "stroke-width": (1 + 3 * Math.sqrt(Math.min(1, Math.abs(value) / (scale || 1)))).toFixed(2),
  }, group);
  if (ways && !box.pos[layer - 1].image) {
    const scale = maxAbs(ways.previous);
    box.pos[layer - 1].points.forEach((pt, k) => line(pt, box.pos[layer].points[neuron], ways.previous[k], scale));
  }
  if (received && !box.pos[layer].image) {
    const scale = maxAbs(received);
    box.pos[layer + 1].points.forEach((pt, j) => line(box.pos[layer].points[neuron], pt, received[j], scale));
  }
}

// A signed bar list: the largest `top` items by size.
function bars(items, most = 8) {
  const top = items.length <= most + 4 ? items.length : most;
  const shown = [...items].sort((a, b) => Math.abs(b.value) - Math.abs(a.value)).slice(0, top);
  const scale = maxAbs(shown.map((item) => item.value)) || 1;
  const list = html("ol", { class: "bars" });
  for (const item of shown) {
    const share = (50 * Math.abs(item.value)) / scale;
    const fill = html("span", {
      class: "fill",
      style: `left:${item.value >= 0 ? 50 : 50 - share}%;width:${share}%;`
        + `background:${item.value >= 0 ? "var(--up)" : "var(--down)"}`,
    });
    list.append(html("li", {},
      html("span", { text: item.name, title: item.title || item.name }),
      html("span", { class: "track", "aria-hidden": "true" }, fill),
      html("span", { class: "val", text: fmt.signed(item.value) })));
  }
  const note = items.length > top ? html("p", { class: "hint", text: `the ${top} largest of ${fmt.int(items.length)}` }) : "";
  return html("div", {}, list, note);
}

function heat(values, side, label) {
  const root = svg("svg", { class: "heat", viewBox: "0 0 112 112", role: "img", "aria-label": label });
  const scale = maxAbs(values);
  drawImage(root, values, side, 0, 0, 112, (v) => wishColour(v, scale));
  return root;
}

function signedSpan(value) {
  return html("strong", { class: value >= 0 ? "up-text" : "down-text", text: fmt.signed(value), "data-value": value });
}

// A neuron's facts and its three ways, from its detail (GET .../layers/<l>/neurons/<j>).
export function showDetail(aside, lesson, layer, neuron, detail) {
  const { sizes, wishes, acts } = lesson;
  const L = sizes.length - 1;
  const name = layerName(layer, sizes.length);
  clear(aside);
  const digit = layer === L && lesson.digits ? ` (the digit ${neuron})` : "";
  aside.append(html("h3", { text: `${name[0].toUpperCase()}${name.slice(1)}, neuron ${neuron}${digit}` }));
  const facts = html("p", {}, `activation ${fmt.plain(acts[layer][neuron])}, wish `, signedSpan(wishes[layer][neuron]));
  if (layer === L) facts.append(`, target ${fmt.plain(lesson.target[neuron])}`);
  aside.append(facts);
  const prevSide = layer === 1 ? lesson.side : null;

  if (layer >= 1) {
    const way = detail.three_ways;
    const prevName = layerName(layer - 1, sizes.length);
    aside.append(
      html("h4", { text: "1 \u00b7 Raise its bias" }),
      html("p", { "data-way": "bias" }, "\u2212\u2202C/\u2202b = ", signedSpan(way.bias)),
      html("h4", { text: "2 \u00b7 Raise the weights on its bright inputs" }),
      html("p", { class: "hint", text: "\u2212\u2202C/\u2202w for each incoming weight: proportional to that "
        + "input's activation, so the bright inputs count most." }),
    );
    const { weights } = way;
    if (prevSide) aside.append(heat(weights, prevSide, "Weight changes over the input pixels"));
    else {
      aside.append(bars(weights.map((value, k) => ({
        value, name: `#${k} a ${fmt.plain(acts[layer - 1][k], 2)}`,
        title: `${prevName} neuron ${k}, activation ${acts[layer - 1][k]}`,
      }))));
    }
    aside.append(
      html("h4", { text: "3 \u00b7 Wish the previous layer were different" }),
      html("p", { class: "hint", text: `Its share of each ${prevName} neuron's wish, w f\u2032(z) \u00d7 wish. `
        + `Each ${prevName} neuron's wish is the sum of such shares from every neuron here.` }),
    );
    const shares = way.previous;
    if (prevSide) aside.append(heat(shares, prevSide, "Shares of the input pixels' wishes"));
    else {
      aside.append(bars(shares.map((value, k) => ({
        value, name: `to #${k}`,
        title: `${fmt.int(100 * value / (wishes[layer - 1][k] || 1))}% of the wish of ${prevName} neuron ${k}`,
      }))));
    }
  }
  if (layer < L) {
    const { received } = detail;
    const total = received.reduce((a, b) => a + b, 0);
    aside.append(
      html("h4", { text: "Where its wish comes from" }),
      html("p", { class: "hint", text: `The shares sent back by the ${fmt.int(sizes[layer + 1])} neurons of `
        + `${layerName(layer + 1, sizes.length)}:` }),
      bars(received.map((value, j) => ({ value, name: `from #${j}` }))),
      html("p", {}, "sum ", signedSpan(total), " = its wish ", signedSpan(wishes[layer][neuron])),
    );
  }
}
