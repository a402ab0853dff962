"""Benchmarks that print ratios (not part of the test run).

    python -m bench            everything, side by side in one run, one table
    python -m bench.model      forward pass vs backprop
    python -m bench.loop       vectorised backprop vs a per-example loop (Nielsen's style)
    python -m bench.naive      naive nudging: one pass vs one forward pass, naive vs backprop
    python -m bench.autograd   backprop vs torch autograd (when torch is importable)

Every script takes --budget (seconds of timing per network and batch) and --dtype. Thread
count: BENCH_THREADS (default: every core) sets numpy's BLAS threads and torch's, and must be
known before numpy is loaded, which is why it is read here, on the package's import.
"""

import os

THREADS = int(os.environ.get("BENCH_THREADS") or os.cpu_count() or 1)
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = str(THREADS)
