"""The repository explains itself: what the code and the documents cite is in the repository
(reads the files)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = "DESIGN" + ".md"  # a document the project once leaned on and does not contain


def tracked_text_files() -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [
        ROOT / n
        for n in names
        if n.endswith((".py", ".md", ".toml", ".js", ".html", ".yml")) and (ROOT / n).exists()
    ]


def test_every_cited_document_is_in_the_repository_reads_files():
    missing = set()
    for path in tracked_text_files():
        text = path.read_text(errors="replace")
        if OUTSIDE in text:
            missing.add((path.relative_to(ROOT).as_posix(), OUTSIDE))
        for cited in re.findall(r"\bdocs/[\w-]+\.md\b", text):
            if not (ROOT / cited).exists():
                missing.add((path.relative_to(ROOT).as_posix(), cited))
    assert missing == set()


def test_the_docs_index_links_every_page_reads_files():
    index = (ROOT / "docs" / "README.md").read_text()
    pages = {p.name for p in (ROOT / "docs").glob("*.md")} - {"README.md"}
    assert pages and all(f"({page})" in index for page in pages), pages
