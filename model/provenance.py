"""Where a result's numbers came from: the `provenance` block of every job's result.

The package's version and, when this code runs from a git checkout, its commit; the Python,
NumPy and SciPy versions; each BLAS library loaded, with the kernel it chose for this CPU and
its threads (threadpoolctl); the CPU's model and cores; the thread variables; the host. Two
timings are comparable when these agree, and a sweep whose points differ here says so.

Computed once per process (`provenance()` caches it; a job copies the cached dict): the commit
is read with one `git rev-parse` at the first call, never per job, and a missing git, or code
that is not a checkout (an installed wheel, a container without .git), gives `null`.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import scipy

PACKAGE = "backprop-lab"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ROOT = Path(__file__).resolve().parent.parent  # the checkout, when the code runs from one


def provenance() -> dict[str, Any]:
    """This process's provenance block, JSON-ready (a copy: the caller may change it)."""
    return copy.deepcopy(_provenance())


@functools.cache
def _provenance() -> dict[str, Any]:
    return {
        "package": {"name": PACKAGE, "version": _version(), "commit": commit()},
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "blas": blas(),
        "cpu": {"model": cpu_model(), "cores": os.cpu_count(), "usable": _usable_cores()},
        "threads": {name: os.environ.get(name) for name in THREAD_VARIABLES},
        "host": socket.gethostname(),
        "system": platform.platform(),
    }


def _version() -> str | None:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def commit() -> str | None:
    """HEAD's commit of the checkout this code runs from, or None (no git, not a checkout,
    or a checkout of something else around an installed copy)."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        return None
    try:
        done = subprocess.run(  # noqa: S603  a fixed argument list, git found on PATH, no shell
            [git, "-C", str(ROOT), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and len(head) == 40 else None


def blas() -> list[dict[str, Any]]:
    """Each BLAS library loaded in this process: which (openblas, mkl, blis), its version, the
    kernel it chose (OpenBLAS's core name), its threads, and the package that loaded it."""
    from threadpoolctl import threadpool_info

    found = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        path = Path(info.get("filepath", ""))
        found.append(
            {
                "library": info.get("internal_api"),
                "version": info.get("version"),
                "kernel": info.get("architecture"),
                "threads": info.get("num_threads"),
                "loaded_by": _loaded_by(path),
            }
        )
    return sorted(found, key=lambda b: (str(b["loaded_by"]), str(b["library"])))


def _loaded_by(path: Path) -> str:
    """numpy, scipy, or the file's name: NumPy's and SciPy's wheels each bring an OpenBLAS,
    in folders numpy.libs and scipy.libs (or their own package folders)."""
    for part in reversed(path.parts[:-1]):
        name = part.removesuffix(".libs")
        if name in ("numpy", "scipy"):
            return name
    return path.name


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _usable_cores() -> int | None:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


if __name__ == "__main__":
    import json

    json.dump(provenance(), sys.stdout, indent=2)
    print()
