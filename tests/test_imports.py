"""The house is one-directional: api -> worker -> model (and the command above them all), with
no import circle, no web, queue or store library in model/, and an `import api` that leaves the
worker unconfigured. The sources are read (the AST of every module), and the imports are run
in a fresh interpreter."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from tests.support.processes import fresh_python

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("model", "worker", "api", "backprop_lab")  # each may import only those before it
SERVICE_LIBRARIES = (
    "flask",
    "flask_cors",
    "flask_limiter",
    "werkzeug",
    "celery",
    "kombu",
    "redis",
    "requests",
    "pydantic_settings",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for layer in LAYERS for p in (ROOT / layer).rglob("*.py")}


def run_time_nodes(tree: ast.AST):
    """Every node but those under `if TYPE_CHECKING:` (imports for annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from run_time_nodes(node)


def imported(name: str, source: str | None = None) -> set[str]:
    """The modules `name` imports when it runs (inside functions too): for
    `from package import x`, the module package.x if there is one, else the package. `source`
    stands for the module's file."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in run_time_nodes(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            source = node.module if not node.level else ".".join(filter(None, (base, node.module)))
            for alias in node.names:
                found.add(
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                )
    return found - {name}


IMPORTS = {name: imported(name) for name in MODULES}


def test_each_layer_imports_only_the_layers_below_it():
    wrong = [
        (name, target)
        for name, targets in IMPORTS.items()
        for target in targets
        if target.split(".")[0] in LAYERS
        and LAYERS.index(target.split(".")[0]) > LAYERS.index(name.split(".")[0])
    ]
    assert wrong == []


def test_the_model_uses_no_web_queue_or_store_library():
    used = {
        (name, target)
        for name, targets in IMPORTS.items()
        if name.startswith("model")
        for target in targets
        if target.split(".")[0] in SERVICE_LIBRARIES
    }
    assert used == set()


def test_pydantic_stays_at_the_models_edge():
    """The spec is pydantic; past model/job.py, the network and the batch are arrays."""
    edge = {name for name in MODULES if name.startswith("model.spec")} | {"model.job", "model"}
    spec_users = {
        name
        for name, targets in IMPORTS.items()
        if name.startswith("model")
        and any(t.split(".")[0] == "pydantic" or t.startswith("model.spec") for t in targets)
    }
    # run reads the options (spec.include, ...); result_size estimates the result from them
    assert spec_users <= edge | {"model.run", "model.result_size"}
    assert not {"model.network", "model.batches", "model.backprop", "model.naive"} & spec_users


def circle(graph: dict[str, set[str]]) -> list[str]:
    """An import circle in `graph`, or []."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as error:
        return error.args[1]
    return []


def test_no_import_circle():
    assert (
        circle({name: {t for t in targets if t in MODULES} for name, targets in IMPORTS.items()})
        == []
    )


LATE_IMPORTS = """

def send_later():
    from .tasks import run_part  # late: only when called

    return run_part


class Joiner:
    def join(self):
        try:
            import worker.tasks
        except ImportError:
            return None
        return worker.tasks


if TYPE_CHECKING:
    from api import create_app  # for annotations only: never run
"""


def test_the_scan_sees_a_circle_through_a_late_import():
    """worker/split.py used to import worker/tasks.py inside a function, to break the circle
    at import time only. The scan reads function bodies too: worker/split.py's own source with
    such imports added (in a function, in a method under a try) is scanned, and the circle
    with worker/tasks.py is found; an import for annotations only is not counted."""
    assert "worker.split" in IMPORTS["worker.tasks"]
    assert "worker.tasks" not in IMPORTS["worker.split"]  # the circle is gone today
    source = MODULES["worker.split"].read_text()
    pieces = LATE_IMPORTS.split("\n\n\n")
    assert len(pieces) == 3
    for late in pieces:
        scanned = imported("worker.split", source + late)
        if "TYPE_CHECKING" in late:
            assert scanned == IMPORTS["worker.split"]
            continue
        assert scanned == IMPORTS["worker.split"] | {"worker.tasks"}, late
        assert {"worker.split", "worker.tasks"} <= set(circle({**IMPORTS, "worker.split": scanned}))


IMPORT_THE_API = """
import json, os, sys
import api
from celery import current_app
from celery.signals import worker_ready
print(json.dumps({
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("worker", "numpy")),
    "threads": os.environ.get("OPENBLAS_NUM_THREADS"),
    "current_app": current_app.main,
    "ready_hooks": len(worker_ready.receivers or []),
}))
"""


def test_importing_the_api_does_not_configure_the_worker():
    seen = fresh_python(IMPORT_THE_API)
    worker_modules = {m for m in seen["modules"] if m.startswith("worker")}
    assert worker_modules == {
        "worker",
        "worker.accounting",
        "worker.cache",
        "worker.celery_config",
        "worker.keyspace",
        "worker.names",
        "worker.problems",
        "worker.queues",
        "worker.records",
        "worker.redis_check",
        "worker.result_codec",
        "worker.results",
        "worker.score_records",  # a finished LTI round's score, written before it is queued
        "worker.scripts",
        "worker.settings",
        "worker.sweeps",
        "worker.tool_keys",  # the signing keys, which the API signs with too
    }
    assert seen["threads"] is None  # the BLAS variables are the worker's business
    assert seen["current_app"] != "backprop-lab" and seen["ready_hooks"] == 0
