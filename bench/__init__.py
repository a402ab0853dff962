"""Benchmarks that print ratios (not part of the test run).

    python -m bench            everything, side by side in one run, one table
    python -m bench.versus     ours vs the plain NumPy floor (bench/floor.py), torch autograd and
                               JAX's jitted gradient, float64 and float32; --kernels all runs it
                               under every OpenBLAS kernel this CPU can run (docs/benchmarks.md)
    python -m bench.model      forward pass vs backprop
    python -m bench.loop       vectorised backprop vs a per-example loop (Nielsen's style)
    python -m bench.naive      naive nudging: one pass vs one forward pass, naive vs backprop
    python -m bench.autograd   backprop vs torch autograd (when torch is importable)

Every script takes --budget (seconds of timing per network and batch) and --dtype. Thread
count: BENCH_THREADS (default 1: one thread pinned, so that the libraries compared run the
same single core and a shared machine's other load disturbs them least) sets numpy's BLAS
threads, torch's and XLA's (JAX), and must be known before any of them is loaded, which is why
it is read here, on the package's import.
"""

import os

THREADS = int(os.environ.get("BENCH_THREADS") or 1)
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = str(THREADS)
if THREADS == 1:  # JAX's CPU backend: no Eigen thread pool, one thread per operation
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen="
        "false intra_op_parallelism_threads=1"
    ).strip()
