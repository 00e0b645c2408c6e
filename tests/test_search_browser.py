"""Search, copy and the no-JavaScript fallbacks, in headless Chromium under the deploy CSP."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import BASE_URL, REPO, make_site, run_cli
from siteserver import serve
from test_cite import papers_by_slug

pytestmark = pytest.mark.browser

WORD = "segmentation"
CV = "Computer Vision and Pattern Recognition"


def mentions(data: dict, pattern: str) -> bool:
    return re.search(pattern, data["title"] + "\n" + data["_body"], re.I) is not None


@pytest.fixture(scope="module")
def site_url(example_output: Path):
    with serve(example_output, REPO / "netlify.toml") as base:
        yield base


@pytest.fixture
def page(chromium):
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    ctx.close()


def add_paper(site: Path, slug: str, title: str, authors: list[str], abstract: str) -> None:
    names = "".join(f"- '{a}'\n" for a in authors)
    (site / "content" / "papers" / f"{slug}.md").write_text(
        f"---\ntitle: {title}\ndate: 2026-02-01\ntopic: LG\nauthors:\n{names}---\n{abstract}\n"
    )


@pytest.fixture(scope="module")
def odd_url(tmp_path_factory: pytest.TempPathFactory):
    """The example site and papers that search once showed wrong: 31 that say "kerfuffle"
    (more than a page of results), an abstract with `&` in a URL and in escaped text, and
    a coauthor whose name has `&amp;` in it, and one whose name is longer than a phone's
    filter row."""
    site = make_site(tmp_path_factory.mktemp("odd") / "site")
    for i in range(30):
        add_paper(site, f"2026-k{i:02d}", f"Kerfuffle {i}", ["Lemeng Wu"], "A kerfuffle.")
    long_name = ["Lemeng Wu", "Maximilian Alexander von Hohenzollern-Sigmaringen"]
    add_paper(site, "2026-long", "Sigmaringen Castles", long_name, "Ab.")
    add_paper(site, "2026-amp", "Kerfuffle of Entities", ["Snorkel &amp; Co", "AT&T Labs"], "Ab.")
    add_paper(
        site, "2026-query", "Blorptastic Data", ["Lemeng Wu"],
        "Blorptastic data is at https://data.example.org/v1?lang=en&region=eu&section=2&copy=1,"
        " tagged `&lt;b&gt;`, for p < 0.05.",
    )  # fmt: skip
    run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    with serve(site / "output", REPO / "netlify.toml") as base:
        yield base


def result_slugs(page) -> list[str]:
    hrefs = page.eval_on_selector_all(
        ".search-results .paper-title a", "els => els.map(a => a.getAttribute('href'))"
    )
    return [h.rstrip("/").rsplit("/", 1)[-1] for h in hrefs]


def wait_for_results(page, expected_count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('.search-results li').length === n && "
        "/match/.test(document.querySelector('.search-status').textContent)",
        arg=expected_count,
        timeout=15000,
    )


def test_typing_finds_the_papers_that_say_it_and_topic_filters_them(
    example_site: Path, site_url: str, page
) -> None:
    papers = papers_by_slug(example_site)
    says_it = {s for s, d in papers.items() if mentions(d, rf"\b{WORD}")}
    # Pagefind stems words, so "segments" matches too: the results are the papers that say
    # "segmentation", plus at most those that share its stem
    stem = {s for s, d in papers.items() if mentions(d, r"\bsegment")}
    assert len(says_it) >= 5

    page.goto(site_url + "search/")
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    page.fill("#search-q", "")
    page.type("#search-q", WORD, delay=20)
    # the whole word's results: on a busy machine a pause in the typing searched "segmen"
    page.wait_for_function(
        "w => /match/.test(document.querySelector('.search-status').textContent) && "
        "document.querySelector('.search-status').textContent.includes(w)",
        arg=WORD,
        timeout=15000,
    )
    status = page.text_content(".search-status") or ""
    n = int(re.match(r"(\d+)", status).group(1))  # type: ignore[union-attr]
    while page.is_visible(".search-more"):
        page.click(".search-more")
    wait_for_results(page, n)
    found = set(result_slugs(page))
    assert says_it <= found <= stem, (says_it - found, found - stem)
    assert WORD in page.url  # the query is kept in the address, so results can be linked
    marks = page.eval_on_selector_all(".search-excerpt mark", "els => els.map(m => m.textContent)")
    assert marks and all(m.lower().startswith("segment") for m in marks)

    # filter by topic: only Computer Vision papers remain
    page.click(f"label.chip:has-text('{CV}')")
    cv = {s for s in found if papers[s]["topic"] == "CV"}
    assert cv and cv != found
    wait_for_results(page, len(cv))
    assert set(result_slugs(page)) == cv
    assert "topic=" in page.url
    chips = page.eval_on_selector_all(
        ".search-results .chip", "els => [...new Set(els.map(e => e.textContent))]"
    )
    assert chips == ["CV"]
    assert not page.console_errors, page.console_errors  # CSP violations land here


def test_search_link_with_query_shows_results_and_filters_work_alone(
    example_site: Path, site_url: str, page
) -> None:
    papers = papers_by_slug(example_site)
    page.goto(site_url + "search/?year=2022")
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    in_2022 = {s for s, d in papers.items() if d["date"].year == 2022}
    wait_for_results(page, min(len(in_2022), 30))
    assert set(result_slugs(page)) == in_2022
    assert page.input_value("select[name=year]") == "2022"
    # a coauthor filter on its own
    page.goto(site_url + "search/?coauthor=qiang-liu")  # filters go by slug
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    with_qiang = {s for s, d in papers.items() if "Qiang Liu" in (d["authors"] or [])}
    wait_for_results(page, len(with_qiang))
    assert set(result_slugs(page)) == with_qiang
    assert not page.console_errors, page.console_errors


def test_header_box_opens_the_search_page(site_url: str, page) -> None:
    page.goto(site_url + "timeline/")
    box = page.locator(".search-box input[type=search]")
    box.fill(WORD)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=segmentation"))
    page.wait_for_function(
        "() => document.querySelectorAll('.search-results li').length > 0", timeout=15000
    )
    assert page.input_value("#search-q") == WORD
    assert not page.console_errors, page.console_errors


def test_without_javascript_the_box_is_a_link_and_the_page_explains(
    chromium, site_url: str
) -> None:
    ctx = chromium.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(site_url + "coauthors/")
    assert page.locator(".search-box input").count() == 0
    link = page.locator(".search-box a")
    assert link.get_attribute("href") == "../timeline/"
    link.click()
    page.wait_for_url(re.compile(r"/timeline/$"))
    page.goto(site_url + "search/")
    assert page.locator(".search-filters").is_hidden()
    assert page.locator(".search-form").is_hidden()  # it would search nothing
    text = page.text_content("main") or ""
    assert "needs JavaScript" in text
    # no copy button either: the BibTeX is plain text to select
    page.goto(site_url + "papers/" + "2024-efficient-track-anything/")
    assert page.locator(".copy-button").count() == 0
    assert "@misc{" in (page.text_content("pre.bibtex") or "")
    ctx.close()


def test_copy_button_copies_the_bibtex(example_output: Path, chromium, site_url: str) -> None:
    ctx = chromium.new_context()
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    slug = "2024-efficient-track-anything"
    page.goto(site_url + f"papers/{slug}/")
    page.click("button.copy-button")
    page.wait_for_function("() => document.querySelector('.copy-status').textContent !== ''")
    assert page.text_content(".copy-status") == "Copied"
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (example_output / "papers" / slug / f"{slug}.bib").read_text(encoding="utf-8")
    assert not errors, errors
    ctx.close()


def test_copy_over_plain_http_keeps_the_keyboard_focus(chromium, site_url: str) -> None:
    """Without a secure context (a plain-http host) copying goes through a textarea that
    took the focus and was removed, so the next Tab started again at the skip link."""
    ctx = chromium.new_context()
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    ctx.add_init_script("Object.defineProperty(window, 'isSecureContext', {value: false})")
    page = ctx.new_page()
    page.goto(site_url + "papers/2024-efficient-track-anything/")
    page.focus("button.copy-button")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.copy-status').textContent !== ''")
    assert page.text_content(".copy-status") == "Copied"
    assert page.evaluate("document.activeElement.classList.contains('copy-button')")
    assert page.evaluate("navigator.clipboard.readText()").startswith("@misc{")
    ctx.close()


def test_a_coauthor_filter_finds_a_name_with_an_ampersand(odd_url: str, page) -> None:
    """Pagefind decodes a filter's value once more than HTML does: "Snorkel &amp; Co" was
    filed as "Snorkel & Co", and the search page's option for that coauthor found nothing."""
    for name in ("Snorkel &amp; Co", "AT&T Labs"):
        page.goto(odd_url + "search/")
        page.wait_for_selector(".search-app.is-live", timeout=15000)
        page.select_option("select[name=coauthor]", value=name)
        wait_for_results(page, 1)
        assert result_slugs(page) == ["2026-amp"]
    assert not page.console_errors, page.console_errors


def test_a_long_coauthor_name_does_not_widen_a_phone_s_page(odd_url: str, chromium) -> None:
    """At 320 px the Coauthor select, 15rem beside its label, ran to 330 px when a name was
    longer than about 30 characters: the page scrolled sideways once Filters opened."""
    ctx = chromium.new_context(viewport={"width": 320, "height": 640})
    page = ctx.new_page()
    page.goto(odd_url + "search/")
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    page.click(".search-filters summary")
    right = page.evaluate(
        "document.querySelector('select[name=coauthor]').getBoundingClientRect().right"
    )
    assert right <= 320 and page.evaluate("document.documentElement.scrollWidth") == 320
    ctx.close()


def test_an_excerpt_shows_the_abstract_s_own_text(odd_url: str, page) -> None:
    """Pagefind escapes < and > in an excerpt but not &: read as HTML, a URL's "&region"
    and "&copy" showed as "®ion" and "©", and the text "&lt;b&gt;" as "<b>"."""
    page.goto(odd_url + "search/?q=blorptastic")
    wait_for_results(page, 1)
    excerpt = page.text_content(".search-excerpt") or ""
    assert "v1?lang=en&region=eu&section=2&copy=1," in excerpt, excerpt
    assert "tagged &lt;b&gt;, for p < 0.05." in excerpt, excerpt
    marks = page.eval_on_selector_all(".search-excerpt mark", "els => els.map(m => m.textContent)")
    assert marks and all(m.lower().startswith("blorptastic") for m in marks), marks
    assert not page.console_errors, page.console_errors


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("reinforcement", "No paper matches \u201creinforcement\u201d."),
        ("protein", "No paper matches \u201cprotein\u201d."),
        ("supervised", "papers match \u201csupervised\u201d."),
        ("segments", "papers match \u201csegments\u201d."),
        ("SAM 2", "papers match \u201cSAM 2\u201d."),  # the best result: "SqueezeSAM"
        ("1B", "papers match \u201c1B\u201d."),  # "3-1B-INT4", below results for "1"
    ],
)
def test_a_word_the_site_does_not_hold_matches_nothing(
    site_url: str, page, query: str, status: str
) -> None:
    """Pagefind answers a word it does not hold with words that start as it does: the page
    said "2 results match 'reinforcement'" for `re-exam` and `re-masked` (a search hunter's
    report). A word inside a hyphenated one ("semi-supervised") and a stemmed one still match,
    and so do words the best result does not hold (a regression hunter's "SAM 2", "1B")."""
    page.goto(f"{site_url}search/?q={query}")
    page.wait_for_function(
        "() => /match/.test(document.querySelector('.search-status').textContent)",
        timeout=15000,
    )
    assert (page.text_content(".search-status") or "").endswith(status)
    if status.startswith("papers"):  # its results come after the count
        page.wait_for_selector(".search-results li", timeout=15000)
    else:
        assert result_slugs(page) == []
    assert not page.console_errors, page.console_errors


def test_the_last_show_more_from_the_keyboard_moves_focus_to_the_new_results(
    odd_url: str, page
) -> None:
    """Enter on the last "Show more" hid the focused button, and focus fell to <body>."""
    page.goto(odd_url + "search/?q=kerfuffle")
    wait_for_results(page, 30)
    page.focus(".search-more")
    page.keyboard.press("Enter")
    wait_for_results(page, 31)
    assert page.is_hidden(".search-more")
    assert page.evaluate(
        "document.activeElement === document.querySelectorAll('.search-results li a')[30]"
    )
    assert not page.console_errors, page.console_errors


@pytest.fixture(scope="module")
def german_url(tmp_path_factory: pytest.TempPathFactory):
    site = make_site(tmp_path_factory.mktemp("de") / "site")
    (site / "sitegen.yaml").write_text("language: de\n", encoding="utf-8")
    run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    with serve(site / "output", REPO / "netlify.toml") as base:
        yield base


def test_on_a_german_site_the_scripts_write_german(german_url: str, chromium) -> None:
    """copy.js and search.js wrote English on every site: "Copy BibTeX", "Search papers",
    "3 papers match", "Show more", "Aug 2022"; their words now come from the page."""
    ctx = chromium.new_context()
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=german_url.rstrip("/"))
    page = ctx.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(german_url + "papers/2024-efficient-track-anything/")
    assert page.text_content("button.copy-button") == "BibTeX kopieren"
    page.click("button.copy-button")
    page.wait_for_function("() => document.querySelector('.copy-status').textContent !== ''")
    assert page.text_content(".copy-status") == "Kopiert"
    assert page.get_attribute(".search-box input", "placeholder") == "Publikationen durchsuchen"
    assert page.text_content(".search-box label") == "Publikationen durchsuchen"

    page.goto(german_url + "search/?q=kerfuffle")
    page.wait_for_function("() => /zu/.test(document.querySelector('.search-status').textContent)")
    assert page.text_content(".search-status") == "Keine Publikation passt zu „kerfuffle“."
    page.goto(german_url + "search/?year=2022")
    page.wait_for_function(
        "() => /passen/.test(document.querySelector('.search-status').textContent)"
    )
    status = page.text_content(".search-status") or ""
    assert re.fullmatch(r"\d+ Publikationen passen zu diesen Filtern\.", status), status
    assert page.text_content(".search-more") == "Mehr anzeigen"
    page.wait_for_selector(".search-results time")
    months = "|".join(
        map(re.escape, "Jan. Feb. März Apr. Mai Juni Juli Aug. Sept. Okt. Nov. Dez.".split())
    )
    dates = page.eval_on_selector_all(".search-results time", "els => els.map(t => t.textContent)")
    assert dates and all(re.fullmatch(rf"({months}) 2022", d) for d in dates), dates
    assert not errors, errors

    page.route("**/pagefind/**", lambda route: route.abort())  # a copy without the index
    page.goto(german_url + "search/?q=kerfuffle")
    page.wait_for_function("() => document.querySelector('.search-status').textContent !== ''")
    assert (page.text_content(".search-status") or "").startswith("Die Suche ist hier nicht")
    ctx.close()


def test_with_pages_of_ones_own_the_count_says_results(fresh_site: Path, chromium) -> None:
    """The index holds the owner's own pages beside the papers, so a query that finds a page
    said "2 papers match"; such a site counts results. A site without pages says papers."""
    add_paper(fresh_site, "2026-quokka", "Quokka Counting", ["Lemeng Wu"], "Quokkas.")
    pages = fresh_site / "content" / "pages"
    pages.mkdir()
    (pages / "software.md").write_text("---\ntitle: Software\n---\nOur quokka toolkit.\n")
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, check=True)
    page = chromium.new_page()
    with serve(fresh_site / "output", REPO / "netlify.toml") as base:
        for query, status in (
            ("quokka", "2 results match “quokka”."),
            ("wombat", "Nothing matches “wombat”."),
        ):
            page.goto(f"{base}search/?q={query}")
            page.wait_for_function("() => document.querySelector('.search-status').textContent")
            assert page.text_content(".search-status") == status
        assert page.query_selector(".search-results li") is None
        page.goto(f"{base}search/?q=quokka")
        page.wait_for_function("() => document.querySelectorAll('.search-results li').length")
        hrefs = page.eval_on_selector_all(".search-results a", "els => els.map(a => a.href)")
        assert {h.removeprefix(base) for h in hrefs} == {"software/", "papers/2026-quokka/"}
    page.close()


def test_on_a_phone_the_filters_fold_so_results_show_on_the_first_screen(
    chromium, site_url: str
) -> None:
    ctx = chromium.new_context(viewport={"width": 390, "height": 844})
    page = ctx.new_page()
    page.goto(site_url + f"search/?q={WORD}")
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    page.wait_for_function(
        "() => document.querySelectorAll('.search-results li').length > 0", timeout=15000
    )
    # the topics' chips had filled the first screen: the first result began below it
    assert page.evaluate("document.querySelector('.search-filters').open") is False
    top = page.evaluate("document.querySelector('.search-results li').getBoundingClientRect().top")
    assert top < 844 / 2
    page.click(".search-filters summary")
    page.click(f"label.chip:has-text('{CV}')")
    page.wait_for_function("() => /\\(1\\)$/.test(document.querySelector('summary').textContent)")
    assert page.text_content(".search-filters summary") == "Filters (1)"
    # a link that sets a filter opens the box, to show what filters the results
    page.goto(site_url + "search/?year=2022&topic=cv")
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    assert page.evaluate("document.querySelector('.search-filters').open") is True
    assert page.text_content(".search-filters summary") == "Filters (2)"
    ctx.close()


# every layout shift the page makes without input (what Lighthouse's CLS adds up), and what moved
LAYOUT_SHIFTS = """window.shifts = []; new PerformanceObserver(list => list.getEntries().forEach(
  e => e.hadRecentInput || shifts.push([e.value, e.sources.map(s => s.node && s.node.className)])
)).observe({type: "layout-shift", buffered: true});"""


@pytest.mark.parametrize("width", [412, 1350])
def test_results_arriving_do_not_move_the_footer(site_url: str, chromium, width: int) -> None:
    """The form, then the results, come in after the first paint and moved the footer on
    the first screen: cumulative layout shift 0.19, Lighthouse's performance 93 (a UX
    hunter's report). Without JavaScript the page's note and footer are on that screen."""
    ctx = chromium.new_context(viewport={"width": width, "height": 823})
    ctx.add_init_script(LAYOUT_SHIFTS)
    page = ctx.new_page()
    for query in ("cafe", WORD):  # no result, a screenful
        page.goto(f"{site_url}search/?q={query}")
        page.wait_for_function(
            "() => /match/.test(document.querySelector('.search-status').textContent)",
            timeout=15000,
        )
        page.wait_for_timeout(300)  # a shift is reported after the frame it happened in
        shifts = page.evaluate("shifts")
        assert sum(v for v, _ in shifts) < 0.01, shifts
        assert not any("site-footer" in moved for _, moved in shifts), shifts
    ctx.close()
    ctx = chromium.new_context(viewport={"width": width, "height": 823}, java_script_enabled=False)
    page = ctx.new_page()
    page.goto(f"{site_url}search/")
    assert page.evaluate("document.querySelector('.site-footer').getBoundingClientRect().top") < 823
    ctx.close()


def test_on_a_wide_screen_the_filters_are_open(site_url: str, page) -> None:
    page.goto(site_url + "search/")
    page.wait_for_selector(".search-app.is-live", timeout=15000)
    assert page.evaluate("document.querySelector('.search-filters').open") is True
    assert page.is_visible(f"label.chip:has-text('{CV}')")
    assert not page.console_errors, page.console_errors
