"""Right-to-left pages and names: an Arabic site is mirrored, and a list of names in
mixed scripts keeps its order on any page.

Each test builds a small site whose authors write in Arabic, Hebrew and English through
the real command line, then reads the output as a parser or a browser does.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from siteserver import serve

AUTHORS = ["محمد العلي", "فاطمة الزهراء", "אבי כהן", "John Smith"]
PAPERS = {
    "ar1": ("نماذج الانتشار للتعلم العميق: دراسة؟", "2023-03-05", AUTHORS),
    "he1": ("למידה עמוקה (גרסה 2.0)!", "2022-07-01", ["אבי כהן", "שרה לוי", "محمد العلي"]),
    "en1": ("Diffusion for point clouds", "2021-01-15", ["John Smith", "محمد العلي"]),
}


PAPER = "---\ntitle: {title}\ndate: {date}\ntopic: LG\nauthors: [John Smith]\n{more}---\n{body}"


def paper(title: str, date: str, body: str, more: str = "") -> str:
    """A paper file by John Smith, `more` its other front matter lines."""
    return PAPER.format(title=title, date=date, more=more, body=body)


def mixed_site(root: Path, language: str, extra: dict[str, str] | None = None) -> Path:
    """A site owned by محمد العلي with papers, news and a CV in three scripts, built; `extra`:
    more paper files by name, each its whole text."""
    content = root / "content"
    (content / "papers").mkdir(parents=True)
    (content / "news").mkdir()
    (root / "sitegen.yaml").write_text(
        f"language: {language}\nbase_url: https://example.org/\nsearch: false\n", encoding="utf-8"
    )
    (content / "profile.yaml").write_text("name: محمد العلي\nfield: LG\n", encoding="utf-8")
    for slug, (title, date, authors) in PAPERS.items():
        names = "".join(f"- {a}\n" for a in authors)
        (content / "papers" / f"{slug}.md").write_text(
            f'---\ntitle: "{title}"\ndate: {date}\ntopic: LG\nauthors:\n{names}---\nملخص.\n',
            encoding="utf-8",
        )
    (content / "news" / "n1.md").write_text(
        "---\ndate: 2024-03-02\ntitle: فاز بحثنا (2024)!\n---\nخبر.\n", encoding="utf-8"
    )
    (content / "resume.yaml").write_text(
        "publications:\n  - {name: 'מאמר חיצוני (2.0)!', releaseDate: '2020'}\n", encoding="utf-8"
    )
    for name, text in (extra or {}).items():
        (content / "papers" / name).write_text(text, encoding="utf-8")
    run_cli("build", "--site", root, "--no-cache", check=True)
    return root / "output"


def isolated(html: str) -> list[str]:
    """The text of each <bdi> in the page, tags stripped."""
    return [re.sub(r"<[^>]+>", "", b) for b in re.findall(r"<bdi>(.*?)</bdi>", html, re.S)]


@pytest.mark.parametrize(
    ("language", "rtl"),
    [
        ("ar", True),
        ("he-IL", True),
        ("CKB", True),
        ("en", False),
        ("arn", False),
        ("ku-Arab", True),  # a language written in more than one script: by its script
        ("az-Arab-IR", True),
        ("az", False),
        ("syr", True),
    ],
)
def test_only_right_to_left_languages_make_the_pages_rtl(
    tmp_path: Path, language: str, rtl: bool
) -> None:
    """`language: ar` gave `<html lang="ar">` with no direction, so Arabic pages ran left
    to right. A right-to-left primary subtag (any case, any region) now sets dir="rtl";
    Mapudungun (`arn`) only starts like Arabic."""
    out = mixed_site(tmp_path / "site", language)
    for page in ("index.html", "papers/ar1/index.html", "cv/index.html", "404.html"):
        tag = re.search(r"<html[^>]*>", (out / page).read_text(encoding="utf-8"))
        assert tag and f'lang="{language}"' in tag.group(), page
        assert ('dir="rtl"' in tag.group()) == rtl, (page, tag.group())


def test_names_are_isolated_and_titles_take_their_own_direction(tmp_path: Path) -> None:
    """Names went in bare, so a right-to-left name in an English list swapped places with
    its neighbour and a count beside it jumped sides; titles inherited the page's
    direction, so a Hebrew title's "!" and brackets sat on the wrong end."""
    out = mixed_site(tmp_path / "site", "en")
    read = lambda page: (out / page).read_text(encoding="utf-8")  # noqa: E731
    coauthors = set(AUTHORS[1:]) | {"שרה לוי"}
    home, paper, cv = read("index.html"), read("papers/ar1/index.html"), read("cv/index.html")
    byline = paper[paper.index('class="byline"') :]
    assert isolated(byline)[:4] == AUTHORS  # the author list, each name on its own
    assert coauthors <= set(isolated(home))  # paper items and frequent coauthors
    assert coauthors <= set(isolated(read("coauthors/index.html")))  # table and network
    network = read("coauthors/index.html").split('class="chart-table"')[1]
    assert coauthors <= set(isolated(network))
    assert set(AUTHORS) <= set(isolated(cv))
    for page, pattern in [
        (paper, r'<h1 dir="auto"[^>]*>نماذج'),
        (home, r'<h3 dir="auto" class="paper-title"><a [^>]+>למידה'),
        (read("timeline/index.html"), r'<h3 dir="auto" class="paper-title">'),
        (cv, r'<a class="cv-pub-title" dir="auto" href="[^"]+">نماذج'),
        (cv, r'<span class="cv-pub-title" dir="auto">מאמר'),
        (read("news/index.html"), r'<h2 dir="auto" class="news-title">فاز'),
    ]:
        assert re.search(pattern, page), pattern
    # names inside sentences too: the footer, a coauthor page's lede, the paper's note
    owner = "محمد العلي"  # profile.yaml's name
    coauthor = next((out / "coauthors").glob("*/index.html")).read_text(encoding="utf-8")
    assert f"&copy; <bdi>{owner}</bdi>." in home and f"with <bdi>{owner}</bdi>," in coauthor
    assert re.search(r'<h1 dir="auto">', coauthor)


# ---------------------------------------------------------------- in a browser

PLACES = """sel => [...document.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect();
    return [e.textContent, (r.top + r.bottom) / 2, r.left];
})"""


def reading_order(places: list, rtl: bool) -> list[str]:
    """Names as a reader meets them: line by line (a script's own font may sit a few pixels
    higher on the same line), then along the line in the page's direction."""
    line, last, keyed = 0, None, []
    for name, y, x in sorted(places, key=lambda p: p[1]):
        line += last is not None and y - last > 8
        last = y
        keyed.append(((line, -x if rtl else x), name))
    return [name for _, name in sorted(keyed)]


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_mixed_names_keep_their_order(tmp_path: Path, chromium, language: str) -> None:
    """An English byline [محمد العلي, فاطمة الزهراء, אבי כהן, John Smith] showed the three
    right-to-left names in reverse order; on a right-to-left page they read from the right."""
    with serve(mixed_site(tmp_path / "site", language), REPO / "netlify.toml") as base:
        for width in (390, 1280):
            page = chromium.new_page(viewport={"width": width, "height": 900})
            page.goto(base + "papers/ar1/")
            places = page.evaluate(PLACES, ".byline .authors :is(a, strong)")
            page.close()
            assert reading_order(places, language == "ar") == AUTHORS, (width, places)


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_arabic_site_is_mirrored(tmp_path: Path, chromium, language: str) -> None:
    """An Arabic site was laid out left to right, its paper items' accent bar on the left;
    mirrored, the network's labels must still sit beside their nodes, not on them."""
    with serve(mixed_site(tmp_path / "site", language), REPO / "netlify.toml") as base:
        for width in (390, 1280):
            page = chromium.new_page(viewport={"width": width, "height": 900})
            page.goto(base + "")
            bar = page.evaluate(
                """() => { const s = getComputedStyle(document.querySelector('.paper-item'));
                    return [s.borderLeftWidth, s.borderRightWidth]; }"""
            )
            page.goto(base + "coauthors/")
            on_nodes = page.evaluate(
                """() => [...document.querySelectorAll('.network-svg .person')].filter(g => {
                    const a = g.querySelector('circle').getBoundingClientRect();
                    const b = g.querySelector('text').getBoundingClientRect();
                    return a.left < b.right && b.left < a.right
                        && a.top < b.bottom && b.top < a.bottom;
                }).map(g => g.querySelector('text').textContent)"""
            )
            page.close()
            assert bar == (["0px", "3px"] if language == "ar" else ["3px", "0px"]), (width, bar)
            assert on_nodes == [], (width, on_nodes)


@pytest.mark.browser
def test_a_paragraph_keeps_its_own_direction(tmp_path: Path, chromium) -> None:
    """On an Arabic site an English abstract with one Arabic word read `.words inside عربي An
    English abstract with some`: each paragraph now takes its own direction, and so does
    each of the CV's entries."""
    english = "An English abstract with some عربي words inside.\n"
    out = mixed_site(tmp_path / "site", "ar", {"en2.md": paper("Mixed", "2022-08-31", english)})
    with serve(out, REPO / "netlify.toml") as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})  # one line each
        page.goto(base + "papers/en2/")
        first, last = page.evaluate(
            """() => { const t = document.querySelector('.abstract p').firstChild;
                const at = w => { const r = document.createRange(), i = t.data.indexOf(w);
                    r.setStart(t, i); r.setEnd(t, i + w.length);
                    return r.getBoundingClientRect().left; };
                return [at('An'), at('inside')]; }"""
        )
        # and in the CV: its English entries had read `John ,Mixed .Smith` on an Arabic site
        page.goto(base + "cv/")
        title, name = page.evaluate(
            """() => { const li = [...document.querySelectorAll('.cv-pubs li')]
                    .find(e => e.textContent.includes('Mixed'));
                const at = w => { const t = [...li.querySelectorAll('*'), li]
                        .flatMap(e => [...e.childNodes]).find(n => n.nodeType === 3
                            && n.data.includes(w));
                    const r = document.createRange(), i = t.data.indexOf(w);
                    r.setStart(t, i); r.setEnd(t, i + w.length);
                    return r.getBoundingClientRect().left; };
                return [at('Mixed'), at('Smith')]; }"""
        )
        page.close()
    assert first < last  # read from the left, as English is
    assert title < name


@pytest.mark.browser
def test_a_list_items_date_and_topic_keep_their_order_with_code_after_them(
    tmp_path: Path, chromium
) -> None:
    """An i18n hunter's: on a Hebrew site every list item read date, then topic, from the
    right, but one with "code available" after them read as one English run, its date on
    the left."""
    code = paper("With Code", "2024-11-18", "A.\n", more="code: true\n")
    out = mixed_site(tmp_path / "site", "ar", {"code.md": code})
    with serve(out, REPO / "netlify.toml") as base:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "timeline/")
        order = page.evaluate(
            """() => [...document.querySelectorAll('.paper-item .paper-meta')].map(m => {
                const left = sel => m.querySelector(sel).getBoundingClientRect().left;
                return [m.textContent.includes('code'), left('time') > left('.chip')]; })"""
        )
        page.close()
    assert [True, True] in order  # the item with code, its date on the right as the others
    assert all(right for _, right in order), order
