// The batch view (each example's wishes beside the average, each layer's consistency) and the
// cost view (one forward pass, backprop and the naive method, timed by the service).

import { imageSide, isImages } from "./catalog.js";
import { clear, drawImage, fmt, maxAbs, pixelColour, svg, text, wishColour } from "./draw.js";
import { layerName } from "./network.js";

const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));

function size(root, width, height) {
  root.setAttribute("viewBox", `0 0 ${width} ${Math.ceil(height)}`);
  root.setAttribute("width", width);
  root.setAttribute("height", Math.ceil(height));
}

// Rows: the examples, then their average (the batch's wish). Blocks: the layers, input to output;
// the input draws as a tiny wish image when it is a digit, and is left out when it is wide.
export function drawBatch(root, result, width) {
  const sizes = result.network.layers;
  const L = sizes.length - 1;
  const ex = result.examples;
  const count = result.batch.size;
  const side = isImages(result.batch.source) ? imageSide(sizes[0], result.batch.source) : null;
  const layers = [...Array(L + 1).keys()].filter((l) => l > 0 || side || sizes[0] <= 32);
  const narrow = width < 560;
  const rowH = narrow ? 22 : 26;
  const labelW = side ? rowH + 26 : 44;
  const gap = narrow ? 6 : 14;
  const images = layers.filter((l) => l === 0 && side).length;
  const cells = layers.reduce((n, l) => n + (l === 0 && side ? 0 : sizes[l]), 0);
  const cell = clamp((width - labelW - gap * layers.length - images * rowH) / cells, 1.5, 18);
  const top = 22;
  const height = top + (count + 1) * rowH + 12;
  clear(root);
  size(root, width, height);

  const rowY = (i) => top + i * rowH + (i === count ? 10 : 0);
  const averageLabel = narrow ? "avg" : "mean";
  for (let i = 0; i <= count; i++) {
    const y = rowY(i);
    if (i === count) {
      svg("line", { x1: 0, x2: width, y1: y - 5, y2: y - 5, stroke: "#9aa0ad" }, root);
      text(root, 2, y + rowH / 2 + 3, averageLabel, { "font-weight": 700 });
    } else if (side) {
      drawImage(root, ex.activations[0][i], side, 2, y + 1, rowH - 4, pixelColour);
      text(root, rowH + 4, y + rowH / 2 + 3, String(result.batch.labels[i]));
    } else {
      text(root, 2, y + rowH / 2 + 3, `#${i}`);
    }
  }

  let x = labelW;
  for (const l of layers) {
    const average = result.wishes[l];
    const scale = Math.max(maxAbs(average), ...ex.wishes[l].map(maxAbs));
    const blockW = l === 0 && side ? rowH - 4 : sizes[l] * cell;
    const names = [l === 0 ? "input" : layerName(l, sizes.length), l === 0 ? "in" : l === L ? "out" : `L${l}`];
    const title = names.find((name) => name.length * 7 <= blockW + gap);
    if (title) text(root, x, 13, title, { class: "muted" });
    for (let i = 0; i <= count; i++) {
      const wishes = i === count ? average : ex.wishes[l][i];
      const y = rowY(i) + 1;
      const row = svg("g", { "data-row": i === count ? "average" : i, "data-layer": l }, root);
      if (l === 0 && side) {
        drawImage(row, wishes, side, x, y, rowH - 4, (w) => wishColour(w, scale));
        continue;
      }
      wishes.forEach((w, k) => {
        svg("rect", {
          x: (x + k * cell).toFixed(2), y, width: Math.max(cell - (cell > 5 ? 1 : 0), 1).toFixed(2),
          height: rowH - 4, fill: wishColour(w, scale), "data-neuron": k, "data-wish": w,
        }, row);
      });
    }
    x += blockW + gap;
  }
}

export function drawConsistency(root, result, width) {
  const layers = result.layers;
  const count = result.batch.size;
  const narrow = width < 560;
  const labelW = narrow ? 58 : 80;
  const valueW = 48;
  const barW = width - labelW - valueW - 8;
  const rowH = 28;
  const unrelated = 1 / Math.sqrt(count);
  clear(root);
  size(root, width, 24 + layers.length * rowH + 20);
  text(root, labelW, 14, narrow ? `consistency (dashed: 1/\u221aB = ${unrelated.toFixed(2)})`
    : `consistency (0 to 1; dashed: 1/\u221aB = ${unrelated.toFixed(2)}, unrelated wishes)`,
    { class: "muted" });
  layers.forEach((layer, i) => {
    const y = 24 + i * rowH;
    const g = svg("g", { class: "consistency", "data-layer": layer.layer, "data-consistency": layer.consistency }, root);
    text(g, 0, y + 14, layerName(layer.layer, layers.length + 1));
    svg("rect", { x: labelW, y: y + 2, width: barW, height: 16, fill: "#eef0f4" }, g);
    svg("rect", { x: labelW, y: y + 2, width: (barW * clamp(layer.consistency, 0, 1)).toFixed(2), height: 16, fill: "#5c7cfa" }, g);
    text(g, labelW + barW + 6, y + 14, layer.consistency.toFixed(2));
  });
  const ux = labelW + barW * unrelated;
  svg("line", {
    x1: ux, x2: ux, y1: 22, y2: 24 + layers.length * rowH, stroke: "#333", "stroke-dasharray": "3 3",
  }, root);
}

// Bars on a log scale of seconds, one per way of getting the gradient.
export function costBars(result) {
  const { timing, naive, network } = result;
  const t = timing.naive;
  const bars = [
    { key: "forward", name: "One forward pass", seconds: timing.forward.seconds, passes: 1, note: "1 pass" },
    { key: "backprop", name: "Backprop", seconds: timing.backprop.seconds, passes: 2, note: "1 + 1 passes" },
  ];
  if (naive && t.cpu_seconds !== null && !t.measured) {
    bars.push({
      key: "naive-sample", name: `Naive, ${fmt.int(naive.nudged)} sampled`, seconds: t.cpu_seconds,
      passes: t.passes, note: `${fmt.int(t.passes)} passes, measured`,
    });
  }
  bars.push({
    key: "naive-full", name: `Naive, all ${fmt.int(network.parameters)}`, seconds: t.full_seconds,
    passes: t.full_passes, note: `${fmt.int(t.full_passes)} passes, ${t.measured ? "measured" : "estimated"}`,
  });
  return bars;
}

const COLOURS = { forward: "#868e96", backprop: "#2b8a3e", "naive-sample": "#f08c00", "naive-full": "#d9480f" };

export function drawCost(root, result, width) {
  const bars = costBars(result);
  const narrow = width < 560;
  const labelW = narrow ? 20 : 170;
  const valueW = narrow ? 0 : 230;
  const barW = width - labelW - valueW - (narrow ? 24 : 10);
  const rowH = narrow ? 60 : 34; // narrow: name and seconds, then the passes, then the bar
  const logs = bars.map((b) => Math.log10(b.seconds));
  const lo = Math.floor(Math.min(...logs));
  const hi = Math.max(lo + 1, Math.ceil(Math.max(...logs)));
  const at = (s) => (barW * (Math.log10(s) - lo)) / (hi - lo);
  const top = 8;
  const axisY = top + bars.length * rowH + 4;
  clear(root);
  size(root, width, axisY + 34);
  for (let d = lo; d <= hi; d++) {
    const x = labelW + (barW * (d - lo)) / (hi - lo);
    svg("line", { x1: x, x2: x, y1: top, y2: axisY, stroke: "#e3e5ea" }, root);
    if (!narrow || (d - lo) % 2 === 0 || d === hi) {
      const anchor = d === hi ? "end" : "middle"; // the last tick's label ends at the edge
      text(root, x, axisY + 16, fmt.seconds(10 ** d), { "text-anchor": anchor, class: "muted" });
    }
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowH;
    const g = svg("g", {
      class: "bar", "data-bar": bar.key, "data-seconds": bar.seconds, "data-passes": bar.passes,
    }, root);
    const barY = narrow ? y + 34 : y + 6;
    const length = Math.max(2, at(bar.seconds));
    svg("rect", { x: labelW, y: barY, width: length.toFixed(2), height: 18, fill: COLOURS[bar.key], rx: 2 }, g);
    const value = `${fmt.seconds(bar.seconds)} \u00b7 ${bar.note}`;
    if (narrow) { // one line would run past a phone's edge
      text(g, labelW, y + 13, `${bar.name}: ${fmt.seconds(bar.seconds)}`);
      text(g, labelW, y + 28, bar.note, { class: "muted" });
    } else {
      text(g, labelW - 8, barY + 13, bar.name, { "text-anchor": "end" });
      text(g, labelW + length + 6, barY + 13, value);
    }
  });
}
