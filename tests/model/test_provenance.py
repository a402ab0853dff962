"""The provenance block (model/provenance.py): read once per process, true of this process."""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import subprocess
from pathlib import Path

import numpy as np
import pytest
import scipy
from threadpoolctl import threadpool_info

import model
from model import provenance as prov
from tests.support.blas import kernels
from tests.support.processes import fresh_python
from tests.support.specs import example

ROOT = Path(__file__).resolve().parents[2]


def test_it_is_this_processes_numpy_scipy_python_blas_and_host():
    block = prov.provenance()
    assert block["numpy"] == np.__version__ and block["scipy"] == scipy.__version__
    assert block["python"] == platform.python_version()
    assert block["host"] == socket.gethostname()
    assert sorted({b["kernel"] for b in block["blas"] if b["library"] == "openblas"}) == kernels()
    numpy_blas = [b for b in block["blas"] if b["loaded_by"] == "numpy"]
    assert len(numpy_blas) == 1
    theirs = [i for i in threadpool_info() if "numpy" in i["filepath"] and i["user_api"] == "blas"]
    assert numpy_blas[0]["version"] == theirs[0]["version"]
    assert block["cpu"]["cores"] == os.cpu_count() and block["cpu"]["model"]
    assert block["threads"]["OPENBLAS_NUM_THREADS"] == os.environ.get("OPENBLAS_NUM_THREADS")
    json.dumps(block, allow_nan=False)


@pytest.mark.skipif(shutil.which("git") is None, reason="no git")
def test_the_commit_is_heads_when_run_from_a_checkout():
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert prov.provenance()["package"]["commit"] == head


def test_without_git_the_commit_is_null_and_the_rest_is_there():
    code = "import json, model.provenance as p; print(json.dumps(p.provenance()))"
    block = fresh_python(code, PATH="")  # no git to be found
    assert block["package"]["commit"] is None
    assert block["numpy"] == np.__version__ and block["blas"]


def test_it_is_read_once_per_process_and_each_result_gets_its_own_copy():
    first = model.run(example("tiny-2-3-2"))["provenance"]
    hits = prov._provenance.cache_info().hits
    second = model.run(example("tiny-2-3-2"))["provenance"]
    assert prov._provenance.cache_info().hits == hits + 1
    assert prov._provenance.cache_info().misses == 1
    assert first == second and first is not second
    first["host"] = "changed"
    assert prov.provenance()["host"] == socket.gethostname()
