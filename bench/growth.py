"""How the cost grows: the lesson's family 784-h-h-10 from about 800 to about 1,000,000
parameters (h from 1 to 680), batch 1 and 100, forward, backprop and the naive method per
example, with the cost law seconds ~ c P^k fitted to each (model/costlaw.py).

    python -m bench.growth [--budget 1] [--full-limit 10] [--json out.json] [--svg out.svg]

For each network and batch, a forward pass (`Network.cost`), backprop and blocks of naive passes
(central differences on a seeded sample of parameters, `model.naive.nudge` as jobs run it) are
timed side by side, round after round (bench/common.py). The naive method's cost in full is
2P passes: measured over every parameter where that is estimated under --full-limit seconds,
else extrapolated from the sampled passes (2P x the median seconds per pass), and labelled so.

The fits: naive per example should grow like P^2 (P passes, each a forward pass of cost ~P),
backprop per example like P^1 once past the sizes where a call's fixed overhead dominates (the
rule that leaves those out is model/costlaw.py's). Then the law's extrapolation, with its
prediction interval: the naive method's cost of one training step of the lesson's network
(784-16-16-10, mini-batch 20, as the presets' recipe) and of a million-parameter one, beside a
measured naive step of the lesson's network.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import common
from model.backprop import backprop
from model.costlaw import CostLaw, fit_cost_law
from model.naive import choose_indices, nudge, passes_needed

# 807 .. 1,003,690 parameters; the decade from 1e5 sampled densely, where the laws are fitted
WIDTHS = (1, 2, 4, 8, 16, 32, 64, 128, 180, 256, 330, 400, 500, 590, 680)
BATCHES = (1, 100)
LESSON = [784, 16, 16, 10]
STEP_BATCH = 20  # the presets' recipe: mini-batches of 20 (model/presets.py)
SAMPLE, CHUNK = 200, 10  # naive: parameters sampled; parameters (2 x CHUNK passes) per block
EPSILON = 1e-6
METHODS = ("forward", "backprop", "naive")


@dataclass
class Point:
    hidden: int
    parameters: int
    batch: int
    rounds: int
    forward: float  # median seconds of one call on the whole batch
    forward_q: tuple[float, float]  # its quartiles
    backprop: float
    backprop_q: tuple[float, float]
    naive_pass: float  # median seconds of one naive pass (one nudged forward pass)
    naive_passes: int  # 2P, central differences
    naive_full: float  # seconds for every parameter: measured, or passes x naive_pass
    naive_basis: str  # "measured" or "extrapolated from N sampled parameters"

    def per_example(self, method: str) -> float:
        return {"forward": self.forward, "backprop": self.backprop, "naive": self.naive_full}[
            method
        ] / self.batch


def layers(hidden: int) -> list[int]:
    return [784, hidden, hidden, 10]


def quartiles(times: list[float]) -> tuple[float, float]:
    q1, _, q3 = statistics.quantiles(times, n=4)
    return q1, q3


def measure(hidden: int, batch: int, budget: float, full_limit: float) -> Point:
    j = common.job(layers(hidden), batch)
    count = j.net.parameter_count
    sample = min(SAMPLE, count)
    indices = choose_indices(count, sample, seed=0)
    chunks = itertools.cycle([indices[i : i + CHUNK] for i in range(0, sample, CHUNK)])
    per_block = 2 * len(indices[:CHUNK])
    times = common.interleaved(
        {
            "forward": lambda: j.net.cost(j.x, j.y),
            "backprop": lambda: backprop(j.net, j.x, j.y, input_wishes=False),
            "naive": lambda: nudge(j.net, j.x, j.y, next(chunks), EPSILON, "central"),
        },
        budget,
        least=5,
    )
    per_pass = common.median(times["naive"]) / per_block
    passes = passes_needed(count, "central")
    if per_pass * passes < full_limit:
        began = common.CLOCK()
        nudge(j.net, j.x, j.y, range(count), EPSILON, "central")
        full, basis = common.CLOCK() - began, "measured"
    else:
        full, basis = per_pass * passes, f"extrapolated from {sample} sampled parameters"
    return Point(
        hidden,
        count,
        batch,
        len(times["forward"]),
        common.median(times["forward"]),
        quartiles(times["forward"]),
        common.median(times["backprop"]),
        quartiles(times["backprop"]),
        per_pass,
        passes,
        full,
        basis,
    )


UPPER = 1e5  # parameters: the decade where every method is past its fixed overhead here


def fits(points: list[Point]) -> dict[tuple[str, int, str], CostLaw]:
    """Each method's law per example at each batch: over all sizes, with model/costlaw.py's
    rule leaving out an overhead floor ("all"), and over the sizes from UPPER up ("upper")."""
    laws = {}
    for method, batch, span in itertools.product(METHODS, BATCHES, ("all", "upper")):
        chosen = [p for p in points if p.batch == batch]
        if span == "upper":
            chosen = [p for p in chosen if p.parameters >= UPPER]
        laws[method, batch, span] = fit_cost_law(
            [p.parameters for p in chosen], [p.per_example(method) for p in chosen]
        )
    return laws


def lesson_step() -> tuple[int, float]:
    """The lesson's network: one naive training step's gradient on a mini-batch of 20,
    measured (2P central passes over every parameter)."""
    j = common.job(LESSON, STEP_BATCH)
    j.net.cost(j.x, j.y)  # warm
    began = common.CLOCK()
    nudge(j.net, j.x, j.y, range(j.net.parameter_count), EPSILON, "central")
    return j.net.parameter_count, common.CLOCK() - began


def interval(law: CostLaw, parameters: float, scale: float = 1.0) -> str:
    estimate, low, high = (scale * s for s in law.seconds_at(parameters))
    return f"{common.seconds(estimate)} [{common.seconds(low)}-{common.seconds(high)}]"


def law_line(law: CostLaw) -> str:
    low, high = law.k_interval
    return (
        f"k = {law.k:.3f} [{low:.3f}, {high:.3f}], c = {law.c:.3g}, R² = {law.r2:.4f}, "
        f"{len(law.used)} points used, left out {list(law.left_out) or 'none'}"
    )


def report(points: list[Point], laws: dict, lesson: tuple[int, float]) -> str:
    lines = []
    rows = []
    for p in points:
        rows.append(
            [
                p.hidden,
                f"{p.parameters:,}",
                p.batch,
                f"{common.seconds(p.forward)} [{common.seconds(p.forward_q[0])}-"
                f"{common.seconds(p.forward_q[1])}]",
                f"{common.seconds(p.backprop)} [{common.seconds(p.backprop_q[0])}-"
                f"{common.seconds(p.backprop_q[1])}]",
                common.seconds(p.naive_pass),
                f"{p.naive_passes:,}",
                common.seconds(p.naive_full),
                p.naive_basis,
                f"{p.naive_full / p.backprop:,.0f}",
                p.rounds,
            ]
        )
    header = ["h", "P", "batch", "forward", "backprop", "naive pass", "passes", "naive full"]
    header += ["naive basis", "naive/backprop", "rounds"]
    lines.append(_table(header, rows))
    lines.append("")
    lines.append("Fitted per example, seconds ~ c P^k (95 % interval on k):")
    lines.append("")
    for (method, batch, span), law in laws.items():
        sizes = "all sizes" if span == "all" else f"from {UPPER:,.0f} parameters"
        lines.append(f"- {method}, batch {batch}, {sizes}: {law_line(law)}")
        lines.extend(f"  - {note}" for note in law.notes)
    count, measured = lesson
    lines.append("")
    lines.append(
        f"The naive method's cost of one training step (mini-batch {STEP_BATCH}), from the "
        "batch-1 and batch-100 naive laws per example (estimate [95 % prediction interval]):"
    )
    lines.append("")
    for batch in BATCHES:
        law = laws["naive", batch, "all"]
        lines.append(
            f"- law of batch {batch}: lesson's network ({count:,} parameters) "
            f"{interval(law, count, STEP_BATCH)}; a million parameters "
            f"{interval(law, 1e6, STEP_BATCH)}"
        )
    lines.append(f"- measured: the lesson's network, one naive step {common.seconds(measured)}")
    return "\n".join(lines)


def _table(header: list[str], rows: list[list]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells: list) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    return "\n".join(out + [line(r) for r in rows])


COLOURS = {"forward": "#888888", "backprop": "#1f77b4", "naive": "#d62728"}


def svg(points: list[Point], laws: dict, path: Path, lesson_parameters: int) -> None:
    """A log-log plot: seconds per example against parameters, both batches (batch 1 filled,
    batch 100 open), the fitted lines over the points each law used, the lesson marked."""
    width, height, margin = 720, 480, 64
    xs = [p.parameters for p in points]
    ys = [p.per_example(m) for p in points for m in METHODS]
    x0, x1 = math.log10(min(xs) / 1.5), math.log10(max(xs) * 1.5)
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))

    def px(p: float) -> float:
        return margin + (math.log10(p) - x0) / (x1 - x0) * (width - 2 * margin)

    def py(s: float) -> float:
        return height - margin - (math.log10(s) - y0) / (y1 - y0) * (height - 2 * margin)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>'
    ]
    for e in range(y0, y1 + 1):
        y = py(10.0**e)
        parts.append(
            f'<line x1="{margin}" x2="{width - margin}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
        )
        parts.append(f'<text x="{margin - 6}" y="{y + 4:.1f}" text-anchor="end">1e{e} s</text>')
    for e in range(math.ceil(x0), math.floor(x1) + 1):
        x = px(10.0**e)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{margin}" y2="{height - margin}" stroke="#eee"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{height - margin + 16}" text-anchor="middle">1e{e}</text>'
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 16}" text-anchor="middle">parameters P '
        "(784-h-h-10)</text>"
    )
    parts.append(
        f'<text x="{margin}" y="{margin - 24}">seconds per example; filled: batch 1, '
        "open: batch 100; lines: c P^k fitted from 1e5 parameters</text>"
    )
    lx = px(lesson_parameters)
    parts.append(
        f'<line x1="{lx:.1f}" x2="{lx:.1f}" y1="{margin}" y2="{height - margin}" '
        'stroke="#2ca02c" stroke-dasharray="4 3"/>'
    )
    parts.append(
        f'<text x="{lx + 4:.1f}" y="{height - margin - 6}" fill="#2ca02c">the lesson</text>'
    )
    for (method, batch, span), law in laws.items():
        if span != "upper":
            continue
        chosen = [p for p in points if p.batch == batch and p.parameters >= UPPER]
        used = [chosen[i].parameters for i in law.used]
        a, b = min(used), max(used)
        dash = "" if batch == 1 else ' stroke-dasharray="6 3"'
        parts.append(
            f'<line x1="{px(a):.1f}" y1="{py(law.c * a**law.k):.1f}" x2="{px(b):.1f}" '
            f'y2="{py(law.c * b**law.k):.1f}" stroke="{COLOURS[method]}"{dash}/>'
        )
    for method, batch, span in laws:
        for p in (p for p in points if p.batch == batch and span == "all"):
            fill = COLOURS[method] if batch == 1 else "white"
            parts.append(
                f'<circle cx="{px(p.parameters):.1f}" cy="{py(p.per_example(method)):.1f}" '
                f'r="3.5" fill="{fill}" stroke="{COLOURS[method]}"/>'
            )
    for i, method in enumerate(METHODS):
        k1, k100 = laws[method, 1, "upper"].k, laws[method, 100, "upper"].k
        parts.append(
            f'<text x="{margin + 10}" y="{margin + 16 + 16 * i}" '
            f'fill="{COLOURS[method]}">{method}: k = {k1:.2f} (batch 1), {k100:.2f} (100)</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def main() -> None:
    def more(parser) -> None:
        parser.add_argument("--json", type=Path, help="write the points and fits here")
        parser.add_argument("--svg", type=Path, help="write the log-log plot here")
        parser.add_argument("--widths", type=lambda s: tuple(map(int, s.split(","))))

    args = common.arguments(__doc__.splitlines()[0], full_limit=True, more=more)
    load = os.getloadavg()
    print(f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    began = time.perf_counter()
    points = [
        measure(h, b, args.budget, args.full_limit)
        for h in (args.widths or WIDTHS)
        for b in BATCHES
    ]
    laws = fits(points)
    lesson = lesson_step()
    load = os.getloadavg()
    print(
        f"load average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{time.perf_counter() - began:.0f} s"
    )
    print(report(points, laws, lesson))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "environment": common.environment(),
                    "points": [asdict(p) for p in points],
                    "fits": {"/".join(map(str, key)): law.as_json() for key, law in laws.items()},
                    "lesson_step": {"parameters": lesson[0], "naive_seconds": lesson[1]},
                },
                indent=1,
            )
        )
    if args.svg:
        svg(points, laws, args.svg, lesson[0])


if __name__ == "__main__":
    main()
