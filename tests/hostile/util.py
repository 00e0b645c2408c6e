"""Helpers for the hostile suite: snapshots of folders, page structure, a plain HTTP host."""

from __future__ import annotations

import functools
import hashlib
import http.server
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# ---------------------------------------------------------------- snapshots


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Every entry under `root` (files by content hash, folders, symlinks by target).

    Comparing two snapshots shows any file written, changed or removed anywhere
    under `root`, which is how the tests prove nothing escaped the output folder.
    """
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(
            d for d in dirnames if os.path.normpath(os.path.join(rel_dir, d)) not in skip
        )
        for d in dirnames:
            path = os.path.join(dirpath, d)
            rel = os.path.normpath(os.path.join(rel_dir, d))
            out[rel + "/"] = "link:" + os.readlink(path) if os.path.islink(path) else "dir"
        for f in sorted(filenames):
            path = os.path.join(dirpath, f)
            rel = os.path.normpath(os.path.join(rel_dir, f))
            if rel in skip:
                continue
            if os.path.islink(path):
                out[rel] = "link:" + os.readlink(path)
            else:
                with open(path, "rb") as fh:
                    out[rel] = hashlib.sha256(fh.read()).hexdigest()
    return out


def diff(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changes = []
    for k in sorted(set(before) | set(after)):
        if k not in after:
            changes.append(f"removed {k}")
        elif k not in before:
            changes.append(f"added {k}")
        elif before[k] != after[k]:
            changes.append(f"changed {k}")
    return changes


# ---------------------------------------------------------------- HTML structure


VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


class Node:
    __slots__ = ("tag", "attrs", "children", "parent", "line")

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None, line: int):
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []
        self.parent = parent
        self.line = line

    def text(self) -> str:
        parts: list[str] = []

        def walk(n: Node) -> None:
            for c in n.children:
                if isinstance(c, str):
                    parts.append(c)
                elif c.tag not in ("script", "style", "template") and "hidden" not in c.attrs:
                    walk(c)

        walk(self)
        return " ".join(" ".join(parts).split())

    def iter(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def __repr__(self) -> str:
        return f"<{self.tag} line {self.line}>"


class TreeBuilder(HTMLParser):
    """A small DOM: enough to ask "does this heading have anything under it"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {}, None, 0)
        self.cur = self.root
        self.scripts: list[tuple[dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.cur, self.getpos()[0])
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cur.children.append(Node(tag, dict(attrs), self.cur, self.getpos()[0]))

    def handle_endtag(self, tag: str) -> None:
        n: Node | None = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            if tag == "script":
                self.scripts.append((n.attrs, "".join(c for c in n.children if isinstance(c, str))))
            self.cur = n.parent

    def handle_data(self, data: str) -> None:
        self.cur.children.append(data)


def parse_tree(html: str) -> TreeBuilder:
    t = TreeBuilder()
    t.feed(html)
    t.close()
    return t


# What sitegen may emit inside <math> (issue 16): MathML Core's elements and the
# attributes that only shape layout. Written out here rather than imported, so the
# tests hold sitegen to the spec, not to its own list.
MATHML_ELEMENTS = frozenset(
    "math mrow mi mn mo mtext ms mspace mfrac msqrt mroot mstyle merror mpadded mphantom"
    " msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr"
    " mtd semantics annotation menclose".split()
)
MATHML_ATTRIBUTES = frozenset(
    "xmlns display alttext dir displaystyle scriptlevel mathsize mathvariant form fence"
    " separator lspace rspace stretchy symmetric maxsize minsize largeop movablelimits accent"
    " accentunder linethickness width height depth voffset linebreak columnalign rowalign"
    " columnlines rowlines columnspacing rowspacing columnspan rowspan notation encoding".split()
)


def mathml_problems(root: Node) -> list[str]:
    """Elements and attributes inside any <math> that are not on the MathML allowlist."""
    problems = []
    for m in root.iter():
        if m.tag != "math":
            continue
        for n in m.iter():
            if n.tag not in MATHML_ELEMENTS:
                problems.append(f"line {n.line}: <{n.tag}> inside <math>")
            for name, value in n.attrs.items():
                if name not in MATHML_ATTRIBUTES:
                    problems.append(f"line {n.line}: <{n.tag} {name}={(value or '')[:40]!r}>")
    return problems


HEADING = re.compile(r"h[1-6]$")


def empty_sections(root: Node) -> list[str]:
    """Headings with nothing after them before the next heading of the same or a
    higher level, sections holding only a heading, and empty lists or tables."""
    problems = []
    for n in root.iter():
        live = "search-results" in (n.attrs.get("class") or "") or "aria-live" in n.attrs
        if (
            n.tag in ("ul", "ol", "dl", "tbody", "table")
            and not live
            and not any(isinstance(c, Node) for c in n.children)
        ):  # (a list that scripts fill, such as search results, starts empty)
            problems.append(f"empty <{n.tag}> at line {n.line}")
        if n.tag in ("section", "article", "aside", "nav"):
            kids = [c for c in n.children if isinstance(c, Node) or c.strip()]
            if all(isinstance(c, Node) and HEADING.match(c.tag) and c.tag != "h1" for c in kids):
                problems.append(f"<{n.tag}> with only a heading (or nothing) at line {n.line}")
        if HEADING.match(n.tag) and n.parent is not None:
            if not n.text():
                problems.append(f"empty <{n.tag}> at line {n.line}")
            level = int(n.tag[1])
            sibs = n.parent.children
            after = sibs[sibs.index(n) + 1 :]
            content = False
            for c in after:
                if isinstance(c, str):
                    if c.strip():
                        content = True
                        break
                    continue
                if HEADING.match(c.tag) and int(c.tag[1]) <= level:
                    break
                if c.text() or any(x.tag in ("svg", "img", "table") for x in c.iter()):
                    content = True
                    break
            # a page's <h1> may stand alone in a header; a section heading may not
            if not content and n.tag != "h1":
                problems.append(f"<{n.tag}> {n.text()!r} has nothing under it (line {n.line})")
    return problems


def broken_links(output: Path) -> list[str]:
    """Every internal href/src of every page that names no file in `output`."""
    broken = []
    for page in sorted(output.rglob("*.html")):
        tree = parse_tree(page.read_text(encoding="utf-8"))
        for n in tree.root.iter():
            for attr in ("href", "src"):
                url = n.attrs.get(attr)
                if not url or url.startswith(("#", "mailto:", "http://", "https://", "data:")):
                    continue
                if n.tag == "link" and n.attrs.get("rel") == "canonical":
                    continue
                path = unquote(urlsplit(url).path)
                if path.startswith("/"):
                    continue  # root-absolute: only the 404 page uses these (served at any depth)
                target = (page.parent / path).resolve()
                if target.is_dir():
                    target = target / "index.html"
                if not target.is_file():
                    broken.append(f"{page.relative_to(output)}: {attr}={url}")
    return broken


# ---------------------------------------------------------------- a plain static host


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def http_host(root: Path) -> Iterator[str]:
    """Serve `root` over HTTP on a free loopback port, with no security headers at
    all: an injected script would run here, so a test that sees none proves more."""
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
