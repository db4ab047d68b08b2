"""Run every benchmark and write the table to docs/benchmarks.md.

Each module ``bench/<name>.py`` listed in BENCHMARKS has ``main() -> str`` that measures in one
run and returns a Markdown section (figures as ratios against the named peer or baseline).
Usage: ``make bench`` or ``.venv/bin/python bench/run.py [name ...]``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import platform
import re
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
DOC = BENCH_DIR.parent / "docs" / "benchmarks.md"
BENCHMARKS = ["pk", "web", "outcomes", "instruments", "sessions", "audit", "lists", "fhir"]
MARK = "<!-- bench:{name} -->"
# A benchmark whose module has another name: ``bench/fhir.py`` would hide the ``fhir`` package
# (fhir.resources) from everything imported after it.
MODULES = {"fhir": "fhirbulk"}


def _replace_section(doc: str, name: str, section: str) -> str:
    start, end = MARK.format(name=name), MARK.format(name=f"/{name}")
    block = f"{start}\n{section.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(doc):
        return pattern.sub(lambda _: block, doc)
    return doc.rstrip() + "\n\n" + block + "\n"


def main(names: list[str]) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    doc = (
        DOC.read_text()
        if DOC.exists()
        else (
            "# Benchmarks\n\nProduced by `make bench` (all) or `.venv/bin/python bench/run.py NAME`.\n"
            "Each section is replaced when its benchmark runs again.\n"
        )
    )
    for name in names or BENCHMARKS:
        module = importlib.import_module(MODULES.get(name, name))
        section = module.main()
        stamp = f"_Measured {dt.date.today().isoformat()} on {platform.machine()}, Python {platform.python_version()}; command: `.venv/bin/python bench/run.py {name}`._"
        doc = _replace_section(doc, name, section + "\n\n" + stamp)
        print(section)
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
