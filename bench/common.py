"""What every benchmark shares: the jobs, interleaved timing, the environment line, tables.

Things compared are timed side by side: one call of each in turn, round after round (the order
shuffled each round), so that drift and the load of other processes fall on all of them alike.
Times are medians over the rounds; ratios are medians of the per-round ratios, with their
quartiles as the noise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

import model
from bench import THREADS
from model import products
from model.run import Job

LESSON, WIDE = [784, 16, 16, 10], [784, 128, 128, 10]
CASES = [(LESSON, 1), (LESSON, 100), (LESSON, 1000), (WIDE, 1), (WIDE, 100), (WIDE, 1000)]
Times = dict[str, list[float]]
# What a call's time is: wall-clock seconds, or with --clock cpu the CPU seconds of the whole
# process (every thread), which leave out the time a busy machine keeps the process waiting.
CLOCK = time.perf_counter
CLOCK_COST = 0.0  # what reading CLOCK twice costs by itself, taken off each call's time


def use_clock(clock: Callable[[], float]) -> None:
    """Time calls by `clock` from now on; its own cost is measured here (reading the CPU
    clock is a system call, about a microsecond, which one example's call would feel)."""
    global CLOCK, CLOCK_COST
    gaps = []
    for _ in range(2001):
        c = clock()
        gaps.append(clock() - c)
    CLOCK, CLOCK_COST = clock, statistics.median(gaps)


def job(layers: list[int], batch: int, dtype: str = "float64") -> Job:
    """The lesson's network (sigmoid, squared error, seed 7) on `batch` digits at 28x28."""
    return model.prepare(
        {
            "network": {"layers": layers, "dtype": dtype, "init": {"seed": 7}},
            "batch": {"dataset": "digits", "resolution": 28, "size": batch, "seed": 0},
        }
    )


def import_tree(ref: str, name: str = "model_before") -> ModuleType:
    """The `model` package as it is at git revision `ref` of this repository, imported under
    `name` beside the current one, so that old and new code run in the same process and are
    timed in the same rounds. Its modules import each other relatively, so they stay within
    the old tree; its data files (read through importlib.resources as "model") are the current
    tree's, which hold the same numbers."""
    root = Path(__file__).resolve().parent.parent
    command = ["git", "-C", str(root), "archive", ref, "model"]  # git from PATH, no shell
    archive = subprocess.run(command, capture_output=True, check=True).stdout  # noqa: S603, S607
    where = Path(tempfile.mkdtemp(prefix="bench-tree-"))
    with tempfile.TemporaryFile() as raw:
        raw.write(archive)
        raw.seek(0)
        with tarfile.open(fileobj=raw) as tar:
            tar.extractall(where, filter="data")
    spec = importlib.util.spec_from_file_location(
        name, where / "model" / "__init__.py", submodule_search_locations=[str(where / "model")]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def twin_activations(j: Job, twin: str) -> list[str]:
    """The activation names of a job that a twin in another library (torch, JAX) rewrites with
    its own functions of the same names: squared error with sigmoid, tanh or relu."""
    names = [a.name for a in j.net.activations]
    if j.net.cost_name != "squared_error" or not set(names) <= {"sigmoid", "tanh", "relu"}:
        raise ValueError(f"the {twin} twin covers squared error with sigmoid, tanh or relu")
    return names


def check_gradient(j: Job, got: list) -> None:
    """A partner's [dW1, db1, dW2, ...] (NumPy arrays, or anything np.asarray takes: torch
    tensors, JAX arrays) equals backprop's, in the job's dtype: rtol 1e-10 in float64, 1e-4 in
    float32, relative to each array's largest entry."""
    from model.backprop import backprop

    result = backprop(j.net, j.x, j.y, input_wishes=False)
    ours = [g for pair in zip(result.weight_gradients, result.bias_gradients) for g in pair]
    rtol = 1e-10 if j.net.dtype == np.float64 else 1e-4
    for g, want in zip(got, ours, strict=True):
        g = np.asarray(g)
        if g.dtype != want.dtype:
            raise AssertionError(f"a {g.dtype} gradient against our {want.dtype}")
        np.testing.assert_allclose(g, want, rtol=rtol, atol=rtol * np.abs(want).max())


def interleaved(
    fns: dict[str, Callable[[], object]], budget: float, least: int = 7, block: float = 0.0
) -> Times:
    """Seconds of each call, round after round, until `budget` seconds and `least` rounds.

    Each round calls them in a new order (shuffled, seeded): in a fixed cyclic order, however
    rotated, each call would always follow the same one, and find the caches as that one left
    them (warm after a call on the same arrays, cold after JAX's), which biased every ratio.

    With `block` > 0 each turn is a stretch of calls lasting `block` seconds, and the turn
    counts as the median of the calls in its second half. That is for libraries whose thread
    pools spin after a call (OpenBLAS, OpenMP): called alternately they fight for the cores, so
    each gets a stretch to itself and the other's pool has time to go to sleep.
    """
    for fn in fns.values():
        fn()  # warm-up
    names = list(fns)
    times: Times = {name: [] for name in names}
    order, began, rounds = random.Random(0), time.perf_counter(), 0  # noqa: S311  no secret
    while rounds < least or time.perf_counter() - began < budget:
        for name in order.sample(names, len(names)):
            times[name].append(_turn(fns[name], block))
        rounds += 1
    return times


def _turn(fn: Callable[[], object], block: float) -> float:
    start = time.perf_counter()
    settled: list[float] = []
    while True:
        t, c = time.perf_counter(), CLOCK()
        fn()
        spent = CLOCK() - c - CLOCK_COST
        end = time.perf_counter()
        if t - start >= block / 2:
            settled.append(spent)
        if end - start >= block and settled:
            return statistics.median(settled)


def check(holds: bool, what: object) -> None:
    """A benchmark's check of its own run (an AssertionError naming `what`), kept under -O."""
    if not holds:
        raise AssertionError(what)


def median(times: list[float]) -> float:
    return statistics.median(times)


def ratio(top: list[float], bottom: list[float]) -> tuple[float, float, float]:
    """Median of the per-round ratios top/bottom, and its first and third quartiles."""
    q1, q2, q3 = statistics.quantiles([t / b for t, b in zip(top, bottom)], n=4)
    return q2, q1, q3


def limit_threads() -> None:
    """BLAS (and torch, when loaded) to THREADS; `bench` set the environment on import too."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(THREADS, user_api="blas")
    except ImportError:
        pass
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(THREADS)


def environment() -> str:
    """numpy, its BLAS kernel and threads, the OPENBLAS_* overrides in force, torch if loaded."""
    parts = [cpu(), f"numpy {np.__version__}"]
    try:
        from threadpoolctl import threadpool_info

        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        parts += [
            f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')} "
            f"threads {i['num_threads']}"
            for i in blas
        ]
    except ImportError:
        parts.append(f"BLAS threads {THREADS} (by environment; threadpoolctl not installed)")
    overrides = [
        f"{k}={os.environ[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ
    ]
    parts.append(" ".join(overrides) if overrides else "no OPENBLAS_CORETYPE/L2_SIZE override")
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        parts.append(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    return "; ".join(parts)


def kernel() -> str:
    """NumPy's OpenBLAS kernel, as OpenBLAS reports it, with the OPENBLAS_CORETYPE that asked
    for it where the two differ (this OpenBLAS build runs Zen as its Haswell kernel)."""
    try:
        from threadpoolctl import threadpool_info

        found = next(
            (i.get("architecture") for i in threadpool_info() if "numpy" in i["filepath"]), None
        )
    except ImportError:
        found = None
    asked = os.environ.get("OPENBLAS_CORETYPE")
    if found is None:
        return asked or "unknown"
    return found if asked in (None, "", found) else f"{asked} (runs {found})"


def cpu_info() -> str:
    try:
        return open("/proc/cpuinfo").read()
    except OSError:
        return ""


def cpu_flags() -> set[str]:
    """The processor's feature flags (avx2, avx512f, ...), where the system tells them."""
    line = next((x for x in cpu_info().splitlines() if x.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def cpu() -> str:
    """The processor's name, and whether it has AVX-512 (OpenBLAS's SkylakeX kernels need it)."""
    info = cpu_info()
    if not info:
        return platform.processor() or platform.machine()
    name = next(
        (
            line.split(":", 1)[1].strip()
            for line in info.splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    avx512 = "AVX-512" if "avx512f" in cpu_flags() else "no AVX-512"
    return f"{name} ({avx512}, {os.cpu_count()} cores)"


def arguments(
    description: str,
    full_limit: bool = False,
    more: Callable[[argparse.ArgumentParser], None] | None = None,
    announce: bool = True,
    dtypes: tuple[str, ...] = ("float64", "float32"),
) -> argparse.Namespace:
    """The options every script shares (--dtype one of `dtypes`, the first by default), and
    `more` of the script's own; sets the clock and the threads, and prints the environment
    line unless `announce` is False."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--budget",
        type=float,
        default=2.0,
        help="seconds of timing per network and batch (default 2)",
    )
    parser.add_argument("--dtype", default=dtypes[0], choices=dtypes)
    if full_limit:
        parser.add_argument(
            "--full-limit",
            type=float,
            default=10.0,
            help="measure the naive method over every parameter too when it is "
            "estimated to take less than this many seconds (default 10)",
        )
    parser.add_argument(
        "--clock",
        default="wall",
        choices=["wall", "cpu"],
        help="time calls by the wall clock (default) or by the process's CPU "
        "time, steadier on a shared machine (single-threaded runs)",
    )
    if more is not None:
        more(parser)
    args = parser.parse_args()
    use_clock(time.process_time if args.clock == "cpu" else time.perf_counter)
    limit_threads()
    if announce:
        print(f"{environment()}; {args.clock} clock")
        if args.dtype in ("float64", "float32"):
            print(f"products chosen at start: {products.describe(np.dtype(args.dtype))}")
    return args


def seconds(s: float | None) -> str:
    if s is None:
        return "-"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
        if s >= scale:
            return f"{s / scale:.3g} {unit}"
    return f"{s / 1e-6:.2g} us"


def spread(r: tuple[float, float, float] | None) -> str:
    """A ratio with its quartiles: 2.04 [1.98-2.11]."""
    if r is None:
        return "-"
    decimals = 2 if r[0] < 10 else 1 if r[0] < 100 else 0
    return f"{r[0]:.{decimals}f} [{r[1]:.{decimals}f}-{r[2]:.{decimals}f}]"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    """A Markdown table, so docs/benchmarks.md can take it as it is."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def name(layers: list[int]) -> str:
    return "-".join(map(str, layers))


def compare(
    description: str,
    timers: Callable[[Job], dict[str, Callable[[], object]]],
    top: str,
    bottom: str,
    verdict: Callable[[float, int, str], str],
    heading: str,
    block: float = 0.0,
) -> None:
    """A script's main: time `top` against `bottom` for every case and print the table."""
    args = arguments(description)
    rows = []
    for layers, batch in CASES:
        times = interleaved(timers(job(layers, batch, args.dtype)), args.budget, block=block)
        r = ratio(times[top], times[bottom])
        rows.append(
            [
                name(layers),
                batch,
                seconds(median(times[top])),
                seconds(median(times[bottom])),
                spread(r),
                verdict(r[0], batch, args.dtype),
                len(times[top]),
            ]
        )
    print_table(["network", "batch", top, bottom, heading, "", "rounds"], rows)
