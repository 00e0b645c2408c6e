"""The search index step: Pagefind run over the finished pages, and what happens when it cannot.

The browser side (typing, filters, results) is in test_search_browser.py; here
the folder Pagefind leaves, read through what the browser reads first
(`pagefind.js`, and `pagefind-entry.json` with each language's page count). A
failing Pagefind is a stand-in binary named by PAGEFIND_BINARY_PATH, the
variable the `pagefind` package reads to find its binary.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import BASE_URL, missing_tool, run_cli
from htmlutil import parse

from sitegen import search
from sitegen.search import build_index


@pytest.fixture
def pagefind() -> None:
    if not search.pagefind_available():
        missing_tool("the pagefind package is not installed")


def make_site(root: Path, pages: int = 5) -> Path:
    """Paper pages as the theme writes them, plus pages that are not papers."""
    for i in range(pages):
        page = root / "papers" / f"paper-{i}" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(
            f'<!doctype html><html lang="en"><head><title>Paper {i}</title></head><body>'
            f"<article data-pagefind-body><h1>Paper {i}</h1><p>Quokkas and graphs {i}.</p>"
            "</article></body></html>",
            "utf-8",
        )
    for other in ("index.html", "timeline/index.html"):
        (root / other).parent.mkdir(parents=True, exist_ok=True)
        (root / other).write_text(
            '<!doctype html><html lang="en"><body><main data-pagefind-body>'
            "<p>Quokkas everywhere.</p></main></body></html>",
            "utf-8",
        )
    return root


def page_count(bundle: Path) -> int:
    entry = json.loads((bundle / "pagefind-entry.json").read_text("utf-8"))
    return sum(lang["page_count"] for lang in entry["languages"].values())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def fake_pagefind(tmp_path: Path, script: str) -> str:
    """A stand-in for the Pagefind binary that runs `script` (sh)."""
    exe = tmp_path / "fake-pagefind"
    exe.write_text(f"#!/bin/sh\n{script}\n", "utf-8")
    exe.chmod(0o755)
    return str(exe)


def leftovers(site: Path) -> list[Path]:
    return [*site.parent.glob(f".{site.name}*pagefind*"), *site.glob(".pagefind*")]


# ---------------------------------------------------------------- the step itself


def test_the_index_holds_the_paper_pages_only(tmp_path: Path, pagefind: None) -> None:
    site = make_site(tmp_path / "site")
    assert build_index(site) is None
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert page_count(site / "pagefind") == 5  # not the home page, not the timeline
    assert not leftovers(site)


def test_a_new_index_replaces_the_old_one_whole(tmp_path: Path, pagefind: None) -> None:
    site = make_site(tmp_path / "site")
    assert build_index(site) is None
    (site / "pagefind" / "stale.txt").write_text("from an older build", "utf-8")
    shutil.rmtree(site / "papers" / "paper-4")
    assert build_index(site) is None
    assert page_count(site / "pagefind") == 4
    assert not (site / "pagefind" / "stale.txt").exists()
    assert not leftovers(site)


def test_a_failing_pagefind_is_a_warning_and_the_old_index_stays(
    tmp_path: Path, pagefind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    assert build_index(site) is None
    before = snapshot(site / "pagefind")
    failing = fake_pagefind(tmp_path, 'echo "starting" && echo "Error: boom" >&2 && exit 3')
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", failing)
    problem = build_index(site)
    assert problem is not None and "Pagefind failed: Error: boom" in problem.message
    assert snapshot(site / "pagefind") == before
    assert not leftovers(site)


def test_a_pagefind_whose_messages_are_not_utf8_is_a_warning(
    tmp_path: Path, pagefind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    monkeypatch.setenv(
        "PAGEFIND_BINARY_PATH", fake_pagefind(tmp_path, r"printf 'bad \377\376' >&2; exit 1")
    )
    problem = build_index(site)
    assert problem is not None and "Pagefind failed: bad \ufffd\ufffd" in problem.message
    assert not leftovers(site)


def test_a_pagefind_that_writes_nothing_is_a_warning(
    tmp_path: Path, pagefind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", fake_pagefind(tmp_path, "exit 0"))
    problem = build_index(site)
    assert problem is not None and "no pagefind.js" in problem.message
    assert not (site / "pagefind").exists()
    assert not leftovers(site)


def test_a_missing_binary_is_a_warning(
    tmp_path: Path, pagefind: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = make_site(tmp_path / "site")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "nowhere" / "pagefind"))
    assert not search.pagefind_available()
    problem = build_index(site)
    assert problem is not None and "not available" in problem.message
    assert not (site / "pagefind").exists()


# ---------------------------------------------------------------- in a build


def test_a_build_indexes_every_paper_page(example_output: Path, pagefind: None) -> None:
    papers = list((example_output / "papers").glob("*/index.html"))
    assert papers
    assert page_count(example_output / "pagefind") == len(papers)


def test_a_failing_pagefind_warns_and_the_build_succeeds(
    fresh_site: Path, tmp_path: Path, pagefind: None
) -> None:
    failing = fake_pagefind(tmp_path, 'echo "Error: boom" >&2; exit 3')
    proc = run_cli(
        "build", "--site", fresh_site, "--base-url", BASE_URL,
        env={"PAGEFIND_BINARY_PATH": failing},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Pagefind failed: Error: boom" in proc.stderr and "Traceback" not in proc.stderr
    out = fresh_site / "output"
    assert (out / "index.html").is_file()
    assert list((out / "papers").glob("*/index.html"))
    assert not (out / "pagefind").exists()
    assert not (out / "search").exists() and "search" not in parse(out / "index.html").text.lower()


def test_after_a_failing_pagefind_no_page_offers_search_and_the_next_build_tries_again(
    fresh_site: Path, tmp_path: Path, pagefind: None
) -> None:
    """The pages were made with a search box before Pagefind ran: had they been kept,
    every page would offer a search with no index, and the build after, finding its
    inputs unchanged, would never try Pagefind again."""
    args = ("build", "--site", fresh_site, "--base-url", BASE_URL)
    run_cli(*args, check=True)
    paper = sorted((fresh_site / "content/papers").glob("*.md"))[0]
    paper.write_text(paper.read_text("utf-8").replace("title: ", "title: Quokka ", 1), "utf-8")
    failing = fake_pagefind(tmp_path, 'echo "Error: boom" >&2; exit 3')
    proc = run_cli(*args, env={"PAGEFIND_BINARY_PATH": failing})
    assert proc.returncode == 0 and "Pagefind failed: Error: boom" in proc.stderr, proc.stderr
    out = fresh_site / "output"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "search" not in parse(out / "index.html").text.lower()
    assert not leftovers(out)
    run_cli(*args, check=True)
    assert (out / "pagefind" / "pagefind.js").is_file() and (out / "search").is_dir()


def test_a_paper_taken_down_leaves_the_index_and_no_paper_means_no_search(
    fresh_site: Path, pagefind: None
) -> None:
    """A paper made a draft (or deleted) must not stay searchable, even when no other
    page is made again; with no paper left there is no index, so no page offers search,
    and the noindex search page is never in the sitemap."""
    args = ("build", "--site", fresh_site, "--base-url", BASE_URL)
    papers = sorted((fresh_site / "content/papers").glob("*.md"))
    for extra in papers[1:]:
        extra.unlink()
    run_cli(*args, check=True)
    out = fresh_site / "output"
    assert (out / "pagefind").is_dir() and "/search/</loc>" not in (out / "sitemap.xml").read_text()
    papers[0].write_text(papers[0].read_text().replace("\n---\n", "\ndraft: true\n---\n", 1))
    run_cli(*args, check=True)
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "search" not in parse(out / "index.html").text.lower()


def test_an_edit_gives_the_index_a_cold_run_gives(fresh_site: Path, pagefind: None) -> None:
    """After an incremental build the index is the one a fresh run over its pages makes."""
    args = ("build", "--site", fresh_site, "--base-url", BASE_URL)
    run_cli(*args, check=True)
    out = fresh_site / "output"
    before = (out / "pagefind" / "pagefind-entry.json").read_bytes()
    paper = sorted((fresh_site / "content/papers").glob("*.md"))[3]
    text = paper.read_text("utf-8")
    paper.write_text(text.replace("\n---\n", "\n---\nA quokka sentence.\n\n", 1), "utf-8")
    run_cli(*args, check=True)
    assert (out / "pagefind" / "pagefind-entry.json").read_bytes() != before
    incremental = {sub: snapshot(out / "pagefind" / sub) for sub in ("fragment", "index")}
    assert build_index(out) is None  # a fresh run over the same folder replaces it
    # pages and word index; the filter and meta files depend on the order Pagefind
    # happens to list the folders in, which differs between runs. A copy of the folder
    # is no fresh run of the same: on tmpfs a copy lists its files in another order.
    for sub, files in incremental.items():
        assert snapshot(out / "pagefind" / sub) == files


@pytest.mark.slow
def test_a_page_of_ones_own_is_searchable_until_it_is_deleted(
    fresh_site: Path, pagefind: None
) -> None:
    """The index holds each paper and each content/pages/*.md; an edit of the page alone
    indexes it again, and a deleted page leaves the index, though no paper changed."""
    args = ("build", "--site", fresh_site, "--base-url", BASE_URL)
    papers = len(list((fresh_site / "content/papers").glob("*.md")))
    page = fresh_site / "content" / "pages" / "software.md"
    page.parent.mkdir()
    page.write_text("---\ntitle: Software\n---\nOur quokka toolkit.\n", "utf-8")
    run_cli(*args, check=True)
    out = fresh_site / "output"
    assert page_count(out / "pagefind") == papers + 1
    before = snapshot(out / "pagefind" / "index")
    page.write_text("---\ntitle: Software\n---\nOur wombat toolkit.\n", "utf-8")
    run_cli(*args, check=True)
    assert snapshot(out / "pagefind" / "index") != before
    page.unlink()
    run_cli(*args, check=True)
    assert page_count(out / "pagefind") == papers


def test_filters_go_by_slug_whatever_the_name(fresh_site: Path, pagefind: None) -> None:
    """Pagefind collapses spaces in a filter's text ("Machine  Learning" matched no paper),
    matches no value with a double quote (`Kai "KJ" Jones`, `Vision "quoted"`), and the
    coauthor menu listed the first 200: the pages' filters and the search page's choices are
    the topics' and coauthors' slugs, every one of them, each shown by its name."""
    (fresh_site / "sitegen.yaml").write_text("topic_names:\n  LG: 'Machine  \"Learning\"'\n")
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("\nauthors:\n", '\nauthors:\n- Kai "KJ" Jones\n', 1))
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, check=True)
    out = fresh_site / "output"
    search = parse(out / "search" / "index.html")
    topics = {b["value"] for b in search.find("input", name="topic")}
    people = (
        {o["value"] for o in search.find("option")} - {""} - {str(y) for y in range(1900, 2101)}
    )
    assert "lg" in topics and "kai-kj-jones" in people
    assert people == {p.name for p in (out / "coauthors").iterdir() if p.is_dir()}
    for page in (out / "papers").glob("*/index.html"):
        filters = re.findall(r'data-pagefind-filter="(topic|coauthor):([^"]*)"', page.read_text())
        assert filters and all(v in (topics if k == "topic" else people) for k, v in filters)


def test_a_result_names_the_authors_a_list_names(fresh_site: Path) -> None:
    """The `authors` meta a result shows held all 301 names of a collaboration paper
    (6,309 characters); it is the line lists show: ten, the owner, how many more."""
    names = "".join(f"- Author{i:03d} Collabson\n" for i in range(300))
    (fresh_site / "content" / "papers" / "2026-big.md").write_text(
        f"---\ntitle: Big\ndate: 2026-01-17\ntopic: LG\nauthors:\n{names}- Lemeng Wu\n---\nA.\n"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    page = parse(fresh_site / "output" / "papers" / "2026-big" / "index.html")
    metas = [s["data-pagefind-meta"] for s in page.find("span") if "data-pagefind-meta" in s]
    first = ", ".join(f"Author{i:03d} Collabson" for i in range(10))
    assert f"authors:{first}, … Lemeng Wu and 290 more" in metas


@pytest.mark.slow
def test_the_index_is_stemmed_in_the_language_most_papers_are_written_in(
    tmp_path: Path, pagefind: None
) -> None:
    """An i18n hunter's: on a German site, English abstracts were stemmed as German, so
    "splitting" found 4 of the 6 papers that say it, whatever the papers' `language`."""
    from conftest import make_site as make_real_site

    site = make_real_site(tmp_path / "site")
    (site / "sitegen.yaml").write_text("language: de\n", encoding="utf-8")
    run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    entry = site / "output" / "pagefind" / "pagefind-entry.json"
    assert list(json.loads(entry.read_text("utf-8"))["languages"]) == ["de"]  # the site's
    for paper in (site / "content" / "papers").glob("*.md"):
        text = paper.read_text(encoding="utf-8")
        paper.write_text(text.replace("\n---\n", "\nlanguage: en\n---\n", 1), encoding="utf-8")
    run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    assert list(json.loads(entry.read_text("utf-8"))["languages"]) == ["en"]  # the papers'
    assert search.stemmed_as("de-AT", ["en", "en-GB", None]) == "en"
    assert search.stemmed_as("de", ["en", None, None]) is None
    assert search.stemmed_as("zh-Hant", []) is None
