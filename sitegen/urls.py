"""Every URL and output path pattern: site-relative, without a leading slash ("papers/x/").

Pages link to each other through a prefix made from their own depth, so the same output
works at the domain root and under a sub-path (not from file://: a link names a folder,
which only a web server answers with its index.html).
"""

from __future__ import annotations


def paper(slug: str) -> str:
    return f"papers/{slug}/"


def is_paper(url: str) -> bool:
    """papers/SLUG/: a paper's page, not a file or folder below one."""
    return url.startswith("papers/") and url.count("/") == 2 and url.endswith("/")


def topic(slug: str) -> str:
    return f"topics/{slug}/"


def tag(slug: str) -> str:
    return f"tags/{slug}/"


def coauthor(slug: str) -> str:
    return f"coauthors/{slug}/"


def paper_citation(slug: str, ext: str) -> str:
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
    return url + "index.html" if url == "" or url.endswith("/") else url


def root_prefix(url: str) -> str:
    """From a page back to the site root ("" for the home page)."""
    return "../" * url.count("/")


def absolute(base_url: str, url: str) -> str:
    return base_url + url
