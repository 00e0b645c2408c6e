"""Small HTML helpers for tests: parse real output with the standard library parser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path


class Collector(HTMLParser):
    """Collects elements as (tag, attrs) plus the text, for assertions on real pages."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self._stack: list[str] = []
        self.script_texts: list[str] = []  # executable scripts only (not JSON-LD data blocks)
        self.data_blocks: list[str] = []  # <script type="application/ld+json"> and the like
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            kind = (dict(attrs).get("type") or "text/javascript").lower()
            self._in_script = True
            self._target = self.data_blocks if kind.endswith("json") else self.script_texts
            self._target.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self._target[-1] += data
        else:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, tag: str, **attrs: str) -> list[dict[str, str | None]]:
        return [
            a
            for t, a in self.elements
            if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


def parse(path: Path | str) -> Collector:
    c = Collector()
    text = Path(path).read_text(encoding="utf-8") if isinstance(path, Path) else path
    c.feed(text)
    c.close()
    return c
