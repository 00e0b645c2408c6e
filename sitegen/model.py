"""The data every later stage shares: frozen, so no stage can change what another sees.
What is derived from the papers (years, topics, coauthors...) is in `Site` (index.py)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .slugs import title_words


@dataclass(frozen=True)
class Person:
    """One real person, whatever spelling a paper used for them."""

    key: str  # canonical name: the people.yaml name, or the name as written
    name: str
    slug: str
    homepage: str | None = None
    affiliation: str | None = None
    is_owner: bool = False

    @property
    def sort_key(self) -> str:
        """The name as readers sort it (accents and case aside: Émile before Zed)."""
        return title_words(self.name)


@dataclass(frozen=True)
class Author:
    """A name as printed on one paper, resolved to the person it stands for."""

    name: str  # as written on the paper
    person: Person


OTHER_TOPIC = "other"  # the topic of a paper whose file names none (BibTeX, ORCID...)
# Its colour, the theme's grey (class `tother`): a palette colour is some named topic's too.
OTHER_COLOUR = "other"
# A paper's `type` (cite.py says what each is cited as): `thesis` a doctoral one, as @phdthesis.
PAPER_TYPES = (
    "article", "conference", "preprint", "book", "chapter", "thesis", "masters", "report", "misc"
)  # fmt: skip
LISTED_AUTHORS = 10  # authors a list item or feed entry names; a paper's page names all


# a range as sources and people write it: 1--35 (BibTeX), 1-35, 1–35 (as typeset)
_PAGE_RANGE = re.compile(r"([^\s–—-]+)\s*(?:--?|[–—])\s*([^\s–—-]+)")


def page_range(pages: str) -> tuple[str, str | None]:
    """The first and last page of a range, or an article number (`e1002`) and None: RIS and
    Google Scholar give the two apart (SP and EP, citation_firstpage and _lastpage)."""
    found = _PAGE_RANGE.fullmatch(pages.strip())
    return (found[1], found[2]) if found else (pages.strip(), None)


def shown_pages(pages: str) -> str:
    """Pages as a paper keeps them, whichever way they were written: a range with an en
    dash (1–35), as a reader sees it typeset; citations write it each their own way."""
    return "–".join(part for part in page_range(pages) if part)


@dataclass(frozen=True, eq=False)  # identity equality: papers are unique objects, hashable
class Paper:
    """A paper as content.parse_paper reads it; index.make_papers fills in `authors`."""

    slug: str
    source: str  # content file path relative to the site, for error messages and deps
    title: str
    date: dt.date
    topic: str  # OTHER_TOPIC when the file names none
    author_names: tuple[str, ...]  # as the file writes them
    et_al: bool
    owner_in_et_al: bool
    affiliations: tuple[str, ...]
    code: bool
    code_url: str | None
    url: str | None
    venue: str | None
    added: dt.date | None
    year_inferred: bool
    tags: tuple[str, ...]
    body_md: str
    body_html: str  # rendered once at load time; templates never re-render Markdown
    summary_text: str  # plain text of the body, for meta descriptions and search
    digest: str  # hash of the source file bytes: the paper's identity for caching
    authors: tuple[Author, ...] = ()
    extra: dict = dataclasses.field(default_factory=dict)  # front matter keys sitegen does not know
    featured: bool = False  # shown under "Selected publications" on the home page
    draft: bool = False  # a draft's slug is taken, but it is never indexed or built
    doi: str | None = None  # bare, e.g. 10.1109/CVPR52729.2023.00911
    arxiv: str | None = None  # bare identifier, e.g. 2212.01747
    pdf: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (name, url): slides, video, poster, project page
    type: str | None = None  # one of PAPER_TYPES; None: not written, cited as before it existed
    date_parts: int = 3  # of year, month, day, how many the file gives: `date: 2020` is 1
    aliases: tuple[str, ...] = ()  # its old URLs (site-relative), each a page sending here
    language: str | None = None  # BCP 47, when the file says: not the site's, which is its pages'
    # where in its venue it is, as citations give it (a journal's "22(105), 1–35")
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None  # a range with an en dash (shown_pages), or an article number
    publisher: str | None = None

    @property
    def date_iso(self) -> str:
        """The date as far as it is known, for what cites it: 2020, 2020-03 or 2020-03-31."""
        return self.date.isoformat()[: 3 * self.date_parts + 1]

    @property
    def year(self) -> int:
        return self.date.year

    # cached on each paper (a field of no dataclass, so no key or equality sees them): a
    # collaboration paper's 2,850 authors were scanned at each of 120,000 reads, 17 s
    @cached_property
    def coauthors(self) -> tuple[Person, ...]:
        return tuple(a.person for a in self.authors if not a.person.is_owner)

    @cached_property
    def listed_authors(self) -> tuple[Author, ...]:
        """The first LISTED_AUTHORS, and the owner wherever they stand: naming all of a
        collaboration paper's thousands on each page and feed made gigabytes of one paper."""
        owner = [a for a in self.authors[LISTED_AUTHORS:] if a.person.is_owner][:1]
        return self.authors[:LISTED_AUTHORS] + tuple(owner)

    @cached_property
    def owner_visible(self) -> bool:
        return any(a.person.is_owner for a in self.authors)


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    slug: str
    kind: str  # "topic" (arXiv subject) or "tag" (free front matter tag)
    papers: tuple[Paper, ...]
    colour: int | str  # index into the theme's palette, stable per topic; or OTHER_COLOUR

    @property
    def chip(self) -> str:
        """The code, short for a chip; the papers without a topic have the site's word."""
        return self.name if (self.kind, self.code) == ("topic", OTHER_TOPIC) else self.code


@dataclass(frozen=True)
class Coauthor:
    person: Person
    papers: tuple[Paper, ...]  # newest first

    @property
    def count(self) -> int:
        return len(self.papers)

    @property
    def first_year(self) -> int:
        return min(p.year for p in self.papers)

    @property
    def last_year(self) -> int:
        return max(p.year for p in self.papers)


@dataclass(frozen=True)
class Year:
    year: int
    papers: tuple[Paper, ...]


@dataclass(frozen=True)
class Profile:
    name: str
    field: str | None = None
    metrics: dict = dataclasses.field(default_factory=dict)
    extra: dict = dataclasses.field(default_factory=dict)  # bio, email, links... as written


@dataclass(frozen=True)
class Site:
    config: object  # config.SiteConfig (untyped: model imports nothing)
    profile: Profile
    owner: Person
    papers: tuple[Paper, ...]  # newest first
    years: tuple[Year, ...]  # newest first
    topics: tuple[Topic, ...]  # most papers first
    tags: tuple[Topic, ...]
    coauthors: tuple[Coauthor, ...]  # most joint papers first
    topic_by_code: dict[str, Topic]
    tag_by_name: dict[str, Topic]
    neighbours: dict[str, tuple[Paper | None, Paper | None]]  # slug -> (older, newer)
    related: dict[str, tuple[Paper, ...]] = dataclasses.field(default_factory=dict)


@lru_cache(maxsize=65536)  # bounded: `sitegen serve` builds many times in one process
def name_key(name: str) -> str:
    """How two spellings of a person are compared: same letters, same case, any spacing,
    and a marker after the name (`Ann Lee*` for equal contribution, `Bo Chen†`) left out."""
    key = " ".join(unicodedata.normalize("NFC", name).split())
    return key.rstrip("*†‡§¶ ") or key
