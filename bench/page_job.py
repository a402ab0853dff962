"""Where one page job's time goes in `model.run`, and what the worker then spends packing it.

The page's "Run backprop" job (bench.classroom.page_request: the lesson's preset on one MNIST
test digit, backprop and 20 sampled parameters of the naive method) is run ROUNDS times in this
process, one BLAS thread, CPU time per call. Its parts are timed by wrapping the functions
`model.run` calls: the naive method's passes (`nudge`), the timing repeats (`repeat_seconds`:
forward passes and backprop sweeps, repeated for their medians), and what is left: everything
that is neither a pass nor a sweep (the spec, the batch, the report's blocks, the finiteness
check), which includes the report's one backprop. Then `result_codec.pack`, the worker's
packing for the store.

    python -m bench.page_job [--rounds N] [--sample K]
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import time

import model
from bench.classroom import page_request
from bench.common import environment, limit_threads, print_table
from worker import result_codec

run_module = importlib.import_module("model.run")  # the module (model.run is the function)
PARTS = {"nudge": "naive passes (nudge)", "repeat_seconds": "timing repeats"}


def timed_parts(spec: dict, rounds: int) -> dict[str, list[float]]:
    spent: dict[str, float] = {}
    originals = {name: getattr(run_module, name) for name in PARTS}

    def wrap(name):
        def timed(*args, **kwargs):
            began = time.process_time()
            try:
                return originals[name](*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - began

        return timed

    times: dict[str, list[float]] = {k: [] for k in ("model.run", *PARTS, "the rest", "pack")}
    for name in PARTS:
        setattr(run_module, name, wrap(name))
    try:
        for r in range(rounds + 5):
            spent.clear()
            began = time.process_time()
            result = model.run(spec)
            total = time.process_time() - began
            began = time.process_time()
            result_codec.pack(result)
            packing = time.process_time() - began
            if r < 5:
                continue  # warm-up
            times["model.run"].append(total)
            for name in PARTS:
                times[name].append(spent.get(name, 0.0))
            times["the rest"].append(total - sum(spent.values()))
            times["pack"].append(packing)
    finally:
        for name, original in originals.items():
            setattr(run_module, name, original)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--sample", type=int, default=None, help="naive.sample (the page's: 20)")
    args = parser.parse_args()
    limit_threads()
    print(environment())
    spec = page_request(7)[1]
    if args.sample:
        spec = spec | {"naive": spec["naive"] | {"sample": args.sample}}
    times = timed_parts(spec, args.rounds)
    rows = []
    for name, values in times.items():
        q = statistics.quantiles(values, n=4)
        label = PARTS.get(name, name)
        rows.append([label, f"{1e3 * q[1]:.3f} ms", f"[{1e3 * q[0]:.3f}, {1e3 * q[2]:.3f}]"])
    sample = spec["naive"]["sample"]
    print(f"\nthe page's job, naive.sample {sample}, {args.rounds} rounds, CPU time")
    print_table(["part", "median", "quartiles"], rows)


if __name__ == "__main__":
    main()
