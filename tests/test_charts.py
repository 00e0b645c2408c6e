"""Charts drawn at build time: present, accessible, CSP-clean, legible on a phone, dark-aware."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import AS_OF, BASE_URL, MAKE_PROFILE, REPO, english_words, papers_site, run_cli
from htmlutil import parse
from siteserver import serve

from sitegen.build import load_site
from sitegen.charts import chart_series, network_chart, timeline_chart, topic_chart

EN = english_words()

SVG_NS = "{http://www.w3.org/2000/svg}"


def svgs(html: str) -> list[ET.Element]:
    """Every inline <svg> of a page, parsed as XML (so each must be well-formed)."""
    out = []
    for m in re.finditer(r"<svg\b.*?</svg>", html, re.S):
        text = m.group(0)
        if "xmlns=" not in text[:200]:
            text = text.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        out.append(ET.fromstring(text))
    return out


def chart_svg(html: str, cls: str) -> ET.Element:
    found = [s for s in svgs(html) if cls in (s.get("class") or "").split()]
    assert len(found) == 1, cls
    return found[0]


def check_accessible(svg: ET.Element, html: str) -> None:
    assert svg.get("role") == "img"
    ids = (svg.get("aria-labelledby") or "").split()
    assert len(ids) == 2
    title = svg.find(f"{SVG_NS}title")
    desc = svg.find(f"{SVG_NS}desc")
    assert title is not None and title.get("id") == ids[0] and title.text
    assert desc is not None and desc.get("id") == ids[1] and len(desc.text or "") > 20
    for i in ids:
        assert html.count(f'id="{i}"') == 1


@pytest.fixture(scope="module")
def site(example_site: Path):
    return load_site(example_site, BASE_URL).site


def test_series_never_repeat_a_colour(site) -> None:
    series = chart_series(site.topics, EN)
    colours = [s.css for s in series]
    assert len(colours) == len(set(colours))
    codes = [c for s in series for c in s.codes]
    assert sorted(codes) == sorted(t.code for t in site.topics)


def test_timeline_chart(example_output: Path, site) -> None:
    html = (example_output / "timeline" / "index.html").read_text(encoding="utf-8")
    svg = chart_svg(html, "timeline-svg")
    check_accessible(svg, html)
    segs = [r for r in svg.iter(f"{SVG_NS}rect") if "seg" in r.get("class", "")]
    assert segs
    for r in segs:
        assert re.fullmatch(r"seg (t[0-7]|tother)", r.get("class", "")), r.get("class")
        assert r.find(f"{SVG_NS}title") is not None  # hover text names year, topic, count
    labels = [t.text for t in svg.iter(f"{SVG_NS}text") if "year-label" in t.get("class", "")]
    first, last = site.years[-1].year, site.years[0].year
    assert labels[0] == str(first) and labels[-1] == str(last)
    # the table fallback: one row per year of the span, totals adding up to every paper
    page = parse(html)
    table = html[html.index('<table class="chart-table">') : html.index("</table>")]
    rows = re.findall(r"<tr><th scope=\"row\">(\d{4})</th>(.*?)</tr>", table)
    assert [int(y) for y, _ in rows] == list(range(last, first - 1, -1))
    totals = [int(re.findall(r"<td class=\"num\">(\d+)</td>", cells)[-1]) for _, cells in rows]
    assert sum(totals) == len(site.papers) == 32
    assert page.find("details", **{"class": "chart-data"})


def test_topic_chart_on_home(example_output: Path, site) -> None:
    html = (example_output / "index.html").read_text(encoding="utf-8")
    svg = chart_svg(html, "topic-svg")
    check_accessible(svg, html)
    segs = [r for r in svg.iter(f"{SVG_NS}rect") if "seg" in r.get("class", "")]
    assert len(segs) == len(site.topics)
    widths = [float(r.get("width", "0").rstrip("%")) for r in segs]
    assert abs(sum(widths) - 100) < 0.1
    page = parse(html)
    for t in site.topics:
        assert page.find("a", href=f"topics/{t.slug}/"), t.slug
    assert "topic-bars" not in html  # the old bar list is replaced


def test_network_chart(example_output: Path, site) -> None:
    html = (example_output / "coauthors" / "index.html").read_text(encoding="utf-8")
    svg = chart_svg(html, "network-svg")
    check_accessible(svg, html)
    people = [g for g in svg.iter(f"{SVG_NS}g") if g.get("class") == "person"]
    assert len(people) == min(12, len(site.coauthors))
    names = {"".join(t.itertext()).strip() for g in people for t in g.iter(f"{SVG_NS}text")}
    for c in site.coauthors[:12]:
        assert c.person.name.replace(" ", "") in {n.replace(" ", "") for n in names}
    edges = [e for e in svg.iter(f"{SVG_NS}line") if e.get("class") == "edge"]
    widths = {c.person.name: c.count for c in site.coauthors[:12]}
    assert len(edges) == len(widths)
    assert len({e.get("stroke-width") for e in edges}) == len(set(widths.values()))
    # the closest coauthor is drawn with the thickest line
    assert max(float(e.get("stroke-width")) for e in edges) > min(
        float(e.get("stroke-width")) for e in edges
    )
    owner = [g for g in svg.iter(f"{SVG_NS}g") if g.get("class") == "person owner"]
    assert len(owner) == 1 and site.owner.name in "".join(owner[0].itertext())


def test_no_inline_styles_anywhere(example_output: Path) -> None:
    """A Content-Security-Policy without 'unsafe-inline' must hold on every page."""
    for page in example_output.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<[^>]*\sstyle\s*=", html), page
        assert "<style" not in html, page
        assert not re.search(r"\son[a-z]+\s*=", html), page
        # a data block (JSON-LD, the search page's words) is not run: CSP does not apply
        script = r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/(?:ld\+)?json\")"
        assert not re.search(script, html), page


def test_charts_are_deterministic_and_escape_names(site) -> None:
    assert timeline_chart(site, EN) == timeline_chart(site, EN)
    assert network_chart(site, EN) == network_chart(site, EN)
    assert topic_chart(site, EN) == topic_chart(site, EN)


def test_the_network_describes_only_the_lines_it_draws(site) -> None:
    import dataclasses

    assert "Thin curves join" in network_chart(site, EN)  # the example's coauthors wrote together
    alone = dataclasses.replace(site, coauthors=site.coauthors[:1])
    assert "Thin curves" not in network_chart(alone, EN)


def test_a_long_name_in_the_network_wraps_instead_of_shrinking_every_label(site) -> None:
    """The drawing is scaled to fit the page: one name set on one or two long lines
    widened it, and on a phone every label shrank (to 5 px with longer names). Names
    wrap, words whole, so the drawing keeps its width."""
    import dataclasses

    def width(chart: str) -> float:
        return float(re.search(r'viewBox="\S+ \S+ (\S+) ', chart).group(1))  # type: ignore[union-attr]

    side = site.coauthors[3]  # labelled beside its dot, where width counts most
    long = dataclasses.replace(side.person, name="Pedro Henrique Oliveira dos Santos Ribeiro")
    renamed = (*site.coauthors[:3], dataclasses.replace(side, person=long), *site.coauthors[4:])
    chart = network_chart(dataclasses.replace(site, coauthors=renamed), EN)
    assert width(chart) == width(network_chart(site, EN))
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", chart)
    assert "Pedro" in lines and "Ribeiro" in lines


def test_a_chinese_japanese_or_korean_name_is_measured_a_full_em_a_character() -> None:
    """The chart is sized from estimated label widths: at 0.62 em a character, CJK
    names (a full em in any CJK font) ran past the drawing's edge and were cut."""
    from sitegen.charts import _text_width

    assert _text_width("제갈민호", 10) == _text_width("王晓明", 10) + 10 == 40
    assert _text_width("Ada", 10) < 30


def spanning(site, first: int):
    """The site with one more paper, from `first`: its timeline runs from then on."""
    import dataclasses

    old = (dataclasses.replace(site.papers[-1], date=site.papers[-1].date.replace(year=first)),)
    return dataclasses.replace(
        site, papers=(*site.papers, *old), years=(*site.years, type(site.years[0])(first, old))
    )


def test_small_shares_are_escaped_and_the_last_year_fits(site) -> None:
    """`<1%` is text in the topic table; the last year's label under narrow columns (a
    long career, a phone) ends at the chart's edge instead of being cut in half."""
    import dataclasses

    one = site.topics[0]
    many = [dataclasses.replace(p, topic=one.code) for p in site.papers] * 4
    lone = dataclasses.replace(site.papers[0], topic="XX", slug="lone")
    wide = dataclasses.replace(
        site,
        papers=(lone, *many),
        topics=(
            dataclasses.replace(one, papers=tuple(many)),
            dataclasses.replace(one, code="XX", name="Rare", slug="xx", papers=(lone,), colour=5),
        ),
    )
    html = topic_chart(wide, EN)
    assert "&lt;1%" in html and "><1%<" not in html
    # 128 of 129 papers; and 256 of 257, which rounds to 100% beside the other topic's 1
    assert "99%" in html
    more = [*many, *many]
    wider = dataclasses.replace(
        wide,
        papers=(lone, *more),
        topics=(dataclasses.replace(one, papers=tuple(more)), *wide.topics[1:]),
    )
    html = topic_chart(wider, EN)
    assert 'share">&gt;99%<' in html and 'share">100%<' not in html
    svg = chart_svg(timeline_chart(spanning(site, 1950), EN), "timeline-svg")
    last = [t for t in svg.iter(f"{SVG_NS}text") if "year-label" in t.get("class", "")][-1]
    assert last.text == str(site.years[0].year) and last.get("text-anchor") == "end"


def test_chart_numbers_are_written_as_the_sites_language_writes_them(site) -> None:
    """A hunter's: a German site's chart title said 2.500 Publikationen, and its axis, table
    and description 2500 beside it."""
    import dataclasses

    one = site.topics[0]
    many = tuple(dataclasses.replace(p, topic=one.code) for p in site.papers) * 40  # 1,280
    big = dataclasses.replace(
        site,
        papers=many,
        topics=(dataclasses.replace(one, papers=many),),
        years=(type(site.years[0])(site.years[0].year, many),),
    )
    german = {**EN, "1,234.5": "1.234,5"}
    for html in (topic_chart(big, german), timeline_chart(big, german)):
        assert "1.280" in html and not re.search(r"\b1280\b", html), html


# ---------------------------------------------------------------- in a browser

PAGES = {"": ".topic-chart", "timeline/": ".timeline-chart", "coauthors/": ".network-chart"}


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
def test_charts_fit_the_screen_and_stay_legible(example_output: Path, chromium, width: int) -> None:
    with serve(example_output, REPO / "netlify.toml") as base:
        fills = {}
        for scheme in ("light", "dark"):
            ctx = chromium.new_context(
                viewport={"width": width, "height": 900}, color_scheme=scheme
            )
            page = ctx.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: m.type == "error" and errors.append(m.text))
            for path, selector in PAGES.items():
                page.goto(base + path)
                fig = page.locator(selector)
                assert fig.count() == 1
                box = fig.bounding_box()
                assert box and box["width"] > 200 and box["x"] >= 0
                texts = page.evaluate(
                    """sel => Array.from(document.querySelectorAll(sel + ' svg text'))
                        .filter(t => getComputedStyle(t).display !== 'none')
                        .map(t => { const r = t.getBoundingClientRect();
                                    return [t.textContent, r.left, r.right, r.height]; })""",
                    selector,
                )
                vw = page.evaluate("document.documentElement.clientWidth")
                for text, left, right, height in texts:
                    assert left >= 0 and right <= vw + 0.5, (path, width, text, left, right)
                    assert height >= 10, (path, width, text, height)  # legible on a phone
                # visible labels never overlap each other
                boxes = page.evaluate(
                    """sel => Array.from(document.querySelectorAll(sel + ' svg text'))
                        .filter(t => getComputedStyle(t).display !== 'none')
                        .map(t => { const r = t.getBoundingClientRect();
                                    return [r.left, r.top, r.right, r.bottom]; })""",
                    selector,
                )
                for i, a in enumerate(boxes):
                    for b in boxes[i + 1 :]:
                        overlap_x = min(a[2], b[2]) - max(a[0], b[0])
                        overlap_y = min(a[3], b[3]) - max(a[1], b[1])
                        assert overlap_x <= 1 or overlap_y <= 1, (path, width, a, b)
                fills[(scheme, path)] = page.evaluate(
                    "sel => getComputedStyle(document.querySelector(sel + ' .seg, ' + sel + "
                    "' .node')).fill",
                    selector,
                )
            assert not errors, errors  # a CSP violation is reported as a console error
            ctx.close()
        for path in PAGES:  # colours come from CSS variables, so dark mode recolours them
            assert fills[("light", path)] != fills[("dark", path)], path


@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 360, 390, 768, 1280])
def test_year_labels_never_touch_however_long_the_career(
    example_output: Path, site, chromium, width: int
) -> None:
    """The last year's label, ending at the chart's edge, overlapped the one before it
    ("20202026") at some spans of years, on a phone and on a desktop; at 320 and 768 px,
    narrower than the widths the layouts were tuned for, labels in the middle touched too."""
    last = site.years[0].year
    with serve(example_output, REPO / "netlify.toml") as base:
        page = chromium.new_page(viewport={"width": width, "height": 900})
        page.goto(base + "timeline/")
        shown = "Array.from(document.querySelectorAll('.timeline-chart .year-label'))"
        shown += ".filter(t => getComputedStyle(t).display !== 'none').length"
        if width >= 360:  # most phones: the example's nine years, every one labelled
            assert page.evaluate(shown) == len(range(site.years[-1].year, last + 1))
        for years in (2, 13, 36, 54, 61, 80, 121):
            boxes = page.evaluate(
                """html => { document.querySelector('.timeline-chart').outerHTML = html;
                    return Array.from(document.querySelectorAll('.timeline-chart .year-label'))
                        .filter(t => getComputedStyle(t).display !== 'none')
                        .map(t => { const r = t.getBoundingClientRect();
                                    return [t.textContent, r.left, r.right]; }) }""",
                timeline_chart(spanning(site, last - years + 1), EN),
            )
            assert boxes[-1][0] == str(last) and len(boxes) > 1, (years, boxes)
            for a, b in pairwise(boxes):
                assert b[1] - a[2] >= 3, (width, years, a, b)
        page.close()


@pytest.mark.slow
def test_the_topic_bar_gives_no_two_segments_one_colour(tmp_path: Path) -> None:
    """A visual hunter's: past 8 topics the palette repeats, and the home page's bar drew
    Machine Learning and Human-Computer Interaction in one blue, side by side in the legend.
    A topic whose colour is taken joins the grey "more topics" row, as on the timeline."""
    from sitegen.model import OTHER_COLOUR

    site, profile = tmp_path / "site", tmp_path / "profile.txt"
    made = [sys.executable, MAKE_PROFILE, "--papers", "150", "--seed", "7", "--out", profile]
    subprocess.run(made, check=True, capture_output=True)
    run_cli("import", profile, "--site", site, "--as-of", AS_OF, check=True)
    (site / "content" / "papers" / "2099-none.md").write_text(
        "---\ntitle: No Topic\ndate: 2020-01-01\nauthors: [A B]\n---\nA.\n", encoding="utf-8"
    )
    run_cli("build", "--site", site, "--no-search", "--base-url", BASE_URL, check=True)
    svg = chart_svg((site / "output" / "index.html").read_text(encoding="utf-8"), "topic-svg")
    rects = svg.iter(f"{SVG_NS}rect")
    segs = [r.get("class").split()[1] for r in rects if "seg" in r.get("class", "")]
    loaded = load_site(site, BASE_URL).site
    assert len({t.colour for t in loaded.topics}) < len(loaded.topics)  # the palette repeats
    assert len(segs) == len(set(segs)), segs
    assert segs[-1] == f"t{OTHER_COLOUR}"  # the rest, "Other" among them


@pytest.mark.browser
def test_two_coauthors_make_a_chart_of_ordinary_size(tmp_path: Path, chromium) -> None:
    """A visual hunter's: two coauthors' chart, 121 units wide, was stretched to the column's
    480 px, its names four times their size: an early-career researcher's first view."""
    paper = "---\ntitle: Paper {0}\ndate: 202{0}-05-01\ntopic: LG\nauthors:\n- Ada Lovelace\n"
    paper += "- Charles Babbage\n{1}---\nA.\n"
    more = ["", "", "- Mary Somerville\n"]
    site = papers_site(tmp_path / "site", [paper.format(i, m) for i, m in enumerate(more)])
    run_cli("build", "--site", site, "--no-search", "--base-url", BASE_URL, check=True)
    with serve(site / "output", REPO / "netlify.toml") as base:
        for width in (390, 1280):
            page = chromium.new_page(viewport={"width": width, "height": 900})
            page.goto(base + "coauthors/")
            svg = page.locator(".network-svg").bounding_box()
            fig = page.locator(".network-chart").bounding_box()
            scale = page.evaluate(
                """() => { const s = document.querySelector('.network-svg');
                    return s.getBoundingClientRect().width / s.viewBox.baseVal.width; }"""
            )
            page.close()
            assert svg and fig
            assert scale < 1.31, (width, scale)  # a unit is 1.3 px at most, as a full ring's is
            # in the middle of its column
            middle = svg["x"] + svg["width"] / 2
            assert abs(middle - (fig["x"] + fig["width"] / 2)) < 2, (width, svg, fig)
