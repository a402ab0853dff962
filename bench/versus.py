"""Ours vs torch autograd vs JAX's jitted gradient, side by side in one run.

For each network and batch, one interleaved run (see `common.interleaved`) times:
- forward: one pass, `Network.cost`, the pass the naive method repeats;
- ours: `backprop(..., input_wishes=False)`, the gradient as `run()` times it;
- torch: `torch.autograd.grad` of the same cost (`bench.autograd`), when torch is importable;
- JAX: `jax.jit(jax.grad)` of the same cost (`bench.jaxgrad`), when JAX is importable;
- report: the report's path, what `model.run` computes for a job's result besides the JSON
  lists (`report_path`);
- naive: `model.naive.nudge` over blocks of CHUNK parameters (2 x CHUNK passes, central
  differences), against blocks of as many forward passes (at batch 1 and 100: its target's).
Both partners' gradients are checked equal to ours before timing. Ratios are medians of the
per-round ratios with their quartiles. Then `model.run` of the page's job (one digit, backprop
and 200 sampled parameters nudged) is timed whole, JSON lists and the run's own timing included.

Targets (float64): at batch 1, ours <= 2.5 forward passes and <= 1.5x JAX; at
batch 1 to 100, ours below torch and JAX; at batch 1000, ours <= 1.15x torch and below JAX;
report <= 1.5x ours at batch 1000; a naive pass <= 1.05 forward passes at batch 1 and 100.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable

import model
from bench import autograd, common, jaxgrad
from model.backprop import backprop, consistency
from model.naive import choose_indices, nudge
from model.run import checked_backprop
from model.three_ways import three_ways

CHUNK = 200  # parameters per naive block: one `nudge` call of 400 passes, as the page's job
PAGE_JOB = {
    "network": {
        "layers": [784, 16, 16, 10],
        "activation": "sigmoid",
        "cost": "squared_error",
        "init": {"seed": 7},
    },
    "batch": {"dataset": "digits", "indices": [3]},
    "methods": ["backprop", "naive"],
    "naive": {"difference": "central", "sample": 200, "seed": 0},
    "include": {"gradients": False, "wishes": True, "layers": True, "per_example": True},
}
TARGETS = [  # (label, row, column, test)
    ("ours/forward <= 2.5 at 1", lambda b: b == 1, "ours/forward", lambda r: r <= 2.5),
    ("ours/JAX <= 1.5 at 1", lambda b: b == 1, "ours/JAX", lambda r: r <= 1.5),
    ("ours/torch < 1 at 1..100", lambda b: b <= 100, "ours/torch", lambda r: r < 1),
    ("ours/JAX < 1 at 1..100", lambda b: b <= 100, "ours/JAX", lambda r: r < 1),
    ("ours/torch <= 1.15 at 1000", lambda b: b >= 1000, "ours/torch", lambda r: r <= 1.15),
    ("ours/JAX < 1 at 1000", lambda b: b >= 1000, "ours/JAX", lambda r: r < 1),
    ("report/ours <= 1.5 at 1000", lambda b: b >= 1000, "report/ours", lambda r: r <= 1.5),
    ("naive pass/forward <= 1.05", lambda b: b <= 100, "naive/forward", lambda r: r <= 1.05),
]


def report_path(j: common.Job) -> Callable[[], object]:
    """What `model.run` computes for a job's report, as arrays: backprop with the input
    layer's mean wish and the finiteness check (`checked_backprop`), the mean wishes, the
    three ways, consistency."""

    def report() -> object:
        result = checked_backprop(j)
        return result.wishes, three_ways(result, j.net.weights), consistency(result)

    return report


def naive_blocks(j: common.Job) -> dict[str, Callable[[], object]]:
    indices = choose_indices(j.net.parameter_count, 10 * CHUNK, seed=0)
    chunks = itertools.cycle([indices[i : i + CHUNK] for i in range(0, len(indices), CHUNK)])

    def forwards() -> None:
        for _ in range(2 * CHUNK):
            j.net.cost(j.x, j.y)

    return {
        "naive": lambda: nudge(j.net, j.x, j.y, next(chunks), 1e-6, "central"),
        "forwards": forwards,
    }


def timers(j: common.Job) -> dict[str, Callable[[], object]]:
    ours = backprop(j.net, j.x, j.y, input_wishes=False)
    flat = [g for pair in zip(ours.weight_gradients, ours.bias_gradients) for g in pair]
    fns = {
        "forward": lambda: j.net.cost(j.x, j.y),
        "ours": lambda: backprop(j.net, j.x, j.y, input_wishes=False),
        "report": report_path(j),
        **(naive_blocks(j) if len(j.x) <= 100 else {}),
    }
    if autograd.torch is not None:
        fns["torch"] = autograd.torch_gradient(j)
        autograd.check(j, fns["torch"])
    if jaxgrad.jax is not None:
        fns["JAX"] = jaxgrad.jax_gradient(j)
        jaxgrad.check(j, fns["JAX"], flat)
    return fns


def page_job(budget: float) -> list[float]:
    """Seconds of whole `model.run` calls of the page's job, for about `budget` seconds."""
    model.run(PAGE_JOB)
    times, began = [], time.perf_counter()
    while len(times) < 5 or time.perf_counter() - began < budget:
        t = common.CLOCK()  # wall or CPU time, as --clock says
        model.run(PAGE_JOB)
        times.append(common.CLOCK() - t)
    return times


def main() -> None:
    args = common.arguments(__doc__.splitlines()[0])
    print(
        "torch:",
        "not importable, its columns are skipped"
        if autograd.torch is None
        else f"{autograd.torch.__version__}, threads {autograd.torch.get_num_threads()}",
    )
    print(
        "JAX:",
        "not importable, its columns are skipped"
        if jaxgrad.jax is None
        else f"{jaxgrad.jax.__version__} on {jaxgrad.jax.devices()[0].platform}, XLA threads 1"
        if common.THREADS == 1
        else jaxgrad.jax.__version__,
    )
    ratios = ["ours/forward", "ours/torch", "ours/JAX", "report/ours", "naive/forward"]
    rows, verdicts = [], []
    for layers, batch in common.CASES:
        j = common.job(layers, batch, args.dtype)
        times = common.interleaved(timers(j), args.budget)
        pairs = {
            "ours/forward": ("ours", "forward"),
            "ours/torch": ("ours", "torch"),
            "ours/JAX": ("ours", "JAX"),
            "report/ours": ("report", "ours"),
            "naive/forward": ("naive", "forwards"),
        }
        got = {
            k: common.ratio(times[a], times[b]) if b in times else None
            for k, (a, b) in pairs.items()
        }
        label = f"{common.name(layers)} batch {batch}"
        for target, applies, column, test in TARGETS:
            if applies(batch) and args.dtype == "float64":
                value = got[column]
                verdicts.append(
                    (
                        label,
                        target,
                        value,
                        "-" if value is None else "ok" if test(value[0]) else "MISSED",
                    )
                )
        rows.append(
            [
                common.name(layers),
                batch,
                *(
                    common.seconds(common.median(times[k])) if k in times else "-"
                    for k in ("forward", "ours", "torch", "JAX", "report")
                ),
                *(common.spread(got[k]) for k in ratios),
                len(times["ours"]),
            ]
        )
    print("checked: torch's and JAX's gradients equal ours (rtol 1e-10 float64, 1e-4 float32)")
    common.print_table(
        ["network", "batch", "forward", "ours", "torch", "JAX", "report", *ratios, "rounds"], rows
    )
    print("\nmedian [quartiles] over interleaved rounds; targets (float64):")
    for label, target, value, verdict in verdicts:
        shown = "-" if value is None else f"{value[0]:.2f}"
        print(f"  {verdict:6s} {target:28s} {label:26s} {shown}")
    page = page_job(args.budget)
    q1, q2, q3 = statistics.quantiles(page, n=4)
    print(
        f"\nmodel.run of the page's job (784-16-16-10, one digit, backprop + 200 sampled "
        f"parameters nudged, central): {common.seconds(q2)} [{common.seconds(q1)}-"
        f"{common.seconds(q3)}] over {len(page)} runs"
    )


if __name__ == "__main__":
    main()
