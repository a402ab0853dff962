"""Ours vs the forward pass, the plain NumPy floor, JAX's jitted gradient and torch autograd.

For each BLAS kernel (`--kernels`: this process re-runs itself once per OPENBLAS_CORETYPE, since
OpenBLAS reads it when it loads), dtype (`--dtype`, both by default), network and batch, one
interleaved run (see `common.interleaved`) times:
- forward: one pass, `Network.cost`, the pass the naive method repeats;
- ours: `backprop(..., input_wishes=False)`, the gradient as `run()` times it;
- floor: plain vectorised NumPy backprop, one matmul per product (`bench.floor`);
- products: the floor's matrix products alone, on arrays made beforehand (`floor.products_only`),
  the bound below which no NumPy backprop of this gradient can go;
- JAX: `jax.jit(jax.grad)` of the same cost (`bench.jaxgrad`), when JAX is importable;
- torch: `torch.autograd.grad` of the same cost (`bench.autograd`), when torch is importable;
- report: what `model.run` computes for a job's result besides the JSON lists (`report_path`);
- with --before REF: the same forward pass and backprop of the `model` package at git revision
  REF (`common.import_tree`), in the same rounds;
- with --naive: `model.naive.nudge` over blocks of CHUNK parameters (2 x CHUNK passes, central
  differences), against blocks of as many forward passes (at batch 1 and 100).
Every partner's gradient is checked equal to ours before timing. Ratios are medians of the
per-round ratios with their quartiles. Each kernel's run prints the product forms that
`model.products` chose for it at start, and times `model.run` of the page's job whole.

    python -m bench.versus --kernels all --before main --clock cpu
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from types import ModuleType

import numpy as np

import model
from bench import autograd, common, floor, jaxgrad
from model import products
from model.backprop import backprop, consistency
from model.naive import choose_indices, nudge
from model.run import checked_backprop
from model.three_ways import three_ways

KERNELS = ["SkylakeX", "Haswell", "Zen", "Sandybridge"]  # what "all" runs, where the CPU can
AVX512_KERNELS = {"SkylakeX", "Cooperlake", "SapphireRapids"}
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
PAIRS = {  # ratio column: (top, bottom)
    "ours/forward": ("ours", "forward"),
    "ours/floor": ("ours", "floor"),
    "products/floor": ("products", "floor"),
    "ours/JAX": ("ours", "JAX"),
    "ours/torch": ("ours", "torch"),
    "report/ours": ("report", "ours"),
    "naive/forward": ("naive", "forwards"),
}
BEFORE_PAIRS = {  # the same ratios of the old tree's backprop, and new over old
    "ours/forward": ("before", "before forward"),
    "ours/floor": ("before", "floor"),
    "ours/JAX": ("before", "JAX"),
    "ours/torch": ("before", "torch"),
    "after/before": ("ours", "before"),
}
TARGETS = [  # (target, applies at batch, column, met)
    ("ours/forward <= 2.5 at 1", lambda b: b == 1, "ours/forward", lambda r: r <= 2.5),
    ("ours/forward <= 2.0 at 100, 1000", lambda b: b >= 100, "ours/forward", lambda r: r <= 2.0),
    ("ours/JAX <= 0.95", lambda b: True, "ours/JAX", lambda r: r <= 0.95),
    ("ours/floor <= 0.9 at 1, 100", lambda b: b <= 100, "ours/floor", lambda r: r <= 0.9),
    ("ours/floor <= 1.0 at 1000", lambda b: b >= 1000, "ours/floor", lambda r: r <= 1.0),
    ("ours/torch < 1", lambda b: True, "ours/torch", lambda r: r < 1),
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


def old_net(j: common.Job, package: ModuleType) -> object:
    """The job's network in the old tree's `Network`, on the very same arrays (no copies), so
    that old and new find the same numbers in the same caches."""
    names = [a.name for a in j.net.activations]
    return package.network.Network.from_arrays(
        j.net.weights, j.net.biases, names, j.net.cost_name, dtype=str(j.net.dtype)
    )


def timers(
    j: common.Job, old: object | None, old_backprop: Callable | None, naive: bool
) -> dict[str, Callable[[], object]]:
    fns = {
        "forward": lambda: j.net.cost(j.x, j.y),
        "ours": lambda: backprop(j.net, j.x, j.y, input_wishes=False),
        "floor": floor.floor_gradient(j),
        "products": floor.products_only(j),
        "report": report_path(j),
    }
    common.check_gradient(j, fns["floor"]())
    if autograd.torch is not None:
        fns["torch"] = autograd.torch_gradient(j)
        common.check_gradient(j, fns["torch"]())
    if jaxgrad.jax is not None:
        fns["JAX"] = jaxgrad.jax_gradient(j)
        common.check_gradient(j, fns["JAX"]())
    if old is not None:
        fns["before forward"] = lambda: old.cost(j.x, j.y)
        fns["before"] = lambda: old_backprop(old, j.x, j.y, input_wishes=False)
        flat = old_backprop(old, j.x, j.y, input_wishes=False)
        common.check_gradient(
            j, [g for pair in zip(flat.weight_gradients, flat.bias_gradients) for g in pair]
        )
    if naive and len(j.x) <= 100:
        fns.update(naive_blocks(j))
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


def measure(args: argparse.Namespace) -> dict:
    """This process's kernel: every row of every dtype, the forms chosen, the page's job."""
    old_model = common.import_tree(args.before) if args.before else None
    if old_model is not None:
        importlib.import_module(f"{old_model.__name__}.backprop")
        importlib.import_module(f"{old_model.__name__}.network")
    old_backprop = old_model.backprop.backprop if old_model else None
    rows, chosen = [], {}
    for dtype in ["float64", "float32"] if args.dtype == "both" else [args.dtype]:
        chosen[dtype] = products.describe(np.dtype(dtype))
        for layers, batch in common.CASES:
            j = common.job(layers, batch, dtype)
            old = old_net(j, old_model) if old_model else None
            times = common.interleaved(timers(j, old, old_backprop, args.naive), args.budget)
            ratios = {
                k: common.ratio(times[a], times[b])
                for k, (a, b) in PAIRS.items()
                if a in times and b in times
            }
            before = {
                k: common.ratio(times[a], times[b])
                for k, (a, b) in BEFORE_PAIRS.items()
                if a in times and b in times
            }
            rows.append(
                {
                    "kernel": common.kernel(),
                    "dtype": dtype,
                    "network": common.name(layers),
                    "batch": batch,
                    "seconds": {k: common.median(v) for k, v in times.items()},
                    "ratios": ratios,
                    "before": before,
                    "rounds": len(times["ours"]),
                }
            )
    page = page_job(args.budget)
    return {
        "kernel": common.kernel(),
        "environment": common.environment(),
        "chosen": chosen,
        "page": statistics.quantiles(page, n=4),
        "page_runs": len(page),
        "rows": rows,
    }


def run_kernels(args: argparse.Namespace, kernels: list[str]) -> list[dict]:
    """Each kernel in a process of its own (OpenBLAS reads OPENBLAS_CORETYPE when it loads),
    one after another, with this run's options; their results come back as JSON."""
    results = []
    for kernel in kernels:
        if kernel in AVX512_KERNELS and "avx512f" not in common.cpu_flags():
            print(f"{kernel}: skipped, this CPU has no AVX-512")
            continue
        command = [sys.executable, "-m", "bench.versus", "--json", *_passed_on(args)]
        env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
        env.pop("OPENBLAS_L2_SIZE", None)
        done = subprocess.run(  # noqa: S603  this interpreter on bench.versus, no shell
            command, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            print(f"{kernel}: failed\n{done.stderr}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.splitlines()[-1]))
        print(f"{kernel}: done ({time.strftime('%H:%M:%S')}, load {_load()})", flush=True)
    return results


def _passed_on(args: argparse.Namespace) -> list[str]:
    out = ["--budget", str(args.budget), "--dtype", args.dtype, "--clock", args.clock]
    if args.before:
        out += ["--before", args.before]
    if args.naive:
        out.append("--naive")
    return out


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def print_results(results: list[dict], before: str | None) -> None:
    for r in results:
        print(f"\n{r['kernel']}: {r['environment']}")
        for forms in r["chosen"].values():
            print(f"  products chosen at start: {forms}")
        q1, q2, q3 = r["page"]
        print(
            f"  model.run of the page's job (784-16-16-10, one digit, backprop + 200 sampled "
            f"parameters nudged, central): {common.seconds(q2)} [{common.seconds(q1)}-"
            f"{common.seconds(q3)}] over {r['page_runs']} runs"
        )
    rows = [row for r in results for row in r["rows"]]
    columns = [k for k in PAIRS if any(k in row["ratios"] for row in rows)]
    cpu = common.cpu().split(" (")[0]
    header = ["CPU, kernel", "dtype", "network", "batch", "forward", "ours", *columns, "rounds"]
    table = []
    for row in rows:
        cells = []
        for k in columns:
            now = common.spread(row["ratios"].get(k))
            old = row["before"].get(k)
            cells.append(f"{old[0]:.2f} -> {now}" if old else now)
        ours = common.seconds(row["seconds"]["ours"])
        if "before" in row["seconds"]:
            ours = f"{common.seconds(row['seconds']['before'])} -> {ours}"
        table.append(
            [
                f"{cpu}, {row['kernel']}",
                row["dtype"],
                row["network"],
                row["batch"],
                common.seconds(row["seconds"]["forward"]),
                ours,
                *cells,
                row["rounds"],
            ]
        )
    print()
    common.print_table(header, table)
    if before:
        print(f"\nbefore -> after: {before} -> this tree; after/before of ours, per round:")
        common.print_table(
            ["CPU, kernel", "dtype", "network", "batch", "after/before"],
            [
                [
                    f"{cpu}, {row['kernel']}",
                    row["dtype"],
                    row["network"],
                    row["batch"],
                    common.spread(row["before"].get("after/before")),
                ]
                for row in rows
            ],
        )
    print("\nmedian [quartiles] over interleaved rounds; every partner's gradient checked first")
    print("targets, on every kernel and in both dtypes:")
    for target, applies, column, met in TARGETS:
        seen = [row for row in rows if applies(row["batch"]) and column in row["ratios"]]
        if not seen:
            continue
        missed = [row for row in seen if not met(row["ratios"][column][0])]
        print(
            f"  {'ok' if not missed else 'MISSED':6s} {target}: {len(seen) - len(missed)}/"
            f"{len(seen)} met" + (":" if missed else "")
        )
        for row in missed:
            print(
                f"           {row['kernel']} {row['dtype']} {row['network']} batch "
                f"{row['batch']}: {row['ratios'][column][0]:.2f}"
            )


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kernels",
        help="run once per OpenBLAS kernel, each in its own process: 'all' "
        f"({', '.join(KERNELS)}) or a comma-separated list of OPENBLAS_CORETYPE values",
    )
    parser.add_argument(
        "--before", metavar="REF", help="also time the model of this git revision (e.g. main)"
    )
    parser.add_argument("--naive", action="store_true", help="also time naive blocks")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)


def main() -> None:
    args = common.arguments(
        __doc__.splitlines()[0],
        more=options,
        announce=False,
        dtypes=("both", "float64", "float32"),
    )
    if args.json:  # a child of run_kernels: its results, as the last line
        print(json.dumps(measure(args)))
        return
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}, load {_load()}; {args.clock} clock")
    if args.kernels:
        wanted = KERNELS if args.kernels == "all" else args.kernels.split(",")
        results = run_kernels(args, wanted)
    else:
        results = [measure(args)]
    print_results(results, args.before)
    print(f"\nfinished {time.strftime('%H:%M:%S')}, load {_load()}")


if __name__ == "__main__":
    main()
