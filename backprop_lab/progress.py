"""A text progress bar of passes done, for long waits: the CLI's `--wait` and
`Client.wait(..., progress=True)`."""

from __future__ import annotations

import sys
from typing import TextIO


def bar_text(done: int, total: int, width: int = 30, unit: str = "passes") -> str:
    share = done / total if total else 1.0
    filled = round(width * share)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:4.0%}  {done}/{total} {unit}"


class ProgressBar:
    """Redraws one line on a terminal; elsewhere writes a line per tenth of the way. Call it
    with (done, total); `close()` ends the line."""

    def __init__(self, stream: TextIO | None = None, unit: str = "passes"):
        self.stream = stream or sys.stderr
        self.unit = unit
        self.tty = self.stream.isatty()
        self.shown = -1
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        text = bar_text(done, total, unit=self.unit)
        if self.tty:
            self.stream.write("\r" + text)
            self.drawn = True
        elif (tenth := 10 * done // max(total, 1)) > self.shown:
            self.shown = tenth
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
