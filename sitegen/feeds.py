"""RSS 2.0 and Atom feeds of publications, through feedgen. Every date comes from the
papers, never the clock: a reader sees only a new paper as new, and a rebuild of
unchanged content gives the same bytes."""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

from . import __version__, urls
from .markup import plain_inline
from .model import Paper
from .words import format_number

# XML 1.0 forbids these; lxml refuses them, so a stray one would break the build.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_clean(text: str) -> str:
    return _XML_ILLEGAL.sub("", text)


def absolute_anchors(body_html: str, page: str) -> str:
    """A link within the page (a footnote's `#fn-1`) made to point at the page: in a feed,
    a reader resolves it against the feed's own URL."""
    return body_html.replace('href="#', f'href="{page}#')


def _when(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def add_entry(fg: Any, link: str, title: str, date: dt.date, known_as: str = "") -> Any:
    """A feed entry known by its page's link, or the link it was first `known_as`, and
    dated by what it reports."""
    fe = fg.add_entry(order="append")
    fe.id(known_as or link)
    fe.guid(known_as or link, permalink=not known_as)
    fe.title(xml_clean(title))
    fe.link(href=link, rel="alternate")
    fe.published(_when(date))
    fe.updated(_when(date))
    return fe


@dataclass(frozen=True)
class FeedSpec:
    title: str
    description: str
    page_url: str  # site-relative URL of the HTML page the feed follows
    rss_url: str
    atom_url: str
    papers: tuple[Paper, ...]  # newest first, already cut to the feed size
    author: str  # the site's owner: Atom wants an author for the feed or each entry
    language: str  # sitegen.yaml's, as the pages' <html lang>
    updated: dt.date | None = None  # when the last of its items came


def author_line(paper: Paper, words: dict[str, str]) -> str:
    """The listed authors (Paper.listed_authors), then how many more, or "et al."."""
    shown = paper.listed_authors  # "…" where the list skips to the owner
    names = ", ".join(
        a.name if a is paper.authors[i] else f"… {a.name}" for i, a in enumerate(shown)
    )
    return " ".join(part for part in (names, not_listed(paper, words)) if part)


def not_listed(paper: Paper, words: dict[str, str]) -> str:
    """What the listed authors leave out: how many more, and "et al."."""
    more = len(paper.authors) - len(paper.listed_authors)
    rest = words["and {n} more"].format(n=format_number(more, words)) if more else ""
    return f"{rest} {words['et al.']}".strip() if paper.et_al else rest


def render_feeds(
    spec: FeedSpec, base_url: str, topic_names: dict[str, str], words: dict[str, str]
) -> tuple[bytes, bytes]:
    fg = new_feed(spec, base_url, spec.updated, __version__)
    fg.load_extension("dc", atom=False, rss=True)
    for paper in spec.papers:
        link = urls.absolute(base_url, urls.paper(paper.slug))
        # a former slug: the entry readers have, so that a renamed paper is not news again
        first = next((urls.absolute(base_url, a) for a in paper.aliases if urls.is_paper(a)), "")
        fe = add_entry(fg, link, plain_inline(paper.title), paper.date, first)
        byline = author_line(paper, words)
        names = [a.name for a in paper.listed_authors]
        # where the list is cut, as the byline says: Atom's list read as the whole of it
        rest = not_listed(paper, words)
        if names or rest:  # in one call: feedgen redoes its whole list on each
            fe.author([{"name": xml_clean(n)} for n in (*names, *([rest] if rest else []))])
        fe.dc.dc_creator(xml_clean(byline))
        label = topic_names.get(paper.topic, paper.topic)
        fe.category(term=xml_clean(paper.topic), label=xml_clean(label))
        text = absolute_anchors(paper.body_html, link)
        body = xml_clean(f"<p><em>{html.escape(byline, quote=False)}</em></p>\n{text}")
        fe.description(body)
        fe.content(body, type="html")
    return serialise(fg, spec, base_url)


def new_feed(spec: FeedSpec, base_url: str, updated: dt.date | None, version: str | None) -> Any:
    from feedgen.feed import FeedGenerator  # lxml: imported only by builds that make feeds

    page = urls.absolute(base_url, spec.page_url)
    fg = FeedGenerator()
    fg.id(page)
    fg.title(xml_clean(spec.title))
    fg.subtitle(xml_clean(spec.description))
    fg.link(href=page, rel="alternate")
    fg.language(spec.language)
    fg.author({"name": xml_clean(spec.author)})
    fg.generator("sitegen", version=version)
    fg.updated(_when(updated or dt.date(1970, 1, 1)))
    return fg


def serialise(fg: Any, spec: FeedSpec, base_url: str) -> tuple[bytes, bytes]:
    """(RSS bytes, Atom bytes), each naming itself as the feed's self link."""
    page = urls.absolute(base_url, spec.page_url)
    fg.link(href=urls.absolute(base_url, spec.atom_url), rel="self")
    atom = fg.atom_str(pretty=True)
    # RSS takes its channel <link> from the last link given, and every self link
    rss_self = urls.absolute(base_url, spec.rss_url)
    fg.link([{"href": rss_self, "rel": "self"}, {"href": page, "rel": "alternate"}], replace=True)
    return fg.rss_str(pretty=True), atom
