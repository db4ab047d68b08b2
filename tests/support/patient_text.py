"""What a patient reads, as text, and the internal tokens it must never contain.

``visible_text`` takes an HTML page as a reader meets it: the text outside ``<script>`` and
``<style>``, and the attributes a screen reader speaks (``alt``, ``aria-label``, ``title``,
``placeholder``). ``pdf_text`` takes a PDF's text with pypdf. ``internal_tokens`` lists what in a
text is the project's own vocabulary rather than plain words.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

from pypdf import PdfReader

SPOKEN_ATTRIBUTES = ("alt", "aria-label", "title", "placeholder")

# name → pattern; each match is an internal token.
INTERNAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "file name": re.compile(r"\b[\w-]+\.(?:md|py|html|json|txt|csv|yaml|toml)\b", re.I),
    "project path": re.compile(r"\b(?:docs|shared|src|tests|kitclinic|reference)/", re.I),
    "section sign": re.compile(r"§"),
    "code identifier": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "dotted module name": re.compile(r"\bkitclinic\.\w+"),
    "checking marker": re.compile(r"\b(?:confirm|todo|fixme|unverified|tbd|xxx)\b", re.I),
    "to be identified": re.compile(r"to be identified", re.I),
    "source key in brackets": re.compile(r"\[[a-z][a-z0-9]*(?:-[a-z0-9]+)*\]"),
    "LOINC code": re.compile(r"\b\d{3,6}-\d\b"),
    "ICD-10 code": re.compile(r"\b[A-TV-Z]\d{2}(?:\.[0-9A-Z]{1,4})?\b"),
    "DOI or PubMed number": re.compile(r"\b(?:doi|pmid|pmc\d+)\b", re.I),
    "internal version label": re.compile(r"\bevidence-[0-9a-f]{6,}\b"),
}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in SPOKEN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return re.sub(r"\s+", " ", " ".join(reader.parts)).strip()


def pdf_text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pages)).strip()


def internal_tokens(text: str) -> list[str]:
    """Each internal token in ``text``, as ``kind: 'token' in '...context...'``."""
    found = []
    for kind, pattern in INTERNAL_PATTERNS.items():
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 40) : match.end() + 40]
            found.append(f"{kind}: {match.group(0)!r} in {context!r}")
    return found
