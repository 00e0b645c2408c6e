"""Every kind of page the site has, in one table: URL pattern, template, context function.

Context functions are pure, and pass narrow values (`paper`, `coauthor`, `topic_labels`)
rather than `site`: a page's key covers the whole value of every variable its templates use
(keys.py), so a paper page is rebuilt only when what it shows changes. A template that uses
`site` is still right, just rebuilt more often.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from . import charts, cite, urls
from .feeds import FeedSpec
from .index import arrived, last_arrived
from .keys import Lazy
from .model import OTHER_TOPIC, Paper, Site, Topic
from .portfolio import CV_URL, NEWS_URL, PAPER_KINDS, Portfolio


@dataclass(frozen=True)
class Label:
    """What a chip shows of a topic or tag, without the topic's papers."""

    code: str
    name: str
    slug: str
    kind: str
    colour: int | str
    chip: str


@dataclass(frozen=True)
class SiteData:
    """What context functions may read: the site and what a build decided about it."""

    site: Site
    base_url: str
    search: bool
    cite_keys: dict[str, str]
    feeds: dict[str, FeedSpec]  # paper feeds by the page they follow, and the news feed
    portfolio: Portfolio
    topic_labels: dict[str, Label]  # the templates' global: one Label a topic, digested once
    words: dict[str, str]  # the templates' global too (words.py)


@dataclass(frozen=True)
class Page:
    url: str
    template: str
    context: dict[str, Any]
    feed: FeedSpec | None  # the page's own feed, advertised in its <head>


@dataclass(frozen=True)
class PageType:
    template: str
    url: Callable[[Any], str]  # item -> site-relative URL
    items: Callable[[SiteData], Iterable[Any]]  # one page per item
    context: Callable[[SiteData, Any], dict[str, Any]]


def label(t: Topic) -> Label:
    return Label(t.code, t.name, t.slug, t.kind, t.colour, t.chip)


def site_title(site: Site) -> str:
    return site.config.title or site.profile.name  # type: ignore[attr-defined]


def _home(d: SiteData) -> dict[str, Any]:
    site, cfg, folio = d.site, d.site.config, d.portfolio
    return {
        "about": folio.about,
        "featured": tuple(p for p in site.papers if p.featured),
        "news": folio.news[: cfg.home_news],  # type: ignore[attr-defined]
        "news_total": len(folio.news),
        # a reader given the site's address finds the news feed too, not only /news/
        "news_feed": d.feeds[NEWS_URL] if folio.news else None,
        "cv_pdf": folio.pdf,
        "recent": site.papers[: cfg.home_papers],  # type: ignore[attr-defined]
        "top_coauthors": site.coauthors[: cfg.home_coauthors],  # type: ignore[attr-defined]
        "paper_count": len(site.papers),
        "coauthor_count": len(site.coauthors),
        "topics": site.topics,
        "topic_chart": Markup(charts.topic_chart(site, d.words)),
        "person_jsonld": cite.person_jsonld(
            site.profile,
            urls.absolute(d.base_url, urls.HOME),
            [t.name for t in site.topics if t.code != OTHER_TOPIC],  # no subject known
            len(site.papers),
            [link.url for link in folio.about.links],
            folio.about.bio_text,
        ),
    }


def _paper(d: SiteData, p: Paper) -> dict[str, Any]:
    site = d.site
    older, newer = site.neighbours[p.slug]
    url = urls.absolute(d.base_url, urls.paper(p.slug))
    key = d.cite_keys[p.slug]
    topic = d.topic_labels[p.topic]
    kind = PAPER_KINDS[p.type][0] if p.type else None  # without `type`, as before it existed
    return {
        "paper": p,
        "type_label": d.words[kind] if kind else None,
        "older": older,
        "newer": newer,
        "topic": topic,
        "related": site.related.get(p.slug, ()),
        "cite_key": key,
        "bibtex": Lazy(cite.bibtex_entry, (p, key, url)),
        "cite_files": Lazy(citation_files, (p.slug,)),
        "scholar_meta": Lazy(cite.scholar_meta, (p, url)),
        "jsonld": Lazy(
            cite.article_jsonld,
            (p, url, topic.name, d.base_url, len(p.authors) <= site.config.collaboration_authors),  # type: ignore[attr-defined]
        ),
        "links_out": () if p.url else Lazy(cite.search_links, (p,)),
    }


def citation_files(slug: str) -> tuple[tuple[str, str], ...]:
    """(label, URL) of a paper's .bib, .ris and CSL-JSON files."""
    formats = (("BibTeX", "bib"), ("RIS", "ris"), ("CSL-JSON", "json"))
    return tuple((name, urls.paper_citation(slug, ext)) for name, ext in formats)


def single(
    template: str,
    url: str,
    context: Callable[[SiteData], dict[str, Any]] = lambda d: {},
    when: Callable[[SiteData], Any] = lambda d: True,
) -> PageType:
    """A page type with one page (its item is None) at a fixed URL, made only `when` it applies."""
    return PageType(
        template, lambda _: url, lambda d: (None,) if when(d) else (), lambda d, _: context(d)
    )


def _topic(d: SiteData, topic: Topic) -> dict[str, Any]:
    return {"topic": topic}


PAGE_TYPES: tuple[PageType, ...] = (
    single("index.html", urls.HOME, _home),
    single(
        "timeline.html",
        urls.TIMELINE,
        lambda d: {
            "years": d.site.years,
            "paper_count": len(d.site.papers),
            "timeline_chart": Markup(charts.timeline_chart(d.site, d.words)),
        },
    ),
    single(
        "topics.html",
        urls.TOPICS,
        lambda d: {
            "topics": d.site.topics,
            "tags": d.site.tags,
            "paper_count": len(d.site.papers),
            # "Other" (no topic in a paper's file) is no arXiv subject
            "subject_count": sum(t.code != OTHER_TOPIC for t in d.site.topics),
        },
    ),
    single(
        "coauthors.html",
        urls.COAUTHORS,
        lambda d: {
            "coauthors": d.site.coauthors,
            "network_chart": Markup(charts.network_chart(d.site, d.words)),
        },
    ),
    PageType("paper.html", lambda p: urls.paper(p.slug), lambda d: d.site.papers, _paper),
    PageType(  # a paper's old URL (`aliases`), sending readers and search engines on
        "redirect.html",
        lambda old: old[0],
        lambda d: ((url, p) for p in d.site.papers for url in p.aliases),
        lambda d, old: {"paper": old[1]},
    ),
    PageType("topic.html", lambda t: urls.topic(t.slug), lambda d: d.site.topics, _topic),
    single("tags.html", urls.TAGS, lambda d: {"tags": d.site.tags}, when=lambda d: d.site.tags),
    PageType("topic.html", lambda t: urls.tag(t.slug), lambda d: d.site.tags, _topic),
    PageType(
        "coauthor.html",
        lambda c: urls.coauthor(c.person.slug),
        lambda d: d.site.coauthors,
        lambda d, c: {"coauthor": c},
    ),
    single(
        "search.html",
        urls.SEARCH,
        lambda d: {
            "years": d.site.years,
            "topics": d.site.topics,
            "coauthors": d.site.coauthors,
            "own_pages": bool(d.portfolio.pages),  # indexed too: results are not all papers
        },
        when=lambda d: d.search,
    ),
    single(
        "cv.html",
        CV_URL,
        lambda d: {
            "cv": d.portfolio.cv,
            "cv_pdf": d.portfolio.pdf,
            "paper_count": len(d.site.papers),
        },
    ),
    single(
        "news.html", NEWS_URL, lambda d: {"news": d.portfolio.news}, when=lambda d: d.portfolio.news
    ),
    PageType("page.html", lambda p: p.url, lambda d: d.portfolio.pages, lambda d, p: {"page": p}),
    single("404.html", urls.NOT_FOUND),
)


def plan_pages(d: SiteData) -> list[Page]:
    return [
        Page(url, t.template, t.context(d, item), d.feeds.get(url))
        for t in PAGE_TYPES
        for item in t.items(d)
        for url in (t.url(item),)
    ]


def plan_feeds(site: Site, words: dict[str, str]) -> dict[str, FeedSpec]:
    """Paper feeds keyed by the page they follow: the whole site, each topic, tag, coauthor."""
    size = site.config.feed_size  # type: ignore[attr-defined]
    title = site_title(site)
    owner, lang = site.profile.name, site.config.language  # type: ignore[attr-defined]
    new, topical = words["New publications by {owner}"], words["Publications by {owner} in {topic}"]
    # (page, what the feed's title adds, its description, papers: a tuple, newest first)
    follow = [(urls.HOME, words["publications"], new.format(owner=owner), site.papers)]
    for t in (*site.topics, *site.tags):
        url = (urls.topic if t.kind == "topic" else urls.tag)(t.slug)
        follow.append((url, t.name, topical.format(owner=owner, topic=t.name), t.papers))
    joint = words["Publications by {owner} with {coauthor}"]
    for c in site.coauthors:
        part = words["with {coauthor}"].format(coauthor=c.person.name)
        about = joint.format(owner=owner, coauthor=c.person.name)
        follow.append((urls.coauthor(c.person.slug), part, about, c.papers))
    first = min((p.added for p in site.papers if p.added), default=None)  # the first import's
    specs = {}
    for page, part, about, papers in follow:
        rss, atom = page + urls.FEED_RSS, page + urls.FEED_ATOM
        shown = last_arrived(papers, size, first)
        # changed when its last paper came: the newest date said nothing of a late one
        updated = max((arrived(p, first) for p in shown), default=None)
        specs[page] = FeedSpec(
            f"{title}: {part}", about, page, rss, atom, shown, owner, lang, updated
        )
    return specs


# written by sitegen's code whatever the theme: tells an earlier build's folder, which a
# build may replace, from a folder of someone else's files (build.check_output_dir)
SITEMAP_MARK = "<!-- made by sitegen -->"


def sitemap_xml(pages: list[Page], base_url: str) -> str:
    """Every page to find, without <lastmod>: a build does not know when a page last
    changed (a paper's date is when it appeared; the home page changes with the news), and
    Google ignores a site's lastmod once it finds it wrong, so none is better than a guess."""
    rows = "".join(
        f"  <url><loc>{html.escape(urls.absolute(base_url, page.url), quote=False)}</loc></url>\n"
        for page in pages
        # not pages to find (noindex), nor a paper's old URLs
        if page.url not in (urls.NOT_FOUND, urls.SEARCH) and page.template != "redirect.html"
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n{SITEMAP_MARK}\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n'
    )
