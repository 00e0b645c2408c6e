"""A site in its owner's language: `language` picks the theme's words/LANG.yaml, `words:` in
sitegen.yaml overrides single phrases, and nothing English the file translates is left."""

from __future__ import annotations

import json
import re
import string
from pathlib import Path

import feedparser
import pytest
import yaml
from conftest import BASE_URL, REPO, add_portfolio, run_cli
from htmlutil import parse

WORDS = REPO / "themes" / "default" / "words"
TEMPLATES = REPO / "themes" / "default" / "templates"
ENGLISH = yaml.safe_load((WORDS / "en.yaml").read_text(encoding="utf-8"))
GERMAN = yaml.safe_load((WORDS / "de.yaml").read_text(encoding="utf-8"))
MONTHS_DE = "Januar Februar März April Mai Juni Juli August September Oktober November Dezember"


def build(site: Path, config: str) -> tuple[Path, str]:
    (site / "sitegen.yaml").write_text(config, encoding="utf-8")
    proc = run_cli("build", "--site", site, "--no-search", "--base-url", BASE_URL)
    assert proc.returncode == 0, proc.stderr
    return site / "output", proc.stderr


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import make_site

    site = make_site(tmp_path_factory.mktemp("de") / "site")
    add_portfolio(site)  # news, and a CV with a position held to the present
    return build(site, "language: de\n")[0]


def visible(page: Path) -> list[str]:
    return [" ".join(t.split()) for t in parse(page).text_parts if t.strip()]


def test_a_german_site_shows_german_words_and_dates(german: Path) -> None:
    home = " ".join(visible(german / "index.html"))
    assert "Neueste Publikationen" in home and "Zum Inhalt springen" in home
    assert "31. August 2022" in home  # a news item's date
    paper = next((german / "papers").glob("*/index.html"))
    text = " ".join(visible(paper))
    assert "Zusammenfassung" in text
    assert re.search(rf"\b\d{{1,2}}\. ({MONTHS_DE.replace(' ', '|')}) \d{{4}}\b", text)
    cv = " ".join(visible(german / "cv" / "index.html"))
    assert "Sept. 2022 – heute" in cv and "Beruflicher Werdegang" in cv
    timeline = " ".join(visible(german / "timeline" / "index.html"))
    assert "die neuesten zuerst" in timeline and "Publikationen pro Jahr, nach Thema" in timeline
    feed = feedparser.parse((german / "feed.xml").read_bytes())
    assert feed.feed.title.endswith(": Publikationen")
    assert feed.feed.subtitle.startswith("Neue Publikationen von ")
    news = feedparser.parse((german / "news" / "atom.xml").read_bytes())
    assert news.feed.title.endswith(": Neuigkeiten")


def test_no_english_phrase_that_german_translates_is_left(german: Path) -> None:
    """A phrase is a text of its own on a page (a heading, a label), or a run of three words
    or more of a sentence between its `{placeholders}`."""
    translated = [p for p, text in GERMAN.items() if text != p]
    whole = {p.rstrip(":") for p in translated} - {"CV"}  # also Computer Vision's chip
    runs = {
        run.strip(" .,;:()")
        for p in translated
        for run in re.split(r"\{\w+\}", p)
        if len(run.split()) >= 3  # "and the" is in abstracts too
    }
    pages = sorted(german.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        texts = visible(page)
        joined = " ".join(texts)
        left = {t for t in texts if t.rstrip(":") in whole} | {r for r in runs if r in joined}
        assert not left, (page.relative_to(german), sorted(left))
    for feed in ("feed.xml", "atom.xml", "news/feed.xml"):
        text = (german / feed).read_text(encoding="utf-8")
        assert not {r for r in runs if r in text}, feed


@pytest.mark.parametrize(
    ("language", "date", "heading"),
    [
        ("de", "31. August 2022", "Neueste Publikationen"),
        ("fr", "31 août 2022", "Publications récentes"),
        ("es", "31 de agosto de 2022", "Publicaciones recientes"),
        ("zh", "2022年8月31日", "近期论文"),
    ],
)
def test_each_built_in_language_dates_and_heads_the_home_page(
    fresh_site: Path, language: str, date: str, heading: str
) -> None:
    add_portfolio(fresh_site)
    out, stderr = build(fresh_site, f"language: {language}\n")
    assert "unknown phrase" not in stderr
    home = " ".join(visible(out / "index.html"))
    assert date in home and heading in home, home


def _only(table: dict[str, str], other: str) -> set[str]:
    """The Chinese characters of a table's texts the `other` script's encoding has not (Big5
    is Traditional, GB2312 Simplified): 论 and 論, not 摘要."""
    chars = {c for text in table.values() for c in text if "\u4e00" <= c <= "\u9fff"}
    return {c for c in chars if not c.encode(other, "ignore")}


@pytest.mark.parametrize(
    ("language", "script", "heading"),
    [
        ("zh-TW", "Hant", "近期著作"),
        ("zh-Hant", "Hant", "近期著作"),
        ("zh-hk", "Hant", "近期著作"),  # tags are case-insensitive
        ("zh-CN", "Hans", "近期论文"),
        ("zh-Hans-TW", "Hans", "近期论文"),
    ],
)
@pytest.mark.slow  # about a second in the quick loop
def test_chinese_sites_show_the_script_their_readers_write(
    fresh_site: Path, language: str, script: str, heading: str
) -> None:
    """zh.yaml is Simplified, and was the only file a zh-TW, zh-HK or zh-Hant site read."""
    simplified = yaml.safe_load((WORDS / "zh.yaml").read_text(encoding="utf-8"))
    traditional = yaml.safe_load((WORDS / "zh-Hant.yaml").read_text(encoding="utf-8"))
    other = _only(simplified, "big5") if script == "Hant" else _only(traditional, "gb2312")
    out, stderr = build(fresh_site, f"language: {language}\n")
    assert "unknown phrase" not in stderr
    home = " ".join(visible(out / "index.html"))
    assert heading in home, home
    assert not other & set(home), sorted(other & set(home))


def test_words_override_single_phrases_in_any_language(fresh_site: Path) -> None:
    out, _ = build(fresh_site, "language: de\nwords:\n  Abstract: Kurzfassung\n")
    text = " ".join(visible(next((out / "papers").glob("*/index.html"))))
    assert "Kurzfassung" in text and "Zusammenfassung" not in text
    assert "Themen" in text  # the rest of the German file still applies
    # a language with no file of its own: English, but for the phrases given
    config = "language: nl\nwords:\n  Related papers: Verwante artikelen\n  May: mei\n"
    out, _ = build(fresh_site, config)
    page = next(p for p in (out / "papers").glob("*/index.html") if "related-h" in p.read_text())
    text = " ".join(visible(page))
    assert "Verwante artikelen" in text and "Related papers" not in text and "Abstract" in text
    assert parse(out / "index.html").find("html")[0]["lang"] == "nl"


def test_an_unknown_phrase_warns_at_its_line_in_build_and_check(fresh_site: Path) -> None:
    config = "language: de\nwords:\n  Abstract: Kurzfassung\n  Relatd papers: Siehe auch\n"
    _, stderr = build(fresh_site, config)
    want = "sitegen.yaml:4: warning: unknown phrase 'Relatd papers': did you mean 'Related papers'?"
    assert want in stderr, stderr
    proc = run_cli("check", "--site", fresh_site)
    assert want in proc.stderr + proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("config", "line", "problem"),
    [
        ("words:\n  Abstract: Kurzfassung\n  Tags: [a, b]\n", 3, "'Tags' must be given a"),
        ("words:\n  Abstract: ''\n", 2, "'Abstract' must be given a non-empty text"),
        ("words:\n  Abstract: 42\n", 2, "'Abstract' must be given a text, in quotes"),
        ("language: de\nwords: Kurzfassung\n", 2, "must map the theme's phrases"),
    ],
)
def test_a_bad_words_value_is_an_error_at_its_line(
    fresh_site: Path, config: str, line: int, problem: str
) -> None:
    (fresh_site / "sitegen.yaml").write_text(config, encoding="utf-8")
    for command in ("build", "check"):
        proc = run_cli(command, "--site", fresh_site)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"sitegen.yaml:{line}: words: " in proc.stderr and problem in proc.stderr


def test_every_phrase_the_templates_use_is_in_en_yaml() -> None:
    used = set()
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for inside in re.findall(r"words\[(.*?)\]", text):
            used |= {a or b for a, b in re.findall(r'"([^"]*)"|\'([^\']*)\'', inside)}
        for word in re.findall(r"""plural\([^,]+, ["']([^"']+)["']\)""", text):
            used |= {"{n} " + word, "{n} " + word + "s"}
    assert len(used) > 80
    assert used <= set(ENGLISH), sorted(used - set(ENGLISH))


@pytest.mark.parametrize("name", sorted(p.name for p in WORDS.glob("*.yaml") if p.stem != "en"))
def test_every_language_file_translates_en_yaml_phrases_keeping_their_fields(name: str) -> None:
    table = yaml.safe_load((WORDS / name).read_text(encoding="utf-8"))
    assert set(table) <= set(ENGLISH), sorted(set(table) - set(ENGLISH))
    fields = string.Formatter()
    for phrase, text in table.items():
        assert isinstance(text, str) and text.strip(), phrase
        names = {f for _, f, _, _ in fields.parse(phrase) if f}
        assert {f for _, f, _, _ in fields.parse(text) if f} == names, (name, phrase, text)
    assert len(ENGLISH) == len(set(ENGLISH))


@pytest.mark.parametrize("name", sorted(p.name for p in WORDS.glob("*.yaml") if p.stem != "en"))
def test_every_shipped_language_file_gives_every_phrase(name: str) -> None:
    """A built-in language says each phrase, where it is the English too ("et al."): de.yaml
    had no `code`, and German lists showed "· code", which no test could tell from intent."""
    table = yaml.safe_load((WORDS / name).read_text(encoding="utf-8"))
    assert not [p for p in ENGLISH if p not in table]


COUNTED = "papers|coauthors|publications|items|count|subjects"  # filled with a `{n} ...` phrase
ARTICLES = "der|die|den|dem|des|das|alle|les|ses|aux|tous|toutes|los|las|sus|todos|todas"


@pytest.mark.parametrize("name", sorted(p.name for p in WORDS.glob("*.yaml") if p.stem != "en"))
def test_no_plural_article_stands_before_a_count(name: str) -> None:
    """A count is "1 Publikation" as well as "12 Publikationen": "Anteil der {papers}" read
    "Anteil der 1 Publikation" on a site with one paper."""
    table = yaml.safe_load((WORDS / name).read_text(encoding="utf-8"))
    wrong = re.compile(rf"\b({ARTICLES})\s+\{{({COUNTED})\}}", re.IGNORECASE)
    assert not [text for text in table.values() if wrong.search(text)]


def test_a_template_written_before_words_still_formats_dates_in_english(tmp_path: Path) -> None:
    """`|date` and `|date('month')` were the documented filter before words were: a site
    template using them still builds, with the English dates it had."""
    from conftest import make_site

    site = make_site(tmp_path / "site")
    (site / "templates").mkdir()
    (site / "templates" / "404.html").write_text(
        "{% extends 'default/404.html' %}{% block content %}<p id=d>"
        "{{ site.papers[0].date|date }} / {{ site.papers[0].date|date('month') }}</p>"
        "{% endblock %}\n",
        encoding="utf-8",
    )
    out, _ = build(site, "language: de\n")
    text = (out / "404.html").read_text(encoding="utf-8")
    assert re.search(r"<p id=d>\d{1,2} [A-Z][a-z]+ \d{4} / [A-Z][a-z]{2} \d{4}</p>", text), text


@pytest.mark.parametrize(
    "text, problem",
    [
        ("Neu von {name}", "{name} is not one of its fields ({owner})"),
        ("Neu von {owner.__class__}", "{owner.__class__} is not a field"),
        ("Neu von {owner", "expected '}' before end of string"),
    ],
)
def test_a_text_may_use_only_its_phrase_s_own_fields(
    tmp_path: Path, text: str, problem: str
) -> None:
    """`{name}` for `{owner}` stopped the build with a KeyError traceback; `{x.attr}` reached
    past the value. Both are an error at the phrase's line, from build and check alike."""
    from conftest import make_site

    site = make_site(tmp_path / "site")
    config = f'language: de\nwords:\n  "New publications by {{owner}}": "{text}"\n'
    (site / "sitegen.yaml").write_text(config, encoding="utf-8")
    for command in ("build", "check"):
        proc = run_cli(command, "--site", site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert f"sitegen.yaml:3: 'New publications by {{owner}}': {problem}" in proc.stderr


def test_markup_in_a_text_is_shown_as_text_in_the_charts(fresh_site: Path) -> None:
    """The charts' SVG is written by Python, not by Jinja: a `{n} papers` text went into
    its <title>s unescaped, so `<script>` in it ran on the home, timeline and coauthors pages."""
    config = (
        "words:\n"
        '  "{n} papers": "{n} papers<img src=x onerror=alert(1)>"\n'
        '  "{n} paper": "{n} paper<script>alert(2)</script>"\n'
        '  "{n} joint papers": "{n} joint papers<script>alert(3)</script>"\n'
    )
    out, _ = build(fresh_site, config)
    for page in ("index.html", "timeline/index.html", "coauthors/index.html"):
        html = parse(out / page)
        assert not html.find("img", src="x"), page
        assert not any("alert" in s for s in html.script_texts), page
    assert "papers<img src=x onerror=alert(1)>" in parse(out / "index.html").text
    assert "joint papers<script>alert(3)</script>" in parse(out / "coauthors/index.html").text


def test_a_theme_s_words_file_is_checked_and_cleaned_as_sitegen_yaml_s_words(
    fresh_site: Path,
) -> None:
    """A site theme's words/de.yaml kept control characters (in every page, and a feed that
    is not XML), took an empty text, and had a bad value reported at line 1."""
    (fresh_site / "themes" / "my" / "words").mkdir(parents=True)
    de = fresh_site / "themes" / "my" / "words" / "de.yaml"
    de.write_text('publications: "Pub\\x01likationen"\nAbstract: "Zusammen\\x08fassung"\n')
    out, _ = build(fresh_site, "language: de\ntheme: my\n")
    paper = next((out / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert "Zusammenfassung" in paper and "\x08" not in paper
    feed = (out / "feed.xml").read_text(encoding="utf-8")
    assert ": Publikationen<" in feed and "\x01" not in feed
    for body, line, problem in [
        (
            "# mine\nAbstract: Kurzfassung\nTopics: 5\n",
            3,
            "'Topics' must be given a text, in quotes",
        ),
        ("Tags: Schlagwörter\nAbstract: ''\n", 2, "'Abstract' must be given a non-empty text"),
    ]:
        de.write_text(body, encoding="utf-8")
        proc = run_cli("build", "--site", fresh_site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert f"de.yaml:{line}: {problem}" in proc.stderr, proc.stderr


def test_a_phrase_without_fields_is_shown_as_written_braces_and_all(fresh_site: Path) -> None:
    """Only a phrase with `{fields}` is formatted: "Abstract {" was refused as a bad format
    string, though the page shows a fieldless phrase's text verbatim."""
    config = 'words:\n  Abstract: "Abstract {"\n  Related papers: "See {{also}}"\n'
    out, _ = build(fresh_site, config)
    page = next(p for p in (out / "papers").glob("*/index.html") if "related-h" in p.read_text())
    text = " ".join(visible(page))
    assert "Abstract {" in text and "See {{also}}" in text


def test_a_website_link_and_the_topicless_papers_are_named_in_the_site_s_words(
    fresh_site: Path,
) -> None:
    """ "Website", "Link" (profile links) and "Other" (papers without a topic) were set in
    Python, in English, whatever the site's language."""
    content = fresh_site / "content"
    with (content / "profile.yaml").open("a", encoding="utf-8") as f:
        f.write('links:\n  website: https://lemeng.example.org/\n  "": https://x.example.org/\n')
    paper = "---\ntitle: Untopical Paper\ndate: 2024-01-02\nauthors:\n- Lemeng Wu\n---\nText.\n"
    (content / "papers" / "untopical.md").write_text(paper, encoding="utf-8")
    out, _ = build(fresh_site, "language: zh\n")
    home = visible(out / "index.html")
    assert "网站" in home and "链接" in home and "Website" not in home and "Link" not in home
    page = visible(out / "papers" / "untopical" / "index.html")
    assert "其他" in page and "Other" not in page
    timeline = " ".join(visible(out / "timeline" / "index.html"))
    assert "其他" in timeline and "Other" not in timeline
    # its chip too (it showed the code, "other"), in the grey of the charts' other band,
    # which no named topic's chip has (crc32("other") gave Machine Learning's colour)
    html = (out / "timeline" / "index.html").read_text(encoding="utf-8")
    chips = re.findall(r'<a class="chip (t\w+)"[^>]*>([^<]*)</a>', html)
    assert {text for colour, text in chips if colour == "tother"} == {"其他"}
    assert "other" not in {text for _, text in chips}
    legend = re.findall(r'<span class="swatch (t\w+)" aria-hidden="true"></span>([^<]*)', html)
    assert ("tother", "其他") in legend


def test_a_count_inside_a_phrase_is_escaped_once(tmp_path: Path) -> None:
    """A count the `plural` macro makes (markup) went into a plain `str.format`, which
    autoescape then escaped again: `R&D` showed as `R&amp;D` on the home page."""
    from conftest import make_site

    site = make_site(tmp_path / "site")
    out, _ = build(site, 'words:\n  "{n} publications": "{n} R&D publications"\n')
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "&amp;amp;" not in html
    assert any("R&D publications by year" in t for t in visible(out / "index.html"))


@pytest.mark.slow
@pytest.mark.parametrize(
    "language, grouped, point",
    [("de", "1.323", ","), ("fr", "1\u202f323", ","), ("en", "1,323", ".")],
)
def test_numbers_are_grouped_as_the_language_writes_them(
    tmp_path: Path, language: str, grouped: str, point: str
) -> None:
    """A German page read "1,323 Zitationen", which a German reader takes for 1.323, then
    "1.323.5" for 1323.5; the phrase "1,234.5" says how each language groups digits and
    marks a fraction, in pages and feeds alike."""
    from conftest import make_site

    site = make_site(tmp_path / "site")
    profile = site / "content" / "profile.yaml"
    text = re.sub(
        r"(?m)^  citations: .*$", "  citations: 1323.5", profile.read_text(encoding="utf-8")
    )
    profile.write_text(
        text if "citations: 1323.5" in text else text + "metrics:\n  citations: 1323.5\n"
    )
    paper = sorted((site / "content" / "papers").glob("*.md"))[-1]  # the newest: in the feed
    many = "".join(f"- Author Number{i}\n" for i in range(1240))
    paper.write_text(
        re.sub(r"(?m)^authors:\n(- .*\n)+", lambda m: "authors:\n" + many, paper.read_text()),
        encoding="utf-8",
    )
    news = site / "content" / "news"
    news.mkdir()
    for i in range(1001):  # "All news (1,001 items)"
        (news / f"{i}.md").write_text(f"---\ndate: 2024-01-01\n---\nItem {i}.\n")
    # the 1,240 authors counted as coauthors (more than 50 are a collaboration's by default)
    out, _ = build(site, f"language: {language}\ncollaboration_authors: 5000\n")
    home = (out / "index.html").read_text(encoding="utf-8")  # U+202F splits a visible text
    # 1,278 coauthors: the 1,240 and the seed's others (the paper is the last by name, so
    # that the count is the same on any file system, whichever order it lists files in)
    assert f">{grouped}{point}5<" in home and f"{grouped.replace('323', '278')} " in home
    assert f"({grouped.replace('323', '001')} " in home
    more = grouped.replace("323", "230")  # 1,240 authors, the first ten shown
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert any(more in (e.get("author") or "") for e in feed.entries), more


def test_a_digit_grouping_that_is_no_number_is_an_error_at_its_line(tmp_path: Path) -> None:
    from conftest import make_site

    site = make_site(tmp_path / "site")
    (site / "sitegen.yaml").write_text('words:\n  "1,234.5": "1.234"\n', encoding="utf-8")
    proc = run_cli("build", "--site", site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "sitegen.yaml:2: '1,234.5': write 1, 234 and 5" in proc.stderr


def test_the_timeline_s_opening_line_is_one_phrase(tmp_path: Path) -> None:
    """It was put together around "newest first" with English commas and a full stop:
    a Chinese timeline read "32 篇论文, 2018–2026, 最新的在前."."""
    from conftest import make_site

    out, _ = build(make_site(tmp_path / "site"), "language: zh\n")
    texts = visible(out / "timeline" / "index.html")
    assert any(re.fullmatch(r"\d+ 篇论文，\d{4}–\d{4}，最新的在前。", t) for t in texts), texts[:12]


def test_a_chinese_site_joins_phrases_with_chinese_punctuation(fresh_site: Path) -> None:
    """Phrases were joined with Western punctuation whatever the language: "© 吴乐萌. 新论文的…",
    "15 篇论文, 2018–2026.", a chart's "Machine Learning: 11 篇论文"."""
    out, _ = build(fresh_site, "language: zh\n")
    home, topic = out / "index.html", out / "topics" / "cv" / "index.html"
    assert "<bdi>Lemeng Wu</bdi>。新论文的" in home.read_text(encoding="utf-8")
    lede = re.search(r'<p class="lede">([^<]*)</p>', topic.read_text(encoding="utf-8"))
    assert lede and re.fullmatch(r"\d+ 篇论文，2018–2026。", lede[1]), lede
    tips = re.findall(r"<title>([^<]*)</title>", home.read_text(encoding="utf-8"))[1:]
    assert tips and all("：" in t and ": " not in t for t in tips), tips


# an i18n hunter's: Persian (fa) was asked "did you mean 'fr'?", Danish (da) 'de'
@pytest.mark.parametrize(
    ("language", "hint"), [("fe", "did you mean 'fr'? "), ("xx", ""), ("fa", ""), ("da", "")]
)
def test_a_language_the_theme_has_no_words_for_is_warned_of(
    fresh_site: Path, language: str, hint: str
) -> None:
    """`language: xx` (or `fe` for `fr`) built English pages saying lang="xx", without a
    word: screen readers and search engines were told the wrong language."""
    (fresh_site / "sitegen.yaml").write_text(f"title: T\nlanguage: {language}\n")
    said = f"sitegen.yaml:2: warning: no words for language {language!r}: pages are in English"
    # one each: both read the words alike
    proc = run_cli(
        *(["check"] if hint else ["build", "--no-search"]), "--site", ".", cwd=fresh_site
    )
    assert proc.returncode == 0, proc.stderr
    assert f"{said}; {hint}the theme has en, " in proc.stderr, proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_english_of_a_region_is_not_warned_of(fresh_site: Path) -> None:
    """`language: en-GB` was told "no words for language 'en-GB': pages are in English",
    which is what it asked for (a settings hunter's report)."""
    (fresh_site / "sitegen.yaml").write_text("title: T\nlanguage: en-GB\n")
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 0 and "no words" not in proc.stderr + proc.stdout, proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_the_home_pages_metrics_are_the_profiles_and_grouped_as_the_language_writes(
    fresh_site: Path,
) -> None:
    """A settings hunter's: `i10_index` was dropped from the home page; its structured data
    said the profile's `papers: 10` beside a page saying 1; and the coauthor count and the
    timeline's year counts were not grouped ("Koautor·innen 1125" over "Insgesamt 1.125")."""
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    for extra in papers[1:]:
        extra.unlink()
    many = "".join(f"- Author Number{i:04d}\n" for i in range(1100))
    papers[0].write_text(papers[0].read_text().replace("authors:\n", f"authors:\n{many}", 1))
    profile = fresh_site / "content" / "profile.yaml"
    text = re.sub(r"metrics:\n(  .*\n)+", "", profile.read_text())
    profile.write_text(text + "metrics: {papers: 10, citations: 5000, h_index: 7, i10_index: 5}\n")
    out, _ = build(fresh_site, "language: de\ncollaboration_authors: 2000\n")
    home = (out / "index.html").read_text()
    metrics = re.search(r'<dl class="metrics">(.*?)</dl>', home, re.S)[1]
    shown = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", metrics)
    assert shown[:4] == [("Publikationen", "1"), ("Zitationen", "5.000"), ("h-Index", "7"),
                         ("i10-Index", "5")]  # fmt: skip
    assert shown[4][0] == "Koautor·innen" and re.fullmatch(r"1\.1\d\d", shown[4][1]), shown
    (person,) = [json.loads(d) for d in parse(out / "index.html").data_blocks]
    counts = {c["name"]: c["userInteractionCount"] for c in person["interactionStatistic"]}
    assert counts == {"publications": 1, "citations": 5000, "h-index": 7, "i10-index": 5}


def test_a_site_template_naming_a_phrase_no_theme_has_is_told_where_phrases_come_from(
    fresh_site: Path,
) -> None:
    """An i18n hunter's: `{{ words["Nothing here"] }}` in a site's own 404.html failed with
    Jinja's "'dict object' has no attribute 'Nothing here'", which says nothing of words."""
    (fresh_site / "templates").mkdir(exist_ok=True)
    (fresh_site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n<p>{{ words["Nothing here"] }}</p>\n'
        "{% endblock %}\n",
        encoding="utf-8",
    )
    for command in ("build", "check"):
        proc = run_cli(command, "--site", fresh_site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "templates/404.html:3: template error: no phrase 'Nothing here'" in proc.stderr
        assert "themes/NAME/words/" in proc.stderr


def test_a_month_written_out_has_a_phrase_of_its_own(fresh_site: Path) -> None:
    """An i18n hunter's: Spanish writes "agosto de 2022", but one phrase served the short
    form in lists ("ago. 2022") and the long one of a paper dated to the month."""
    (fresh_site / "sitegen.yaml").write_text("language: es\n", encoding="utf-8")
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = paper.read_text(encoding="utf-8")
    paper.write_text(re.sub(r"(?m)^date: .*$", "date: 2022-08", text, count=1), "utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    page = (fresh_site / "output" / "papers" / paper.stem / "index.html").read_text("utf-8")
    assert ">agosto de 2022</time>" in page
    timeline = (fresh_site / "output" / "timeline" / "index.html").read_text("utf-8")
    assert ">ago. 2022</time>" in timeline
