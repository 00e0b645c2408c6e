"""Feeds as a feed reader sees them: parsed with feedparser, a real client."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from conftest import AS_OF, BASE_URL, MAKE_PROFILE, run_cli, seed_profile
from htmlutil import parse

ENTRY_HEAD = re.compile(r"^[A-Z]{2}[A-Z][a-z]{2} \d{1,2}(, \d{4})?(Code)?$", re.M)


def all_feeds(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.xml") if p.name in ("feed.xml", "atom.xml"))


def page_for(out: Path, link: str) -> Path:
    assert link.startswith(BASE_URL), link
    path = urlsplit(link).path.lstrip("/")
    return out / path / "index.html" if path.endswith("/") or not path else out / path


def test_every_feed_parses_in_order_with_existing_links(example_output: Path) -> None:
    feeds = all_feeds(example_output)
    # site + 6 topics + 40 coauthors + the news (conftest.add_portfolio), RSS and Atom each
    assert len(feeds) == 2 * (1 + 6 + 40 + 1)
    for path in feeds:
        d = feedparser.parse(path.read_bytes())
        assert d.bozo == 0, (path, d.get("bozo_exception"))
        assert d.entries, path
        dates = [e.published_parsed for e in d.entries]
        assert dates == sorted(dates, reverse=True), path
        for e in d.entries:
            assert page_for(example_output, e.link).is_file(), e.link
            assert e.id == e.link  # the guid is the permalink
    site = feedparser.parse((example_output / "feed.xml").read_bytes())
    assert len(site.entries) == 20  # feed_size default
    assert site.feed.link == BASE_URL
    atom = feedparser.parse((example_output / "atom.xml").read_bytes())
    assert [e.id for e in atom.entries] == [e.id for e in site.entries]


def test_entry_fields(example_output: Path) -> None:
    d = feedparser.parse((example_output / "atom.xml").read_bytes())
    assert d.feed.author == "Lemeng Wu"  # Atom asks an author of the feed or each entry
    entry = next(e for e in d.entries if "Llama Guard 3-1B-INT4" in e.title)
    assert [a.name for a in entry.authors][:3] == ["Igor Fedorov", "Kate Plawiak", "Lemeng Wu"]
    assert entry.tags[0].term == "DC"
    assert entry.published.startswith("2024-11-18")
    assert "et al." in entry.content[0].value
    rss = feedparser.parse((example_output / "feed.xml").read_bytes())
    item = next(e for e in rss.entries if "Llama Guard 3-1B-INT4" in e.title)
    assert item.author == "Igor Fedorov, Kate Plawiak, Lemeng Wu et al."
    assert item.published_parsed[:3] == (2024, 11, 18)


def test_topic_and_coauthor_feeds_follow_one_line_of_work(example_output: Path) -> None:
    cr = feedparser.parse((example_output / "topics" / "cr" / "feed.xml").read_bytes())
    assert len(cr.entries) == 1 and cr.entries[0].tags[0].term == "Cryptography and Security"
    cr_atom = feedparser.parse((example_output / "topics" / "cr" / "atom.xml").read_bytes())
    assert cr_atom.entries[0].tags[0].term == "CR"
    xl = feedparser.parse((example_output / "coauthors" / "xingchao-liu" / "atom.xml").read_bytes())
    assert xl.entries and all("Xingchao Liu" in [a.name for a in e.authors] for e in xl.entries)


def test_channel_date_is_newest_item_not_build_time(example_output: Path) -> None:
    d = feedparser.parse((example_output / "feed.xml").read_bytes())
    assert d.feed.updated_parsed == d.entries[0].published_parsed


def test_autodiscovery_and_subscribe_links(example_output: Path) -> None:
    for page in ("index.html", "timeline/index.html", "papers", "topics/lg/index.html"):
        path = example_output / page
        if path.is_dir():
            path = next(path.glob("*/index.html"))
        html = path.read_text()
        assert 'type="application/rss+xml"' in html and 'type="application/atom+xml"' in html
    for page in ("index.html", "timeline/index.html"):
        assert 'class="subscribe"' in (example_output / page).read_text()
    lg = (example_output / "topics" / "lg" / "index.html").read_text()
    assert 'href="feed.xml"' in lg or 'href="../../topics/lg/feed.xml"' in lg
    # a topic's and a coauthor's feed box comes before its papers, as the timeline's: after
    # a busy topic's 313 papers, 38,000 px down, no one found it (a scale hunter's report)
    coauthor = next((example_output / "coauthors").glob("*/index.html")).read_text()
    for html in (lg, coauthor):
        assert html.index('class="subscribe"') < html.index('class="paper-list')
    # the page's own feed first: a reader given the page's address takes the first one, and
    # had taken the site's (a feeds hunter's report)
    for page in ("topics/lg/index.html", "coauthors/xingchao-liu/index.html"):
        first = parse(example_output / page).find("link", rel="alternate")[0]["href"]
        assert first.endswith(page.replace("index.html", "feed.xml")), first
    # a reader given the site's address finds its news feeds too (a hunter's report)
    home = parse(example_output / "index.html")
    feeds = [link["href"] for link in home.find("link", rel="alternate")]
    assert {"news/feed.xml", "news/atom.xml"} <= set(feeds), feeds
    assert all((example_output / href).is_file() for href in feeds)


def _without(profile: str, titles: list[str]) -> str:
    starts = [m.start() for m in ENTRY_HEAD.finditer(profile)]
    blocks = [profile[a:b] for a, b in zip(starts, [*starts[1:], len(profile)], strict=True)]
    kept = [b for b in blocks if not any(t in b.splitlines()[1] for t in titles)]
    assert len(kept) == len(blocks) - len(titles)
    return profile[: starts[0]] + "".join(kept)


def test_new_papers_appear_and_nothing_else_changes(tmp_path: Path) -> None:
    full = seed_profile().read_text(encoding="utf-8")
    new_titles = ["Small Vision-Language Models", "Residual Mixture of Experts"]  # newest, older
    partial = tmp_path / "partial.txt"
    partial.write_text(_without(full, new_titles), encoding="utf-8")
    site = tmp_path / "site"
    run_cli("import", partial, "--site", site, "--as-of", AS_OF, check=True)
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    before = feedparser.parse((site / "output" / "feed.xml").read_bytes())
    before_atom = (site / "output" / "atom.xml").read_bytes()

    run_cli("import", seed_profile(), "--site", site, "--as-of", "2026-11-26", check=True)
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    after = feedparser.parse((site / "output" / "feed.xml").read_bytes())

    old = {e.id: e for e in before.entries}
    new_ids = [e.id for e in after.entries if e.id not in old]
    # the newest; not the paper of 2022, below the newest 20 by date: added more than a year
    # after its date, it is the back catalogue, no news (a feed of a year later's papers is
    # test_a_paper_added_now_reaches_subscribers_whatever_its_date's)
    assert len(new_ids) == 1 and "small-vision-language-models" in new_ids[0]
    assert after.entries[0].id == new_ids[0]
    for e in after.entries[1:]:
        if e.id in new_ids:
            continue
        o = old[e.id]
        assert (e.title, e.description, e.published, e.author) == (
            o.title,
            o.description,
            o.published,
            o.author,
        )
    # the items that dropped off the end are the oldest ones that were there
    dropped = set(old) - {e.id for e in after.entries}
    assert dropped == {before.entries[-1].id}
    # rebuilding unchanged content is byte-identical
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    assert (site / "output" / "feed.xml").read_bytes() == (
        site / "output" / "feed.xml"
    ).read_bytes()
    assert before_atom != (site / "output" / "atom.xml").read_bytes()


def test_base_url_sources_in_order(fresh_site: Path) -> None:
    def site_link(**kw: str) -> tuple[str, str]:
        args = ["build", "--site", fresh_site, "--no-search"]
        if "flag" in kw:
            args += ["--base-url", kw["flag"]]
        proc = run_cli(*args, env={"URL": kw.get("env", "")}, check=True)
        return feedparser.parse(
            (fresh_site / "output" / "feed.xml").read_bytes()
        ).feed.link, proc.stderr

    link, err = site_link()
    assert "example.invalid" in link and "no base URL" in err
    # a deploy hunter's: it names link previews too, and says what URL is
    assert "link previews (og:url)" in err and "the URL environment variable" in err
    link, err = site_link(env="https://netlify.example.net")
    assert link == "https://netlify.example.net/" and "no base URL" not in err
    (fresh_site / "sitegen.yaml").write_text("base_url: https://config.example.org/\n")
    assert site_link(env="https://netlify.example.net")[0] == "https://config.example.org/"
    assert site_link(flag="https://flag.example.org", env="https://n.example.net")[0] == (
        "https://flag.example.org/"
    )


@pytest.mark.parametrize(
    "given, base",
    [
        ("https://Müller.de/über", "https://xn--mller-kva.de/%C3%BCber/"),
        ("https://faß.de/", "https://xn--fa-hia.de/"),  # as browsers have it, not fass.de
    ],
)
def test_a_base_url_in_unicode_is_written_as_sitemaps_and_feeds_need_it(
    fresh_site: Path, given: str, base: str
) -> None:
    """A researcher types the domain as it reads (`müller.de`); sitemaps.org and RSS want
    the ASCII form, which every browser and crawler resolves to the same address."""
    run_cli("build", "--site", fresh_site, "--base-url", given, "--no-search", check=True)
    out = fresh_site / "output"
    locs = re.findall(r"<loc>([^<]*)</loc>", (out / "sitemap.xml").read_text())
    assert locs and all(loc.startswith(base) and loc.isascii() for loc in locs)
    assert feedparser.parse((out / "feed.xml").read_bytes()).feed.link == base
    assert parse(out / "index.html").find("link", rel="canonical")[0]["href"] == base


@pytest.mark.parametrize("url", ["https://example.org/%zz/", 'https://example.org/a"b/'])
def test_a_base_url_a_browser_would_read_otherwise_is_refused(fresh_site: Path, url: str) -> None:
    proc = run_cli("build", "--site", fresh_site, "--base-url", url, "--no-search")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "is not a valid URL" in proc.stderr
    assert not (fresh_site / "output").exists()


@pytest.mark.parametrize(
    ("url", "said"),
    [
        # a CI script's join: the 404 page linked to //repo/..., a host named `repo`
        ("https://user.github.io//repo/", "has an empty, `.` or `..` folder in its path"),
        ("https://x.org/a/./b/../repo/", "has an empty, `.` or `..` folder in its path"),
        # a staging server's login, printed in every canonical link, feed and sitemap
        ("https://alice:s3cret@staging.example.org/", "must not hold a user name or password"),
    ],
)
def test_a_base_url_that_would_publish_the_wrong_links_is_refused(
    fresh_site: Path, url: str, said: str
) -> None:
    proc = run_cli("build", "--site", fresh_site, "--base-url", url, "--no-search")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert f"base URL {url!r} (--base-url) {said}" in proc.stderr
    assert not (fresh_site / "output").exists()


def test_a_nav_url_that_is_no_valid_url_is_refused_at_its_line(fresh_site: Path) -> None:
    """`https://www.google.com/search?q=a|b` passed check, then every page failed the Nu
    checker: a nav link is held to what a base URL is, but for its query."""
    (fresh_site / "sitegen.yaml").write_text(
        "nav:\n  - {title: A, url: /timeline/}\n"
        "  - {title: B, url: 'https://www.google.com/search?q=a|b'}\n"
    )
    for command, *extra in (("build", "--no-search"), ("check",)):
        proc = run_cli(command, "--site", fresh_site, *extra)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert "sitegen.yaml:3: nav: url 'https://www.google.com/search?q=a|b' is not a valid" in (
            proc.stderr
        ), proc.stderr


def test_a_base_url_is_taken_in_any_case_and_a_bad_one_names_where_it_came_from(
    fresh_site: Path,
) -> None:
    """`HTTPS://` was refused as not starting with https://; a bad URL variable (Netlify's)
    was named only by its value; a space in the path was said to be a missing host."""
    run_cli(
        "build",
        "--site",
        fresh_site,
        "--base-url",
        "HTTPS://Ada.Example/me",
        "--no-search",
        check=True,
    )
    # in one spelling: a feed's entry ids are URLs, another spelling announces every paper
    # again (`Example.ORG:443` kept its case and port: a feeds hunter's report)
    feed = feedparser.parse((fresh_site / "output" / "feed.xml").read_bytes())
    assert feed.feed.link == "https://ada.example/me/"
    run_cli("build", "--site", fresh_site, "--base-url", "http://[::1]:80/x", "--no-search")
    feed = feedparser.parse((fresh_site / "output" / "feed.xml").read_bytes())
    assert feed.feed.link == "http://[::1]/x/"
    for args, env, said in (
        ((), {"URL": "not a url"}, "(the URL variable) must start with http:// or https://"),
        (("--base-url", "https://a.org/my site/"), {}, "(--base-url) must have no spaces"),
    ):
        proc = run_cli("build", "--site", fresh_site, "--no-search", *args, env=env)
        assert proc.returncode == 1 and said in proc.stderr, proc.stderr


def test_hostile_and_control_characters_give_well_formed_xml(fresh_site: Path) -> None:
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[-1]
    text = paper.read_text()
    text = re.sub(
        r"(?m)^title: .*$",
        lambda _: 'title: "Bad \\x01\\x0b chars & <b>bold</b> \\U0001F600 李明 ]]> \\u0085"',
        text,
        count=1,
    )
    paper.write_text(text + "\nMore <script>alert(1)</script> & \x07 bell.\n")
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    for name in ("feed.xml", "atom.xml"):
        d = feedparser.parse((fresh_site / "output" / name).read_bytes())
        assert d.bozo == 0, d.get("bozo_exception")
        titles = [e.title for e in d.entries]
        assert any("Bad chars & <b>bold</b> \U0001f600 李明 ]]>" in t for t in titles), titles


def test_links_within_an_abstract_point_at_its_page_in_feeds(fresh_site: Path) -> None:
    """A footnote's `#fn-1` would be resolved against the feed's own URL by a reader."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[-1]
    paper.write_text(paper.read_text() + "\nClaim.[^1]\n\n[^1]: Proof.\n")
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    page = f"{BASE_URL}papers/{paper.stem}/"
    for name in ("feed.xml", "atom.xml"):
        entry = next(
            e for e in feedparser.parse(fresh_site / "output" / name).entries if e.link == page
        )
        body = entry.content[0].value if "content" in entry else entry.description
        hrefs = re.findall(r'href="([^"]+)"', body)
        assert hrefs and all(h.startswith(page + "#fn") for h in hrefs if "#fn" in h), hrefs


@pytest.mark.slow
def test_synthetic_profile_feeds_parse(tmp_path: Path) -> None:
    profile = tmp_path / "p.txt"
    subprocess.run(
        [
            sys.executable,
            str(MAKE_PROFILE),
            "--papers",
            "300",
            "--seed",
            "5",
            "--out",
            str(profile),
        ],
        check=True,
    )
    site = tmp_path / "site"
    run_cli("import", profile, "--site", site, "--as-of", AS_OF, check=True)
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    feeds = all_feeds(site / "output")
    assert len(feeds) > 50
    for path in feeds:
        d = feedparser.parse(path.read_bytes())
        assert d.bozo == 0, (path, d.get("bozo_exception"))
        for e in d.entries:
            assert page_for(site / "output", e.link).is_file()


def test_a_collaboration_paper_names_its_first_authors_and_the_owner_in_lists(
    tmp_path: Path,
) -> None:
    """400 authors, the owner 250th: the paper's page names them all; its item on a
    coauthor's page and the entries of the feeds name the first ten, then the owner,
    then how many more. Naming all on every coauthor page and feed made gigabytes."""
    import yaml

    names = [f"Author Number{i:03d}" for i in range(400)]
    names[249] = "Ada Owner"
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ada Owner\n", encoding="utf-8")
    # counted as coauthors (the default makes a paper of more than 50 a collaboration's)
    (site / "sitegen.yaml").write_text("collaboration_authors: 500\n", encoding="utf-8")
    front = {"title": "A detector paper", "date": "2024-03-01", "topic": "hep-ex", "authors": names}
    (site / "content" / "papers" / "2024-detector.md").write_text(
        "---\n" + yaml.safe_dump(front) + "---\nWe observe a particle.\n", encoding="utf-8"
    )
    run_cli("build", "--site", site, "--no-search", "--base-url", BASE_URL, check=True)
    out = site / "output"
    page = parse(out / "papers" / "2024-detector" / "index.html")
    coauthors = {a["href"] for a in page.find("a") if "/coauthors/author-" in (a["href"] or "")}
    assert len(coauthors) == 399  # every coauthor, on the paper's own page
    item = parse(out / "coauthors" / "author-number300" / "index.html")
    listed = [
        a
        for a in item.find("a")
        if re.fullmatch(r"\.\./\.\./coauthors/author-number\d+/", a["href"] or "")
    ]
    assert len(listed) == 10
    assert re.search(r"Author Number009 ?, … Ada Owner and 389 more", item.text), item.text
    feed = feedparser.parse((out / "coauthors" / "author-number300" / "feed.xml").read_bytes())
    (entry,) = feed.entries  # RSS names them in one dc:creator line
    assert entry.author == ", ".join(names[:10]) + ", … Ada Owner and 389 more"
    atom = feedparser.parse((out / "coauthors" / "author-number300" / "atom.xml").read_bytes())
    # and says where the list is cut, as RSS does: read as the whole list (a hunter's)
    assert [a["name"] for a in atom.entries[0].authors] == [
        *names[:10],
        "Ada Owner",
        "and 389 more",
    ]
    assert "and 389 more" in atom.entries[0].summary


def test_feeds_are_in_the_language_of_the_pages(fresh_site: Path) -> None:
    """`language: de` made the pages `lang="de"`, and every feed still said English."""
    (fresh_site / "sitegen.yaml").write_text("language: de\n", encoding="utf-8")
    (fresh_site / "content" / "news").mkdir()
    (fresh_site / "content" / "news" / "2024-05-01-talk.md").write_text(
        "---\ndate: 2024-05-01\n---\nA talk.\n", encoding="utf-8"
    )
    run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL, check=True)
    out = fresh_site / "output"
    for rss in [out / "feed.xml", out / "news" / "feed.xml", *out.glob("topics/*/feed.xml")]:
        assert feedparser.parse(rss.read_bytes()).feed.language == "de", rss
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert 'xml:lang="de"' in (out / "atom.xml").read_text() and atom.entries


def test_titles_are_plain_text_where_markup_cannot_render(fresh_site: Path) -> None:
    """The browser tab, link previews, search results and feed readers show text: a title's
    Markdown as its text, math as its TeX; the page's heading still renders it."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[-1]
    title = r"*Attention* is  all: `grep` for **graphs** via [sparse](https://a.example/x) $\ell_1$"
    plain = r"Attention is all: grep for graphs via sparse $\ell_1$"
    text = re.sub(r"(?m)^title: .*$", lambda _: f"title: '{title}'", paper.read_text(), count=1)
    paper.write_text(text)
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    html = (fresh_site / "output" / "papers" / paper.stem / "index.html").read_text()
    assert parse(re.search(r"<title>.*?</title>", html).group()).text.startswith(plain + " · ")  # type: ignore[union-attr]
    doc = parse(html)
    assert doc.find("meta", property="og:title")[0]["content"] == plain
    assert doc.find("meta", name="twitter:title")[0]["content"] == plain
    (h1,) = doc.find("h1")
    assert h1["data-pagefind-meta"] == f"title:{plain}"
    assert re.search(r"<h1[^>]*><em>Attention</em> is  all: <code>grep</code>.*<math", html)
    assert doc.find("meta", name="citation_title")[0]["content"] == plain
    (ld,) = [json.loads(block) for block in doc.data_blocks]
    assert ld["name"] == ld["headline"] == plain
    searches = [a["href"] for a in doc.find("a") if "scholar" in (a.get("href") or "")]
    assert searches and not any("*" in url or "%2A" in url for url in searches), searches
    for name in ("feed.xml", "atom.xml"):
        titles = [e.title for e in feedparser.parse(fresh_site / "output" / name).entries]
        assert plain in titles, titles


def _paper(site: Path, name: str, title: str, date: str, authors: str, extra: str = "") -> None:
    text = f"---\ntitle: {title}\ndate: {date}\nauthors: {authors}\n{extra}---\nText.\n"
    (site / "content" / "papers" / f"{name}.md").write_text(text, encoding="utf-8")


def test_a_feed_keeps_its_subject_and_its_papers_as_the_site_grows(tmp_path: Path) -> None:
    """What a subscriber sees as papers are added and fixed: a coauthor's or a tag's feed
    keeps its address when a later name makes the same slug (李明 then Li Ming, C++
    then C: the newcomer took it, sorting first); a fixed typo in a title does not
    change which of one day's papers a full feed holds (they were ordered by title);
    a news item keeps its id when a newer one of the same name comes."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "news").mkdir()
    (site / "content" / "profile.yaml").write_text("name: Ada Lovelace\n", encoding="utf-8")
    (site / "sitegen.yaml").write_text("feed_size: 2\n", encoding="utf-8")
    _paper(site, "a", "Zeta", "2024-01-10", "[Ada Lovelace, 李明]", "tags: [C++]\n")
    _paper(site, "b", "Betta results", "2024-01-05", "[Ada Lovelace]")
    _paper(site, "c", "Delta results", "2024-01-05", "[Ada Lovelace]")
    (site / "content" / "news" / "award.md").write_text("---\ndate: 2023-05-01\n---\nAward.\n")

    def build() -> Path:
        run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
        return site / "output"

    def titles(feed: Path) -> list[str]:
        return [e.title for e in feedparser.parse(feed.read_bytes()).entries]

    out = build()
    held = titles(out / "feed.xml")
    (site / "content" / "papers" / "b.md").write_text(
        (site / "content" / "papers" / "b.md").read_text().replace("Betta", "Theta")
    )
    assert titles(build() / "feed.xml") == [t.replace("Betta", "Theta") for t in held]

    _paper(site, "d", "Li Ming's paper", "2025-02-01", "[Ada Lovelace, Li Ming]", "tags: [C]\n")
    # an old paper imported now arrives now: its names do not take older ones' addresses
    _paper(
        site,
        "e",
        "Old work",
        "2018-03-01",
        "[Ada Lovelace, Li Ming]",
        "tags: [C]\nadded: 2025-04-01\n",
    )
    (site / "content" / "news" / "Award.md").write_text("---\ndate: 2025-03-01\n---\nNew.\n")
    out = build()
    assert titles(out / "coauthors" / "li-ming" / "atom.xml") == ["Zeta"]
    assert titles(out / "tags" / "c" / "atom.xml") == ["Zeta"]
    assert titles(out / "coauthors" / "li-ming-2" / "atom.xml") == ["Li Ming's paper", "Old work"]
    news = {
        e.id: e.description
        for e in feedparser.parse((out / "news" / "atom.xml").read_bytes()).entries
    }
    assert news[f"{BASE_URL}news/#news-award"].startswith("<p>Award.")


def test_a_paper_added_now_reaches_subscribers_whatever_its_date(tmp_path: Path) -> None:
    """A feed held the newest papers by date: a journal paper of 2025 imported in November
    from Scholar's BibTeX (dated 1 January, its day and month unknown) fell below the cut
    and never reached a subscriber. A feed holds the papers that came last."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ada Lovelace\n", encoding="utf-8")
    (site / "sitegen.yaml").write_text("feed_size: 2\n", encoding="utf-8")
    # the site's first import on 1 December; a second one in January
    _paper(site, "a", "March", "2025-03-01", "[Ada Lovelace]", "added: 2025-12-01\n")
    _paper(site, "b", "February", "2025-02-01", "[Ada Lovelace]", "added: 2025-12-01\n")
    _paper(site, "c", "Old and hand-written", "2019-05-01", "[Ada Lovelace]")
    _paper(site, "d", "Journal", "2025", "[Ada Lovelace]", "added: 2026-01-10\n")
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((site / "output" / name).read_bytes())
        assert [e.title for e in feed.entries] == ["March", "Journal"]  # newest first by date
    timeline = parse(site / "output" / "timeline" / "index.html").text
    assert timeline.index("February") < timeline.index("Journal")  # lists: by date, as ever
    # a paper written by hand (no `added`) came when it is dated: the newest one is news,
    # though the import's papers were all added after its date (a reviewer's report)
    _paper(site, "e", "Hand-written", "2025-11-30", "[Ada Lovelace]")
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    feed = feedparser.parse((site / "output" / "feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["Hand-written", "Journal"]
    # the back catalogue, imported a year or more after its date, is no news: 20 papers of
    # 2010 imported at once had filled the feed and pushed the newest out (a feeds hunter's)
    for i in range(3):
        _paper(site, f"old{i}", f"Old {i}", "2010", "[Ada Lovelace]", "added: 2026-01-10\n")
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((site / "output" / name).read_bytes())
        assert [e.title for e in feed.entries] == ["Hand-written", "Journal"]
        # the feed changed when its last paper came, not on its newest date
        assert feed.feed.updated_parsed[:3] == (2026, 1, 10)
    # a forthcoming paper came when it was added: no feed is updated in the future
    _paper(site, "f", "Forthcoming", "2026-06", "[Ada Lovelace]", "added: 2026-01-10\n")
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    feed = feedparser.parse((site / "output" / "atom.xml").read_bytes())
    assert feed.entries[0].title == "Forthcoming"
    assert feed.feed.updated_parsed[:3] == (2026, 1, 10)


def test_coauthors_are_in_dictionary_order_where_counts_tie(tmp_path: Path) -> None:
    """Names sorted by code point put every accented initial after Z (Ängel, Émile after
    Zed), on the coauthor index and in the search page's coauthor filter."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ada Lovelace\n", encoding="utf-8")
    _paper(site, "a", "One", "2024-01-10", "[Ada Lovelace, Zed Adams, Émile Zola, Ängel Ørsted]")
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    html = (site / "output" / "coauthors" / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'href="\.\./coauthors/([^"/]+)/"', html)
    assert linked == ["angel-orsted", "emile-zola", "zed-adams"], linked
