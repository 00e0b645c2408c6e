"""A paper's old URLs (`aliases:`): each gets a page that sends readers on, feeds keep
the entry readers have, and an old URL that would take another page's place is an error
at the paper's line. Real builds of the example site, read with an HTML parser and
feedparser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from conftest import BASE_URL, run_cli
from htmlutil import parse
from test_incremental import assert_same_as_cold, build, paper_files, tree_bytes


def add_front_matter(path: Path, lines: str) -> None:
    path.write_text(path.read_text().replace("---\n", f"---\n{lines}", 1))


def line_of(path: Path, start: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith(start))


def feed_ids(output: Path, feed: str) -> dict[str, str]:
    """Entry link -> entry id, from the RSS and the Atom file of one feed (they agree)."""
    rss, atom = (
        feedparser.parse((output / feed / name).read_bytes()) for name in ("feed.xml", "atom.xml")
    )
    assert not rss.bozo and not atom.bozo
    ids = {e.link: e.id for e in rss.entries}
    assert ids == {e.link: e.id for e in atom.entries}
    return ids


def test_a_renamed_paper_keeps_its_old_urls_and_its_feed_entry(
    fresh_site: Path, tmp_path: Path
) -> None:
    paper = paper_files(fresh_site)[-1]  # the newest: in the site's feed
    old = paper.stem
    before = feed_ids(build(fresh_site).output, "")
    assert before[f"{BASE_URL}papers/{old}/"] == f"{BASE_URL}papers/{old}/"

    paper.rename(paper.with_name("renamed.md"))  # a new URL, as a shorter file name gives
    add_front_matter(
        paper.with_name("renamed.md"),
        f"aliases:\n- {old}\n- /publication/{old}\n- /pubs/Old_Name.html\n",
    )
    out = build(fresh_site).output
    new_url = f"{BASE_URL}papers/renamed/"
    for page in (f"papers/{old}/index.html", f"publication/{old}/index.html", "pubs/Old_Name.html"):
        doc = parse(out / page)
        refresh = next(a for t, a in doc.elements if a.get("http-equiv") == "refresh")["content"]
        target = re.fullmatch(r"0; url=(.+)", refresh)[1]  # type: ignore[index]
        assert urljoin(BASE_URL + page, target) == new_url, page
        assert doc.find("link", rel="canonical")[0]["href"] == new_url
        assert doc.find("meta", name="robots")[0]["content"] == "noindex"
        assert [a["href"] for a in doc.find("a")] == [target]  # for a reader without the refresh
        assert doc.find("meta", name="viewport")  # and on a phone, not a desktop page shrunk
        # the site's icon, or a browser asks the host's root for /favicon.ico: a 404 logged
        # at every visit through an old URL (a deploy hunter's report)
        icon = urljoin(BASE_URL + page, doc.find("link", rel="icon")[0]["href"])
        assert icon == f"{BASE_URL}favicon.svg" and (out / "favicon.svg").is_file()
    assert (out / "papers" / "renamed" / "index.html").is_file()
    sitemap = (out / "sitemap.xml").read_text()
    assert new_url in sitemap and old not in sitemap  # old URLs are not pages to find
    # readers have the entry under its first URL: the renamed paper is not news again
    assert feed_ids(out, "")[new_url] == f"{BASE_URL}papers/{old}/"
    assert '<guid isPermaLink="false">' in (out / "feed.xml").read_text()
    assert_same_as_cold(fresh_site, tmp_path)

    # an alias given up: its page goes, and incremental still equals cold
    text = paper.with_name("renamed.md").read_text()
    paper.with_name("renamed.md").write_text(text.replace(f"- /publication/{old}\n", ""))
    out = build(fresh_site).output
    assert not (out / "publication").exists()
    assert_same_as_cold(fresh_site, tmp_path)


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("https://example.org/publication/x/", "is not an old URL of this site"),
        ("/publication/../x/", "is not an old URL of this site"),
        ("/pubs/paper.php?id=3", "is not an old URL of this site"),
        ("//evil.example/x", "is not an old URL of this site"),
        ("/con/x.html", "is not an old URL of this site"),  # Windows cannot make it
        # the rule said, not only "give a path from the site's root", which this is
        ("/publication/über/", "of ASCII letters, digits and . _ ~ -"),
        ("SELF", "is this paper's own URL"),
    ],
)
def test_an_alias_that_is_no_old_url_is_refused_at_its_line(
    fresh_site: Path, given: str, why: str
) -> None:
    paper = paper_files(fresh_site)[3]
    value = paper.stem if given == "SELF" else given
    add_front_matter(paper, f"aliases:\n- /fine/\n- '{value}'\n")
    proc = run_cli("build", "--site", fresh_site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    rel = f"content/papers/{paper.name}"
    line = line_of(paper, "aliases:") + (2 if given != "SELF" else 0)
    assert re.search(rf"{re.escape(rel)}:{line}: aliases: .*{re.escape(why)}", proc.stderr), (
        proc.stderr
    )


def test_a_single_bad_alias_not_in_a_list_is_refused_at_its_line(fresh_site: Path) -> None:
    """`aliases: https://...` (one old URL, no list) was said to be at line 1."""
    paper = paper_files(fresh_site)[3]
    add_front_matter(paper, "aliases: 'https://example.org/publication/x/'\n")
    proc = run_cli("build", "--site", fresh_site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    where = f"content/papers/{paper.name}:{line_of(paper, 'aliases:')}: aliases: "
    assert where in proc.stderr, proc.stderr


def test_an_alias_written_with_the_sites_own_path_is_refused(fresh_site: Path) -> None:
    """A feeds hunter's: on a site at /~me/, an old URL copied from the browser's address bar,
    `/~me/papers/old/`, was taken as a path from the site's folder: its redirect went to
    /~me/~me/papers/old/, and the feed's entry id moved, so the paper was news again."""
    paper = paper_files(fresh_site)[3]
    add_front_matter(paper, "aliases:\n- /~me/papers/old-name/\n")
    args = ("build", "--site", fresh_site, "--no-search")
    proc = run_cli(*args, "--base-url", "https://example.org/~me/")
    where = f"content/papers/{paper.name}:{line_of(paper, 'aliases:')}: "
    assert proc.returncode == 1, proc.stderr
    assert f"{where}aliases: /~me/papers/old-name/ starts with the site's own path, /~me/: " in (
        proc.stderr
    )
    assert "a path from the site's folder, /papers/old-name/" in proc.stderr
    run_cli(*args, "--base-url", "https://example.org/", check=True)  # there, a path of its own
    # a former slug on a site at /papers/ is its papers/papers/SLUG/: no false alarm
    text = paper.read_text(encoding="utf-8").replace("/~me/papers/old-name/", "2020-old-name")
    paper.write_text(text, encoding="utf-8")
    run_cli(*args, "--base-url", "https://example.org/papers/", check=True)


@pytest.mark.slow  # a dozen builds and checks
def test_an_old_url_leads_to_one_page(fresh_site: Path) -> None:
    a, b, c = paper_files(fresh_site)[:3]
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    before = tree_bytes(fresh_site / "output")

    def fails(paper: Path, message: str) -> None:
        for command, *extra in (("build", "--no-search"), ("check",)):
            proc = run_cli(command, "--site", fresh_site, *extra)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
            where = f"content/papers/{paper.name}:{line_of(paper, 'aliases:')}: "
            assert where + message in proc.stderr, (command, proc.stderr)
        assert tree_bytes(fresh_site / "output") == before  # the last build stays

    original = {p: p.read_text() for p in (a, b, c)}
    add_front_matter(b, f"aliases: [{a.stem}]\n")  # another paper's page
    fails(b, f"aliases: /papers/{a.stem}/ is the page of content/papers/{a.name}")
    b.write_text(original[b])
    add_front_matter(b, "aliases: [/publication/x]\n")
    add_front_matter(c, "aliases: [/publication/x/]\n")  # one old URL, two papers
    fails(c, f"aliases: /publication/x/ is an old URL too of content/papers/{b.name}")
    c.write_text(original[c])
    add_front_matter(b, "draft: true\n")  # a draft keeps what it holds
    add_front_matter(c, "aliases: [/publication/x/]\n")
    fails(c, f"aliases: /publication/x/ is an old URL too of content/papers/{b.name}")
    b.write_text(original[b])
    c.write_text(original[c])
    add_front_matter(c, "aliases: [/topics/cv/]\n")  # a page the site makes
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    where = f"content/papers/{c.name}:{line_of(c, 'aliases:')}: "
    assert (
        proc.returncode == 1
        and where + "aliases: /topics/cv/ is a page or file the site has" in proc.stderr
    )
    assert tree_bytes(fresh_site / "output") == before


@pytest.mark.parametrize("old", ["/feed.xml", "/sitemap.xml", "/news/feed.xml", "/robots.txt"])
def test_an_old_url_where_the_site_has_a_file_is_named_at_its_line(
    fresh_site: Path, old: str
) -> None:
    """A hunter's: `/feed.xml` as an old URL wanted feed.xml/index.html beside the feed
    file: the build failed on its temporary folder ('Is a directory'), and check said ok."""
    paper = paper_files(fresh_site)[3]
    add_front_matter(paper, f"aliases: ['{old}']\n")
    (fresh_site / "content" / "news").mkdir(exist_ok=True)
    (fresh_site / "content" / "news" / "n.md").write_text("---\ndate: 2024-01-01\n---\nNews.\n")
    for command, *extra in (("build", "--no-search"), ("check",)):
        proc = run_cli(command, "--site", fresh_site, *extra)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        where = f"content/papers/{paper.name}:{line_of(paper, 'aliases:')}: "
        assert where + f"aliases: {old}/ is a page or file the site has" in proc.stderr, proc.stderr


def test_an_old_url_claims_only_its_own_path(fresh_site: Path) -> None:
    """A hunter's: `/publication/pim/` took the whole publication/ folder, so the old site's
    PDF kept in root/publication/pim/ and an own page at /publication/ were refused."""
    paper = paper_files(fresh_site)[3]
    add_front_matter(paper, "aliases: [/publication/pim/]\n")
    (fresh_site / "root" / "publication" / "pim").mkdir(parents=True)
    (fresh_site / "root" / "publication" / "pim" / "pim.pdf").write_bytes(b"%PDF-1.4\n")
    out = build(fresh_site).output
    assert (out / "publication" / "pim" / "pim.pdf").read_bytes() == b"%PDF-1.4\n"
    assert (out / "publication" / "pim" / "index.html").is_file()
    shutil.rmtree(fresh_site / "root")  # an own page may not share a folder with root/ files
    (fresh_site / "content" / "pages").mkdir()
    (fresh_site / "content" / "pages" / "publication.md").write_text("---\ntitle: P\n---\nAll.\n")
    out = build(fresh_site).output
    assert "All." in (out / "publication" / "index.html").read_text()
    assert (out / "publication" / "pim" / "index.html").is_file()


def test_a_long_old_url_that_is_no_path_is_refused_at_once() -> None:
    """The path pattern tried every way to split `/aaa...!` into folders: 24 letters took a
    second, 30 a minute, so a hostile Hugo page's alias hung the import (this test too)."""
    from sitegen.content import alias_url

    assert alias_url("/" + "a" * 5000 + "!") is None
    assert alias_url("/publication/" + "a" * 5000 + "/") == "publication/" + "a" * 5000 + "/"


def test_an_old_url_on_the_search_page_is_refused_without_search_too(fresh_site: Path) -> None:
    """A deploy hunter's: `aliases: ['/search/']` built in the preview and with --no-search
    (no search page there), then failed the deploy, whose build has Pagefind."""
    paper = paper_files(fresh_site)[3]
    add_front_matter(paper, "aliases:\n- /search/\n")
    for flags in (["--no-search"], []):
        proc = run_cli("build", "--site", fresh_site, *flags)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert f"{paper.name}:{line_of(paper, 'aliases:')}: aliases: /search/ is a page" in (
            proc.stderr
        ), proc.stderr
    # a site that turns search off has no search page: the old URL is free
    (fresh_site / "sitegen.yaml").write_text("search: false\n", encoding="utf-8")
    assert run_cli("build", "--site", fresh_site).returncode == 0
