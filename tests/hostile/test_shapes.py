"""Odd shapes: the smallest and most lopsided profiles still make sensible sites.

One paper; no coauthors at all; one coauthor on every paper; every paper in one
year; the owner hidden in "et al." everywhere; papers without abstracts. Each
is imported and built with the real CLI, then every page is checked: no
heading with nothing under it, no empty list or table, no broken internal link,
no "1 papers" and no "2024–2024", and the pages that should not exist (a
coauthor index entry, a year index, a pager) do not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import AS_OF, BASE_URL, run_cli

from .util import broken_links, empty_sections, parse_tree

# slow: nine imported and searched sites; test_build covers one shape in the quick loop
pytestmark = pytest.mark.slow

OWNER = "Ana Owner"


def profile(papers: list[tuple[str, str, str, str]]) -> str:
    """papers: (date line, title, authors line, abstract)."""
    out = [OWNER, "", "CV", f"{len(papers)} Papers", ""]
    for date, title, authors, abstract in papers:
        out += [date, title, "", authors, ""] + ([abstract, ""] if abstract else [])
    return "\n".join(out)


SHAPES = {
    "one paper": [("LGMar 3, 2024", "Alone: a paper", f"{OWNER}, Bo Coauthor", "Only one.")],
    "no coauthors": [
        (f"{t}{d}", f"Solo work {i}: notes", OWNER, f"Abstract {i}.")
        for i, (t, d) in enumerate(
            [
                ("LG", "Mar 3, 2024"),
                ("CV", "Jan 9, 2021"),
                ("LG", "Feb 1, 2019"),
                ("CL", "Dec 24, 2023"),
            ]
        )
    ],  # fmt: skip
    "one coauthor on every paper": [
        (f"LG{d}", f"Together {i}: notes", f"{OWNER}, Bo Coauthor", f"Abstract {i}.")
        for i, d in enumerate(["Mar 3, 2024", "Jan 9, 2021", "Feb 1, 2019"])
    ],
    "all papers in one year": [
        (f"{t}{m} {d}, 2022", f"Year paper {i}: notes", f"{OWNER}, Co {chr(65 + i)}", "Text.")
        for i, (t, m, d) in enumerate(
            [
                ("LG", "Jan", 3),
                ("CV", "Apr", 9),
                ("LG", "Jun", 1),
                ("CL", "Nov", 30),
                ("LG", "Nov", 30),
            ]
        )
    ],  # fmt: skip
    "owner always in et al.": [
        (f"LG{d}", f"Hidden {i}: notes", "Bo Coauthor, Cy Coauthor et al.", f"Abstract {i}.")
        for i, d in enumerate(["Mar 3, 2024", "Jan 9, 2021"])
    ],
    "no abstracts, one topic": [
        (f"RO{d}", f"Bare {i}: notes", f"{OWNER}, Bo Coauthor", "")
        for i, d in enumerate(["Mar 3, 2024", "Jan 9, 2021", "Feb 1, 2020"])
    ],
}
PLURAL_SLIPS = re.compile(
    r"\b(?:1|one) (?:papers|publications|coauthors|joint papers|topics|arXiv subjects|years)\b"
    r"|\b(?:0|[2-9]|\d\d+) (?:paper|publication|coauthor|joint paper|topic|arXiv subject)\b(?!s)"
)
SAME_YEAR_RANGE = re.compile(r"\b(\d{4})\s*[–-]\s*\1\b")


@pytest.fixture(scope="module", params=sorted(SHAPES))
def shaped(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("shape")
    path = root / "profile.txt"
    path.write_text(profile(SHAPES[request.param]), encoding="utf-8")
    site = root / "site"
    run_cli("import", path, "--site", site, "--as-of", AS_OF, check=True)
    proc = run_cli("build", "--site", site, "--base-url", BASE_URL)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return request.param, site / "output"


def pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if "pagefind" not in p.parts)


def test_no_empty_sections(shaped) -> None:  # type: ignore[no-untyped-def]
    _, out = shaped
    problems = []
    for page in pages(out):
        tree = parse_tree(page.read_text(encoding="utf-8"))
        main = next((n for n in tree.root.iter() if n.tag == "main"), tree.root)
        problems += [f"{page.relative_to(out)}: {p}" for p in empty_sections(main)]
    assert not problems, "\n".join(problems)


def test_no_broken_links(shaped) -> None:  # type: ignore[no-untyped-def]
    _, out = shaped
    assert not broken_links(out)


def test_counts_and_ranges_read_well(shaped) -> None:  # type: ignore[no-untyped-def]
    _, out = shaped
    problems = []
    for page in pages(out):
        tree = parse_tree(page.read_text(encoding="utf-8"))
        texts = [tree.root.text()] + [
            n.attrs.get("content") or "" for n in tree.root.iter() if n.tag == "meta"
        ]
        for text in texts:
            for m in PLURAL_SLIPS.finditer(text):
                problems.append(f"{page.relative_to(out)}: {m.group(0)!r}")
            for m in SAME_YEAR_RANGE.finditer(text):
                problems.append(f"{page.relative_to(out)}: {m.group(0)!r}")
    assert not problems, "\n".join(sorted(set(problems)))


def test_pages_fit_the_shape(shaped) -> None:  # type: ignore[no-untyped-def]
    name, out = shaped
    papers = SHAPES[name]
    assert len(list((out / "papers").glob("*/index.html"))) == len(papers)
    coauthors = sorted(p.name for p in (out / "coauthors").iterdir() if p.is_dir())
    names = {
        n.strip()
        for _, _, authors, _ in papers
        for n in authors.replace(" et al.", "").split(",")
        if n.strip() != OWNER
    }
    assert len(coauthors) == len(names), coauthors
    home = parse_tree((out / "index.html").read_text(encoding="utf-8")).root
    headings = [n.text() for n in home.iter() if n.tag == "h2"]
    assert ("Frequent coauthors" in headings) == bool(names), headings
    index = parse_tree((out / "coauthors" / "index.html").read_text(encoding="utf-8")).root
    table = [
        n
        for n in index.iter()
        if n.tag == "table" and "coauthor-table" in (n.attrs.get("class") or "")
    ]  # noqa: E501
    rows = [n for t in table for n in t.iter() if n.tag == "tr"][1:]  # after the header row
    assert len(rows) == len(names)
    if not names:
        assert "No coauthors yet" in index.text()
    timeline = parse_tree((out / "timeline" / "index.html").read_text(encoding="utf-8")).root
    years = {d.split(", ")[1] if ", " in d else str(AS_OF.year) for d, *_ in papers}
    assert len([n for n in timeline.iter() if n.tag == "section"]) >= len(years)
    has_year_index = any(n.tag == "nav" and "year-index" in (n.attrs.get("class") or "")
                         for n in timeline.iter())  # fmt: skip
    assert has_year_index == (len(years) > 1)
    if len(papers) == 1:
        paper = next((out / "papers").glob("*/index.html"))
        tree = parse_tree(paper.read_text(encoding="utf-8")).root
        assert not any(
            n.tag == "nav" and "pager" in (n.attrs.get("class") or "") for n in tree.iter()
        )
