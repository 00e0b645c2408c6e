"""Every URL and output path pattern, in one place.

URLs here are site-relative without a leading slash ("papers/x/"). Pages link
to each other through a relative prefix computed from their own depth, so the
same output works at the domain root and under a sub-path. (Not from file://:
a link names a folder, which only a web server answers with its index.html.)
Absolute URLs (feeds, canonical links, sitemaps) join these to the base URL.
"""

from __future__ import annotations


def paper(slug: str) -> str:
    return f"papers/{slug}/"


def topic(slug: str) -> str:
    return f"topics/{slug}/"


def tag(slug: str) -> str:
    return f"tags/{slug}/"


def coauthor(slug: str) -> str:
    return f"coauthors/{slug}/"


def paper_citation(slug: str, ext: str) -> str:
    """A paper's citation download beside its page: papers/<slug>/<slug>.bib|.ris|.json."""
    return f"papers/{slug}/{slug}.{ext}"


HOME = ""
TIMELINE = "timeline/"
TOPICS = "topics/"
TAGS = "tags/"
COAUTHORS = "coauthors/"
SEARCH = "search/"
FEED_RSS = "feed.xml"
FEED_ATOM = "atom.xml"
NOT_FOUND = "404.html"
PUBLICATIONS_BIB = "publications.bib"
PUBLICATIONS_RIS = "publications.ris"
PUBLICATIONS_CSL = "publications.json"
SEARCH_BUNDLE = "pagefind/pagefind.js"


def output_path(url: str) -> str:
    """Pretty URLs end in '/', and are written as DIR/index.html."""
    if url == "" or url.endswith("/"):
        return url + "index.html"
    return url


def root_prefix(url: str) -> str:
    """The relative path from a page back to the site root ("" for the home page)."""
    return "../" * url.count("/")


def absolute(base_url: str, url: str) -> str:
    return base_url + url
