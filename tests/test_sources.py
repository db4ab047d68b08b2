"""The project is self-contained in its sources: nothing points at a file outside the repository,
every source key cited anywhere is defined in docs/sources.md, and every key defined there is
cited somewhere (a code comment, a data field, a doc or a test)."""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path

from kitclinic.outcomes.evidence.references import REFERENCES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
SCANNED = ("src/", "tests/", "docs/", "bench/", "README.md", "Makefile")
TEXT_SUFFIXES = {".py", ".md", ".html", ".txt", ".js", ".css", ".toml", ".cfg", ".ini", ".json"}

# Files that quote the old labels on purpose: the migration that replaces them in stored
# drug-library versions, its frozen table, and its test.
QUOTES_OLD_LABELS = {
    "src/kitclinic/infusions/migrations/library_source_keys.json",
    "tests/infusions/test_migration_library_source_keys.py",
    "tests/test_sources.py",
}

# A key: lowercase words joined by hyphens, the first at least 3 characters ([sanacora-2017]).
# Single-word keys ([loinc]) are checked only for being cited, since "[name]" is also code.
CITED_KEY = re.compile(r"(?<!ignore)\[([a-z][a-z0-9]{2,}(?:-[a-z0-9]+)+)\]")
DEFINED_KEY = re.compile(r"^### \[([a-z][a-z0-9-]*)\]", re.MULTILINE)
# Not source keys: HTML data attributes in templates and scripts.
NOT_KEYS = re.compile(r"^(data|aria)-")

OUTSIDE = [
    (re.compile(r"shared/reference|\.\./shared\b"), "the notes folder outside the repository"),
    (re.compile(r"(?<![\w.])/work/"), "an absolute path on a development machine"),
    (re.compile(r"\.md\s*§"), "a section of a markdown file (sections of notes outside the repo)"),
]
MARKDOWN_NAME = re.compile(r"(?<![\w/.-])((?:\.\./|\./)?[\w./-]*[\w-]+\.md)\b")


@cache
def tracked() -> tuple[str, ...]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return tuple(
        path
        for path in out.splitlines()
        if path.startswith(SCANNED) and Path(path).suffix in TEXT_SUFFIXES | {""}
    )


@cache
def texts() -> dict[str, str]:
    found = {}
    for path in tracked():
        file = ROOT / path
        if not file.is_file():
            continue
        try:
            found[path] = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
    return found


def defined_keys() -> set[str]:
    return set(DEFINED_KEY.findall(SOURCES.read_text(encoding="utf-8")))


def test_the_scan_sees_the_project():
    assert "docs/sources.md" in texts() and "README.md" in texts()
    assert any(path.startswith("src/kitclinic/") for path in texts())


def test_nothing_points_at_a_file_outside_the_repository():
    markdown_names = {Path(path).name for path in tracked() if path.endswith(".md")}
    problems = []
    for path, text in texts().items():
        if path in QUOTES_OLD_LABELS:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for pattern, why in OUTSIDE:
                if pattern.search(line):
                    problems.append(f"{path}:{number}: {why}: {line.strip()[:120]}")
            for name in MARKDOWN_NAME.findall(line):
                if Path(name).name not in markdown_names:
                    problems.append(f"{path}:{number}: {name} is not a file of the repository")
    assert not problems, "\n".join(problems)


def test_every_cited_source_key_is_defined_in_sources_md():
    defined = defined_keys()
    problems = [
        f"{path}: [{key}] is not in docs/sources.md"
        for path, text in texts().items()
        if path not in QUOTES_OLD_LABELS
        for key in sorted(set(CITED_KEY.findall(text)))
        if key not in defined and not NOT_KEYS.match(key)
    ]
    assert not problems, "\n".join(problems)


def test_every_study_on_the_information_sheet_has_a_sources_entry():
    defined = defined_keys()
    missing = [r.key for r in REFERENCES.values() if r.source not in defined]
    assert not missing


def test_every_key_in_sources_md_is_cited_in_the_project():
    cited = {r.source for r in REFERENCES.values()}
    for path, text in texts().items():
        if path != "docs/sources.md":
            cited.update(re.findall(r"\[([a-z][a-z0-9-]*)\]", text))
    assert not sorted(defined_keys() - cited)


def test_sources_md_defines_each_key_once():
    keys = DEFINED_KEY.findall(SOURCES.read_text(encoding="utf-8"))
    assert len(keys) == len(set(keys))
