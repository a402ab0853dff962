"""The ready job specs in examples/, read as the tests send them."""

from __future__ import annotations

import json
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str) -> dict:
    """The spec in examples/<name>.json."""
    return json.loads((EXAMPLES / f"{name}.json").read_text())
