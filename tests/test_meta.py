"""What indexers read: Google Scholar tags, JSON-LD, OpenGraph, links out, search wiring."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from conftest import BASE_URL, run_cli
from htmlutil import parse
from test_cite import papers_by_slug

from sitegen.cite import split_name
from sitegen.content import split_front_matter


def metas(doc, attr: str = "name") -> list[tuple[str, str]]:
    return [
        (a[attr] or "", a.get("content") or "")
        for t, a in doc.elements
        if t == "meta" and a.get(attr) and "content" in a
    ]


def json_ld(doc) -> list[dict]:
    """Every JSON-LD block of a page, parsed."""
    blocks = [a for t, a in doc.elements if t == "script" and "ld+json" in (a.get("type") or "")]
    assert len(blocks) == len(doc.data_blocks)
    return [json.loads(text) for text in doc.data_blocks]


def test_every_paper_page_has_scholar_tags_and_valid_json_ld(
    example_site: Path, example_output: Path
) -> None:
    papers = papers_by_slug(example_site)
    assert len(papers) == 32
    for slug, data in papers.items():
        page = example_output / "papers" / slug / "index.html"
        doc = parse(page)
        url = f"{BASE_URL}papers/{slug}/"
        tags = metas(doc)
        names = [n for n, _ in tags]
        get = dict(tags)
        assert get["citation_title"] == data["title"]
        authors = [c for n, c in tags if n == "citation_author"]
        assert authors == [split_name(a).inverted() for a in data["authors"]]
        d = data["date"]
        assert get["citation_publication_date"] == f"{d.year:04d}/{d.month:02d}/{d.day:02d}"
        assert get["citation_abstract_html_url"] == url
        assert names.index("citation_title") < names.index("citation_author")
        # schema.org ScholarlyArticle
        (ld,) = json_ld(doc)
        assert ld["@context"] == "https://schema.org" and ld["@type"] == "ScholarlyArticle"
        assert ld["name"] == data["title"] and ld["url"] == url
        assert ld["datePublished"] == d.isoformat()
        assert [a["name"] for a in ld["author"]] == data["authors"]
        assert all(a["@type"] == "Person" for a in ld["author"])
        assert ld["abstract"].split()[:5] == data["_body"].split()[:5]
        # OpenGraph, Twitter, canonical
        og = dict(metas(doc, "property"))
        assert og["og:type"] == "article" and og["og:title"] == data["title"]
        assert og["og:url"] == url and og["og:description"]
        assert og["article:published_time"] == d.isoformat()
        assert get["twitter:card"] == "summary" and get["twitter:title"] == data["title"]
        assert doc.find("link", rel="canonical")[0]["href"] == url


def test_og_locale_is_language_and_territory_or_absent(
    example_output: Path, fresh_site: Path
) -> None:
    """Open Graph reads `ll_TT`; `en` alone is not one, so the tag is left out rather
    than wrong, and a tag with a territory is written the way Open Graph spells it."""
    paper = next((example_output / "papers").glob("*/index.html"))
    assert "og:locale" not in dict(metas(parse(paper), "property"))
    (fresh_site / "sitegen.yaml").write_text("language: pt-br\n", encoding="utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    paper = next((fresh_site / "output" / "papers").glob("*/index.html"))
    assert dict(metas(parse(paper), "property"))["og:locale"] == "pt_BR"
    # every page's, not only a paper's: LinkedIn took the home page for en_US
    for page in sorted((fresh_site / "output").rglob("*.html")):
        if "noindex" not in page.read_text():
            assert dict(metas(parse(page), "property")).get("og:locale") == "pt_BR", page


def test_home_page_has_person_json_ld_with_metrics(example_output: Path) -> None:
    doc = parse(example_output / "index.html")
    (ld,) = json_ld(doc)
    assert ld["@type"] == "Person" and ld["name"] == "Lemeng Wu" and ld["url"] == BASE_URL
    stats = {s["name"]: s["userInteractionCount"] for s in ld["interactionStatistic"]}
    assert stats["citations"] == 1323 and stats["h-index"] == 29 and stats["publications"] == 32
    assert "Computer Vision and Pattern Recognition" in ld["knowsAbout"]
    # the profile's `field: CV` (the arXiv code) read as "curriculum vitae" to a search engine
    description = dict(metas(doc))["description"]
    assert description.startswith("Lemeng Wu, Computer Vision and Pattern Recognition: 32 pub")
    og = dict(metas(doc, "property"))
    assert og["og:type"] == "website" and og["og:url"] == BASE_URL


def test_person_json_ld_counts_are_integers_and_knows_no_other(fresh_site: Path) -> None:
    """schema.org's userInteractionCount is an integer: an `impact: 55.5` metric was
    written as one; the topic of papers with none ("Other") is no subject anyone knows."""
    profile = fresh_site / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("metrics:\n", "metrics:\n  impact: 55.5\n"))
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(re.sub(r"(?m)^topic: .*\n", "", paper.read_text()))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    (ld,) = json_ld(parse(fresh_site / "output" / "index.html"))
    counts = {s["name"]: s["userInteractionCount"] for s in ld["interactionStatistic"]}
    assert "impact" not in counts and all(type(v) is int for v in counts.values()), counts
    assert ld["knowsAbout"] and "Other" not in ld["knowsAbout"]
    assert (fresh_site / "output" / "topics" / "other").is_dir()  # the topic is there


def test_other_pages_have_opengraph_and_canonical(example_output: Path) -> None:
    """A shared link's preview names the page and says what it holds, as its tab and its
    meta description do, not the site's name on every page."""
    for rel in (
        "timeline/index.html",
        "topics/index.html",
        "coauthors/index.html",
        "cv/index.html",
    ):
        doc = parse(example_output / rel)
        og = dict(metas(doc, "property"))
        assert og["og:url"] == BASE_URL + rel.removesuffix("index.html")
        assert og["og:site_name"] == "Lemeng Wu"
        title = re.search(r"<title>(.*)</title>", (example_output / rel).read_text())[1]
        assert og["og:title"] == html.unescape(title) and title.endswith(" · Lemeng Wu")
        assert og["og:description"] == dict(metas(doc))["description"]


def test_a_papers_description_is_cut_at_a_word(example_output: Path) -> None:
    """A hunter's: the meta description was cut mid-word on nearly every paper ("Rece…",
    "denoi…"); it ends at a word, before "…", on one line."""
    for page in sorted((example_output / "papers").glob("*/index.html")):
        said = dict(metas(parse(page)))["description"]
        assert len(said) <= 200 and "\n" not in said, page
        if said.endswith("…"):
            words = said[:-1].split()
            abstract = (page.parent / "index.html").read_text()
            assert words and re.search(rf"{re.escape(words[-1])}[\s,.;:)]", abstract), said


def test_sitemap_lists_every_page_without_a_guessed_lastmod(example_output: Path) -> None:
    """<lastmod> was the newest paper's date on every list page (stale after news, 1970
    with no papers, in the future for a paper dated ahead), and a paper's date on its page:
    not when the page changed, which Google then learns to ignore. None is written."""
    xml = (example_output / "sitemap.xml").read_text(encoding="utf-8")
    urls = re.findall(r"<url><loc>(.*?)</loc></url>", xml)
    assert len(urls) == xml.count("<url>") and len(urls) > 32 and "lastmod" not in xml


def test_links_out_search_by_title_only_without_a_paper_url(
    example_site: Path, example_output: Path
) -> None:
    papers = papers_by_slug(example_site)
    for slug, data in papers.items():
        doc = parse(example_output / "papers" / slug / "index.html")
        hrefs = [a["href"] or "" for t, a in doc.elements if t == "a" and a.get("href")]
        outs = [h for h in hrefs if "arxiv.org/search" in h or "semanticscholar" in h
                or "scholar.google" in h]  # fmt: skip
        if data.get("url"):
            assert not outs, slug
            continue
        assert len(outs) == 3, slug
        arxiv = next(h for h in outs if "arxiv.org" in h)
        assert parse_qs(urlsplit(arxiv).query)["query"] == [data["title"].replace("$", "")]
        scholar = next(h for h in outs if "scholar.google" in h)
        assert parse_qs(urlsplit(scholar).query)["q"] == [data["title"].replace("$", "")]


def test_hostile_title_cannot_break_out_of_json_ld_and_affiliations_are_tagged(
    fresh_site: Path,
) -> None:
    papers = fresh_site / "content" / "papers"
    path = sorted(papers.glob("*.md"))[0]
    text = path.read_text(encoding="utf-8")
    hostile = '</script><script>alert(1)</script> & "quotes" <!-- {{ 7*7 }}'
    text = re.sub(r"^title: .*$", "title: " + json.dumps(hostile), text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")
    first_author = re.search(r"^authors:\n- (.*)$", text, re.M).group(1)  # type: ignore[union-attr]
    (fresh_site / "content" / "people.yaml").write_text(
        f"- name: {first_author}\n  affiliation: Univ. of <Testing> & Co\n", encoding="utf-8"
    )
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    slug = path.stem
    html = (fresh_site / "output" / "papers" / slug / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert block
    assert "<" not in block.group(1)  # nothing inside can close or open a tag
    assert json.loads(block.group(1))["name"] == hostile
    assert "<script>alert(1)" not in html
    doc = parse(html)
    (ld,) = json_ld(doc)
    assert ld["author"][0]["affiliation"]["name"] == "Univ. of <Testing> & Co"
    tags = metas(doc)
    i = tags.index(("citation_author", split_name(first_author).inverted()))
    assert tags[i + 1] == ("citation_author_institution", "Univ. of <Testing> & Co")
    assert dict(tags)["citation_title"] == hostile
    bib = (fresh_site / "output" / "papers" / slug / f"{slug}.bib").read_text(encoding="utf-8")
    assert r"\textbraceleft{}\textbraceleft{} 7*7 \textbraceright{}\textbraceright{}" in bib


def test_a_paper_without_abstract_text_is_described_by_its_title_and_authors(
    fresh_site: Path,
) -> None:
    """An empty description tells a link preview or a search engine nothing: a paper with
    no abstract, or one that is only a code block, gets a sentence from its title and
    authors, as plain text."""
    import yaml

    first, second = sorted((fresh_site / "content" / "papers").glob("*.md"))[:2]
    for path, body in ((first, "```\nmake all\n```\n"), (second, "")):
        front, _ = split_front_matter(path.read_text(encoding="utf-8"), path.name)
        front = re.sub(r"^title: .*$", "title: Fast *graphs* & $x$", front, count=1, flags=re.M)
        path.write_text(f"---\n{front}---\n{body}", encoding="utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    for path in (first, second):
        data = yaml.safe_load(split_front_matter(path.read_text(), path.name)[0])
        end = " et al." if data.get("et_al") else "."
        doc = parse(fresh_site / "output" / "papers" / path.stem / "index.html")
        found = {v for k, v in metas(doc) + metas(doc, "property") if k.endswith("description")}
        assert found == {f"Fast graphs & $x$, by {', '.join(data['authors'])}{end}"}, found


def test_search_page_box_and_index_are_built(example_output: Path) -> None:
    assert (example_output / "pagefind" / "pagefind.js").is_file()
    doc = parse(example_output / "search" / "index.html")
    app = doc.find("div", id="search-app")[0]
    assert app["data-bundle"] == "../pagefind/pagefind.js"
    # the header box is a plain link to the timeline until search.js replaces it
    home = parse(
        example_output
        / "papers"
        / next(p.name for p in (example_output / "papers").iterdir() if p.is_dir())
        / "index.html"
    )
    box = home.find("div", **{"class": "search-box"})[0]
    assert box["data-search-url"] == "../../search/"
    assert home.find("a", **{"class": "search-fallback"})[0]["href"] == "../../timeline/"
    # paper pages carry the index body and its filters; other pages do not
    html = next((example_output / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert "data-pagefind-body" in html
    assert 'data-pagefind-filter="topic:' in html and 'data-pagefind-filter="year:' in html
    assert "data-pagefind-body" not in (example_output / "index.html").read_text()


def test_no_search_builds_no_index_page_or_box(fresh_site: Path) -> None:
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    out = fresh_site / "output"
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "search-box" not in (out / "index.html").read_text(encoding="utf-8")


def test_missing_pagefind_binary_warns_and_skips(fresh_site: Path) -> None:
    proc = run_cli(
        "build", "--site", fresh_site, env={"PAGEFIND_BINARY_PATH": "/nonexistent/pagefind"}
    )
    assert proc.returncode == 0, proc.stderr
    assert "search skipped" in proc.stderr and "Traceback" not in proc.stderr
    out = fresh_site / "output"
    assert (out / "index.html").is_file()
    assert not (out / "pagefind").exists() and not (out / "search").exists()
    assert "search-box" not in (out / "index.html").read_text(encoding="utf-8")


def test_person_json_ld_drops_bidi_and_control_characters(fresh_site: Path) -> None:
    """The page showed the bio and position cleaned; the JSON-LD took them as written, an
    open U+202E reversing what a search engine may show."""
    profile = fresh_site / "content" / "profile.yaml"
    profile.write_text(
        profile.read_text(encoding="utf-8")
        + 'position: "Professor \\u202eevil"\nbio: "Works\\x01 on \\u2066things"\n',
        encoding="utf-8",
    )
    run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL, check=True)
    (ld,) = json_ld(parse(fresh_site / "output" / "index.html"))
    assert ld["jobTitle"] == "Professor evil" and ld["description"] == "Works on things"


def test_a_papers_language_is_its_own_and_not_the_sites(fresh_site: Path) -> None:
    """A hunter's: a German site told Google Scholar that every paper, English ones too, was
    German (citation_language, inLanguage). A paper's language is what its file says, and
    nothing when it says nothing; its title and abstract carry it for screen readers."""
    (fresh_site / "sitegen.yaml").write_text("language: de\n")
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    said, silent = papers[0], papers[1]
    said.write_text(said.read_text().replace("---\n", "---\nlanguage: en\n", 1))
    out = fresh_site / "output"
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    doc = parse(out / "papers" / said.stem / "index.html")
    assert dict(metas(doc))["citation_language"] == "en"
    assert json_ld(doc)[0]["inLanguage"] == "en"
    assert doc.find("h1")[0]["lang"] == "en" and doc.find("div", lang="en")
    doc = parse(out / "papers" / silent.stem / "index.html")
    assert "citation_language" not in dict(metas(doc)) and "inLanguage" not in json_ld(doc)[0]
    said.write_text(said.read_text().replace("language: en", "language: English"))
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1
    assert "language: 'English' is not a language tag such as en, de or pt-BR" in proc.stderr
