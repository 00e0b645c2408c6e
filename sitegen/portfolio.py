"""The portfolio around the papers: the owner's about section, news, own pages and the CV.

Read from content/ into frozen records that templates show as they are, checked with the
file and line of each problem: a hiring committee should never see a half-rendered CV.
What a user typed goes through the Markdown renderer (raw HTML off) or the templates'
escaping, and only http(s) URLs become links, so hostile text stays text.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from . import cvpdf
from .cite import paper_type
from .config import MARKS_A_SITE, SITE_MARKS
from .content import (
    _SLUG_OK,
    TITLE_CUT,
    _as_date,
    front_matter,
    markdown_files,
    read_text,
    title_cut,
    year_typo,
)
from .errors import SitegenError, SitegenWarning, clean_text, drop_control
from .feeds import FeedSpec, absolute_anchors, add_entry, new_feed, serialise, xml_clean
from .markup import plain_inline, render_inline, render_markdown, title_links, web_url
from .model import Paper, Profile, Site
from .photo import Photo, process_photo
from .slugs import WINDOWS_RESERVED, slugify_text, title_words
from .urls import output_path
from .words import format_date
from .yamlutil import key_line, load_json, load_yaml

# link name (also its icon's id in the theme's static/icons.svg) -> accessible label
LINKS = {
    "scholar": "Google Scholar",
    "orcid": "ORCID",
    "github": "GitHub",
    "linkedin": "LinkedIn",
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "semantic_scholar": "Semantic Scholar",
    "dblp": "dblp",
    "website": "Website",
}
_BY_LABEL = {label.casefold().replace(" ", ""): k for k, label in LINKS.items()}
PROFILE_KEYS = ("photo", "position", "affiliation", "email", "bio", "links")
NEWS_URL = "news/"
CV_URL = "cv/"
NEWS_DIR, PAGES_DIR = "content/news", "content/pages"
_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")  # o'brien@


@dataclass(frozen=True)
class Link:
    key: str
    label: str  # the accessible name, also shown beside the icon
    url: str
    icon: str  # a <symbol> id in icons.svg


@dataclass(frozen=True)
class Email:
    """An address shown as `ada [at] example [dot] org`: harvesters that scan pages for
    `x@y.z` or `mailto:` find nothing; a person reads it, and email.js makes it a link."""

    user: str
    domain: str

    @property
    def shown(self) -> str:
        return f"{self.user} [at] {self.domain.replace('.', ' [dot] ')}"


@dataclass(frozen=True)
class About:
    name: str
    initials: str  # the monogram drawn when there is no photo
    position: str | None
    affiliation: str | None
    email: Email | None
    bio_html: str  # rendered Markdown
    bio_text: str  # its text, for JSON-LD's description
    links: tuple[Link, ...]
    photo: Photo | None


@dataclass(frozen=True)
class NewsItem:
    id: str  # the item's anchor on /news/ and its feed entry's id
    date: dt.date
    title: str | None
    body_html: str  # its headings under /news/'s h2 titles (and in feeds)
    text: str  # plain text, for feed titles of untitled items
    home_html: str  # its headings under the home page's h3 titles: no two at one level


@dataclass(frozen=True)
class OwnPage:
    """A page of the owner's own (Teaching, Group), `content/pages/NAME.md` at /NAME/."""

    url: str
    source: str  # its file, which a clash with sitegen's own names is reported at
    title: str  # inline Markdown, as a news item's
    description: str | None
    body_html: str


@dataclass(frozen=True)
class Entry:
    """One line of a CV section, whatever the section: what, where, when, and details."""

    title: str
    where: str | None = None
    when: str | None = None
    url: str | None = None  # http(s) only
    summary_html: str = ""
    items: tuple[str, ...] = ()  # highlights, courses, keywords


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Publication:
    """A CV publication: a paper of the site, or one only the resume lists."""

    title: str
    date: dt.date | None
    paper: Paper | None = None
    venue: str | None = None
    url: str | None = None


ByYear = tuple[tuple[int | None, tuple[Publication, ...]], ...]  # newest first


@dataclass(frozen=True)
class CV:
    name: str
    label: str | None
    affiliation: str | None
    location: str | None
    email: Email | None
    url: str | None
    summary_html: str
    links: tuple[Link, ...]
    before: tuple[Section, ...]  # the sections above the publications
    publications: ByYear
    after: tuple[Section, ...]
    # (heading, publications by year), when a paper of the site gives its `type`
    by_type: tuple[tuple[str, ByYear], ...] = ()


@dataclass(frozen=True)
class Portfolio:
    about: About
    news: tuple[NewsItem, ...]  # newest first
    cv: CV
    files: tuple[tuple[str, bytes], ...]  # output path -> bytes (the processed photo)
    pdf: str | None = None  # the CV's PDF (site-relative URL) when `cv_pdf` and WeasyPrint
    pages: tuple[OwnPage, ...] = ()  # by name


Fail = Callable[[str, Sequence], SitegenError]  # (message, key path) -> the error to raise


def _failer(display: str, text: str, first_line: int = 1) -> Fail:
    """`display:line: msg` errors, at the line of a key path in `text` or its nearest parent."""

    def fail(msg: str, path: Sequence) -> SitegenError:
        path = tuple(path)
        # The pure-Python composer, as these files always had. YAML refuses tabs where JSON
        # indents with them; a tab is only ever whitespace in JSON (a string holds `\t`).
        lines_of = text.expandtabs(1) if display.endswith(".json") else text
        while (line := key_line(lines_of, path, first_line, yaml.SafeLoader)) is None and path:
            path = path[:-1]
        return SitegenError(msg, display, line or first_line)

    return fail


def initials(name: str) -> str:
    """ "Ada King Lovelace" -> "AL": first and last word, letters only."""
    words = [w for w in re.split(r"[\s\-]+", name) if w[:1].isalpha()]
    return "".join(w[0].upper() for w in words[:1] + words[1:][-1:]) or "?"


def parse_links(value: Any, fail: Fail, words: dict[str, str] | None = None) -> tuple[Link, ...]:
    """`links:` as a mapping of names to URLs (or, as before, a list of URLs)."""
    if value is None:
        return ()
    if not isinstance(value, dict | list):
        raise fail("links: must map names (orcid, github ...) to URLs", ("links",))
    pairs = list(value.items()) if isinstance(value, dict) else [(None, v) for v in value]
    out = []
    for i, (key, url) in enumerate(pairs):
        good = web_url(url)
        if good is None:
            name = f"{key}: " if key is not None else ""
            where = ("links", key if key is not None else i)
            raise fail(f"links: {name}{url!r} is not an http(s) URL", where)
        if key is None:
            key = (urlsplit(good).hostname or "link").removeprefix("www.")
        out.append(make_link(str(key), good, words))
    return tuple(out)


def make_link(name: str, url: str, words: dict[str, str] | None = None) -> Link:
    """A known name (`orcid`, or JSON Resume's `ORCID`) gets its label and icon, any other a
    plain link icon. A phrase ("Website", "Link") is in the site's words, a brand (GitHub) not."""
    name, said = drop_control(name).strip(), (words or {}).get
    key = _BY_LABEL.get(title_words(name).replace(" ", ""), name)
    if key in LINKS:
        return Link(key, said(LINKS[key], LINKS[key]), url, key)
    return Link(key, name or said("Link", "Link"), url, "link")


def parse_email(value: Any, fail: Fail) -> Email | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _EMAIL.fullmatch(value.strip()):
        raise fail(f"email: {value!r} is not an email address", ("email",))
    return Email(*value.strip().split("@"))


def _opt_str(data: dict, key: str, fail: Fail) -> str | None:
    v = data.get(key)
    if v is not None and not isinstance(v, str):
        raise fail(f"{key}: must be text, not {v!r}", (key,))
    if v is not None and not _text(v):  # "\x01" is no text either
        raise fail(f"{key}: empty: write some text, or leave it out", (key,))
    return None if v is None else _text(v)


PHOTO_ALT = "Photo of {name}"


def load_about(
    site_dir: Path, profile: Profile, cache_dir: Path | None, words: dict[str, str] | None = None
) -> tuple[About, dict[str, bytes], list[SitegenWarning]]:
    display = "content/profile.yaml"  # read by content.load_profile, which made `profile`
    text = (site_dir / display).read_text(encoding="utf-8-sig")
    fail = _failer(display, text)
    data = profile.extra
    # under the h1 name; /cv/ (and its PDF) shows it too, where the resume has no summary
    where = "on /cv/, which shows the bio when the resume gives no summary, and in the CV's PDF"
    bio = render_markdown(_opt_str(data, "bio", fail) or "", top=2, breaks=where)
    line = key_line(text, ("bio",)) if bio.warnings else None
    warnings = [SitegenWarning(w, display, line) for w in bio.warnings]
    known = (*PROFILE_KEYS, "name", "field", "metrics")  # others are the templates' (extra)
    for key in (k for k in data if isinstance(k, str) and k not in known):
        if close := difflib.get_close_matches(key, known, n=1, cutoff=0.75):
            typo = f"unknown key {key!r}: did you mean {close[0]!r}?"
            warnings.append(SitegenWarning(typo, display, key_line(text, (key,))))
    photo, files = None, {}
    photo_rel = _opt_str(data, "photo", fail)
    if photo_rel:
        # as written, under content/ (it may link elsewhere: links are followed there)
        written = Path(os.path.normpath(photo_rel))
        source = _as_named(site_dir / "content", written)
        if written.is_absolute() or written.parts[0] == ".." or not source.is_file():
            top, *inside = written.parts  # content/me.jpg: a path from the site's folder
            hint = ""
            if top == "content" and inside:
                hint = f" (the path is relative to content/: write `photo: {'/'.join(inside)}`)"
            raise fail(f"photo: {photo_rel!r} is not a file under content/{hint}", ("photo",))
        shown = f"content/{written.as_posix()}"
        alt = (words or {}).get(PHOTO_ALT, PHOTO_ALT).format(name=profile.name)  # check: none
        photo, files, found = process_photo(source, shown, alt, cache_dir)
        warnings += found
    about = About(
        name=profile.name,
        initials=initials(profile.name),
        position=_opt_str(data, "position", fail),
        affiliation=_opt_str(data, "affiliation", fail),
        email=parse_email(data.get("email"), fail),
        bio_html=bio.html,
        bio_text=bio.text,
        links=parse_links(data.get("links"), fail, words),
        photo=photo,
    )
    return about, files, warnings


def _front(
    text: str, display: str, known: tuple[str, ...], warnings: list[SitegenWarning]
) -> tuple[dict, str, Fail]:
    """A news or page file's front matter, its body, and its errors' maker. Every key is
    sitegen's (no template reads others), so an unknown one is a typo that would drop
    what it holds without a word; a title a ` #` cut short is warned of, as a paper's."""
    data, yaml_text, body = front_matter(text, display)
    fail = _failer(display, yaml_text, 2)
    if isinstance(title := data.get("title"), str) and title_cut(yaml_text, title):
        warnings.append(SitegenWarning(TITLE_CUT, display, fail(TITLE_CUT, ("title",)).line))
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key).lower(), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
            raise fail(f"unknown key {key!r} ({hint})", (key,))
    return data, body, fail


def _title(data: dict, fail: Fail, warnings: list[SitegenWarning]) -> str | None:
    title = _opt_str(data, "title", fail)
    if title is not None and not plain_inline(title):  # `![](award.png)`: no text to show
        raise fail("title: no text, only markup (a link or image with none)", ("title",))
    for href in title_links(title or ""):
        problem = f"title: link {href!r} is shown as its text: use a full URL (https://...)"
        error = fail(problem, ("title",))
        warnings.append(SitegenWarning(problem, error.path, error.line))
    return title


def parse_news(text: str, display: str, warnings: list[SitegenWarning]) -> NewsItem:
    """One news file: front matter (`date`, `title`), then Markdown, whose warnings it adds."""
    data, body, fail = _front(text, display, ("date", "title"), warnings)
    date = _as_date(data.get("date"))  # what a paper's date accepts, and the same messages
    if date is None:
        what = f"invalid date {data['date']!r}" if data.get("date") is not None else "missing"
        raise fail(f"date: {what} (use YYYY-MM-DD)", ("date",))
    if typo := year_typo(date.year):
        warnings.append(SitegenWarning(typo, display, fail(typo, ("date",)).line))
    title = _title(data, fail, warnings)
    body = drop_control(body).strip("\n")
    rendered = render_markdown(body, display)
    if not rendered.text.strip() and title is None:  # `***` or an image is no text either
        raise SitegenError("empty: a news item needs a title or some text", display, 1)
    warnings += [SitegenWarning(w, display) for w in rendered.warnings]
    stem = slugify_text(Path(display).stem) or "item"
    home = render_markdown(body, display, top=4).html
    return NewsItem(f"news-{stem}", date, title, rendered.html, rendered.text, home)


def load_news(site_dir: Path, warnings: list[SitegenWarning]) -> tuple[NewsItem, ...]:
    """content/news/*.md, newest first; each item's anchor is unique on the page, and an
    older item keeps its anchor when a newer one of the same name comes: the anchor is
    the item's id in the news feeds, where a changed id is a new item."""
    parsed = [
        parse_news(read_text(site_dir / display, display), display, warnings)
        for display in markdown_files(site_dir, NEWS_DIR, warnings)  # sorted by name
    ]
    items: dict[str, NewsItem] = {}  # by id
    for item in sorted(parsed, key=lambda item: item.date):  # stable: by name on one day
        n, base = 2, item.id
        while item.id in items:
            item, n = dataclasses.replace(item, id=f"{base}-{n}"), n + 1
        items[item.id] = item
    return tuple(sorted(items.values(), key=lambda n: (n.date, n.id), reverse=True))


def _as_named(top: Path, rel: Path) -> Path:
    """`top / rel`, each name as the folder spells it where it differs only by Unicode
    normalisation: a name copied from a Mac (zip, rsync) is decomposed (José as J-o-s-e and a
    combining accent), and the photo's name, read as every text is, composed."""
    path = top
    for part in rel.parts:
        if not (path / part).exists():
            with contextlib.suppress(OSError):
                want = unicodedata.normalize("NFC", part)
                part = next(
                    (n for n in os.listdir(path) if unicodedata.normalize("NFC", n) == want), part
                )
        path = path / part
    return path


def news_feeds(items: Sequence[NewsItem], spec: FeedSpec, base_url: str) -> tuple[bytes, bytes]:
    """(RSS, Atom) of all the news (`spec`: news_feed_spec): dates from the items, never
    the clock, so rebuilding unchanged news gives the same bytes."""
    fg = new_feed(spec, base_url, items[0].date, None)  # a build with no news makes no feed
    for item in items:
        text = item.text.split("\n")[0]
        short = text[:80] + ("…" if len(text) > 80 else "")
        title = plain_inline(item.title) if item.title else short
        fe = add_entry(fg, f"{base_url}{spec.page_url}#{item.id}", title, item.date)
        body = absolute_anchors(item.body_html, f"{base_url}{spec.page_url}")
        # an item that is only its title: the title as /news/ shows it, not its Markdown
        body = body or (render_inline(item.title, links=True) if item.title else "")
        fe.description(xml_clean(body))  # HTML
        fe.content(xml_clean(body), type="html")
    return serialise(fg, spec, base_url)


def parse_page(text: str, display: str, warnings: list[SitegenWarning]) -> OwnPage:
    """`content/pages/NAME.md`: its name is its URL, so a name no URL should have is
    refused here; a name sitegen uses itself is refused once the build knows its files."""
    name = Path(display).stem
    if not _SLUG_OK.fullmatch(name) or name in WINDOWS_RESERVED:
        rule = "lower-case letters, digits and '-', and not a device name such as con or nul"
        raise SitegenError(f"the file name is the page's URL: use {rule}", display, 1)
    data, body, fail = _front(text, display, ("title", "description"), warnings)
    if data.get("title") is None or (isinstance(data["title"], str) and not _text(data["title"])):
        what = "missing" if data.get("title") is None else "empty"  # not "or leave it out"
        raise fail(f"title: {what} (every page needs a title)", ("title",))
    title = _title(data, fail, warnings) or ""  # text by now
    rendered = render_markdown(drop_control(body).strip("\n"), display, top=2, one_page=True)
    warnings += [SitegenWarning(w, display) for w in rendered.warnings]
    return OwnPage(f"{name}/", display, title, _opt_str(data, "description", fail), rendered.html)


def check_page_names(pages: Sequence[OwnPage], made: Iterable[str], root: Iterable[str]) -> None:
    """A page clashes with a file of the build or a name sitegen keeps (`made`) but its own,
    by top-level name and stem (/404/ beside 404.html), and with what root/ publishes."""
    theirs = Counter(made) - Counter(output_path(p.url) for p in pages)
    taken = {  # sitegen's top-level files have a dot in their name, its folders none
        top.split(".", 1)[0].casefold(): f"{top}{'' if '.' in top else '/'}, which sitegen makes"
        for f in theirs
        for top in (f.split("/", 1)[0],)
    }
    taken |= {f.split("/", 1)[0].casefold(): f"root/{f}, published there" for f in root}
    taken |= {m: MARKS_A_SITE.format(m + ("" if "." in m else "/")) for m in SITE_MARKS}
    for page in pages:
        if clash := taken.get(page.url.rstrip("/")):
            raise SitegenError(f"the page /{page.url} clashes with {clash}: rename it", page.source)


EXTRA_SECTIONS = ("talks", "teaching", "service")  # sitegen's, beside JSON Resume's own


@cache
def resume_schema() -> dict:
    """The vendored JSON Resume schema v1.0.0, with sitegen's academic sections added: their
    keys are those the CV reads (SECTIONS_BEFORE) and `url`; the first one is required."""
    schema = json.loads((Path(__file__).parent / "resume-schema.json").read_text("utf-8"))
    iso = {"$ref": "#/definitions/iso8601"}
    for name in EXTRA_SECTIONS:
        keys = [*SECTIONS_BEFORE[name][1].replace("|", " ").split(), "url"]
        props = {k: iso if k.endswith(("date", "Date")) else {"type": "string"} for k in keys}
        schema["properties"][name] = {
            "type": "array",
            "items": {"type": "object", "required": keys[:1], "properties": props},
        }
    return schema


def _plain(v: Any, key: Any = None) -> Any:
    """YAML's dates, and years under a `...date` key, -> the ISO strings JSON Resume expects."""
    if isinstance(v, dict):
        return {str(k): _plain(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dt.date):  # datetimes too
        return v.isoformat()[:10]
    if isinstance(v, int) and not isinstance(v, bool) and str(key).endswith(("date", "Date")):
        return str(v)  # `date: 2021`
    return v


# JSON Resume 0.x's names of what 1.0, and so the CV, reads under another
_RENAMED = {"company": "name", "website": "url"}


def load_resume(site_dir: Path, warnings: list[SitegenWarning]) -> tuple[dict | None, str]:
    """content/resume.json or resume.yaml, validated (or None), and its name for warnings.
    JSON Resume lets an entry hold any key; one the CV does not read (`startdate`, 0.x's
    `company`) is warned of at its line: a CV shown to a hiring committee lost a date or an
    employer without a word."""
    names = ("resume.json", "resume.yaml", "resume.yml")
    found = [n for n in names if (site_dir / "content" / n).exists()]
    if not found:
        return None, ""
    display = f"content/{found[0]}"
    if len(found) > 1:
        raise SitegenError(f"also found content/{found[1]}: keep one resume file", display)
    text = read_text(site_dir / display, display)  # also a folder named like the file
    json_file = display.endswith(".json")
    data = load_json(text, display) if json_file else _plain(load_yaml(text, display))
    if data is None:
        return None, display
    import jsonschema

    fail = _failer(display, text)
    errors = jsonschema.Draft7Validator(resume_schema()).iter_errors(data)
    e = min(errors, key=lambda e: (list(map(str, e.absolute_path)), e.message), default=None)
    if e is None:  # the schema's date pattern lets months 13 to 19 and days 32 to 39 through
        schema = resume_schema()["properties"]
        for section, items in data.items():
            known = schema.get(section, {}).get("items", {}).get("properties", {})
            for i, item in enumerate(items if isinstance(items, list) else ()):
                for k, v in item.items():  # the schema's items are objects
                    if k.endswith(("date", "Date")) and isinstance(v, str) and _date(v) is None:
                        raise fail(f"{section}.{i}.{k}: {v!r} is not a date", [section, i, k])
                    if known and k not in known:
                        renamed = [c for c in (_RENAMED.get(k),) if c in known]
                        close = difflib.get_close_matches(k, known, 1, 0.6) or renamed
                        hint = (
                            f"did you mean {close[0]!r}?" if close else f"known: {', '.join(known)}"
                        )
                        problem = f"{section}.{i}.{k}: the CV does not read this key ({hint})"
                        line = fail(problem, [section, i, k]).line
                        warnings.append(SitegenWarning(problem, display, line))
                start, end = (item.get(k) for k in ("startDate", "endDate"))
                if isinstance(start, str) and isinstance(end, str) and _before(end, start):
                    problem = f"{section}.{i}.endDate: {end!r} is before startDate {start!r}"
                    raise fail(problem, [section, i, "endDate"])
        for path, url in _urls(data):  # shown as a link only if http(s), as profile.yaml's
            if isinstance(url, str) and url.strip() and not web_url(url):
                problem = f"{'.'.join(map(str, path))}: {url!r} is not an http(s) URL, so the CV"
                problem += " leaves it out: write it in full (https://...)"
                warnings.append(SitegenWarning(problem, display, fail(problem, path).line))
        email = (data.get("basics") or {}).get("email")  # the schema's format goes unchecked
        if isinstance(email, str) and email.strip() and not _EMAIL.fullmatch(email.strip()):
            raise fail(f"basics.email: {email!r} is not an email address", ["basics", "email"])
        return data, display
    path = list(e.absolute_path)
    message = e.message
    if e.validator == "type" and e.instance is None:  # YAML's null, not Python's None
        message = "empty: give it a value, or leave it out"
    if e.validator == "pattern" and path and str(path[-1]).endswith(("date", "Date")):
        message = f"{e.instance!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD"
        message += " (leave endDate out while it goes on)" if path[-1] == "endDate" else ""
    if e.validator == "additionalProperties" and isinstance(e.instance, dict):
        extra = sorted(set(map(str, e.instance)) - set(e.schema.get("properties", {})))
        path += extra[:1]  # point at the unknown key itself
        if not e.absolute_path:
            message += f" (known sections: {', '.join(sorted(resume_schema()['properties']))})"
    where = ".".join(str(p) for p in e.absolute_path) or "resume"
    raise fail(f"{where}: {message}", path)


def _urls(data: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every `url` in a resume, with its key path: basics, profiles, any section's items."""
    items = (
        data.items()
        if isinstance(data, dict)
        else enumerate(data)
        if isinstance(data, list)
        else ()
    )
    for k, v in items:
        if k == "url":
            yield (*path, k), v
        else:
            yield from _urls(v, (*path, k))


def _date(s: Any) -> dt.date | None:
    if not isinstance(s, str):
        return None
    try:
        return dt.date(*([int(p) for p in s.split("-")] + [1, 1])[:3])
    except ValueError:  # not numbers, or no such day
        return None


def _before(a: str, b: str) -> bool:
    """Date `a` is earlier than `b`, at the coarser of their precisions (2019 is not
    before 2019-05: it may mean any month of it)."""
    x, y = ([int(p) for p in d.split("-")] for d in (a, b))
    n = min(len(x), len(y))
    return x[:n] < y[:n]


def when(words: dict[str, str], *dates: Any) -> str | None:
    """ "2019-09", "2023" -> "Sep 2019 – 2023"; a start without an end is ongoing."""

    def show(s: Any) -> str:
        d = _date(s)
        if d is None:
            return ""
        return format_date(d, words, "month") if len(str(s)) > 4 else str(d.year)

    *start, end = dates
    if start and start[0]:
        return f"{show(start[0])} – {show(end) if end else words['present']}"
    return show(end) or None


def _text(v: Any) -> str:
    return clean_text(v) if isinstance(v, str) else ""


def _summary_html(text: str, key: str, top: int, warnings: list[str]) -> str:
    """A resume's Markdown, where only http(s) URLs are links (README); its warnings kept."""
    rendered = render_markdown(text, key, top, web_only=True)
    warnings += rendered.warnings
    return rendered.html


def _entries(
    items: list | None, shape: str, section: str, warnings: list[str], words: dict[str, str]
) -> tuple[Entry, ...]:
    """Resume items -> CV entries; `shape` names the keys read as title | where | dates |
    summary | lists (space-separated; one date key is a single date, none is undated).
    `section` and the item's place keep footnotes of equal summaries apart on the CV."""
    title_k, where_k, dates, summary_k, lists_k = (part.split() for part in shape.split("|"))
    out = []
    for i, it in enumerate(items or []):
        title = " in ".join(x for x in (_text(it.get(k)) for k in title_k) if x)
        where = ", ".join(x for x in (_text(it.get(k)) for k in where_k) if x)
        if not title:  # JSON Resume asks for neither: a school without a degree still shows
            title, where = where, ""
        if not title:
            continue
        span = when(words, *(it.get(k) for k in dates)) if dates else None
        summary = _text(it.get(summary_k[0])) if summary_k else ""
        lists = [_text(x) for k in lists_k for x in it.get(k) or [] if _text(x)]
        html = _summary_html(summary, f"cv/{section}/{i}", 3, warnings) if summary else ""
        out.append(Entry(title, where or None, span, web_url(it.get("url")), html, tuple(lists)))
    return tuple(out)


# section key -> (heading, shape for _entries); in the CV's academic order
_SPAN = "startDate endDate"
SECTIONS_BEFORE = {
    "education": ("Education", f"studyType area | institution score | {_SPAN} | | courses"),
    "work": ("Positions", f"position | name location | {_SPAN} | summary | highlights"),
    "awards": ("Awards", "title | awarder | date | summary |"),
    "talks": ("Talks", "title | event location | date | summary |"),
    "teaching": ("Teaching", f"course | role institution | {_SPAN} | summary |"),
    "service": ("Service", f"role | organization | {_SPAN} | summary |"),
}
SECTIONS_AFTER = {
    "projects": ("Projects", f"name | entity | {_SPAN} | description | highlights"),
    "skills": ("Skills", "name | level | | | keywords"),
    "languages": ("Languages", "language | fluency | | |"),
    "certificates": ("Certificates", "name | issuer | date | |"),
    "volunteer": ("Volunteering", f"position | organization | {_SPAN} | summary | highlights"),
    "interests": ("Interests", "name | | | | keywords"),
    "references": ("References", "name | | | reference |"),
}


# a paper's `type` -> what its page calls it (none for misc: "Other" says nothing) and its
# CV heading, in the order academic CVs list them
PAPER_KINDS = {
    "article": ("Journal article", "Journal articles"),
    "conference": ("Conference paper", "Conference papers"),
    "chapter": ("Book chapter", "Book chapters"),
    "book": ("Book", "Books"),
    "thesis": ("Thesis", "Theses"),
    "masters": ("Master's thesis", "Theses"),
    "report": ("Report", "Reports"),
    "preprint": ("Preprint", "Preprints"),
    "misc": (None, "Other"),
}


def publications(papers: Sequence[Paper], listed: Sequence[dict]) -> list[Publication]:
    """Every paper of the site, plus the resume's publications the site does not have,
    matched by normalised title so a paper is never listed twice; newest first."""
    known = {title_words(p.title) for p in papers} if listed else set()  # 0.06 s at 10,000
    pubs = [Publication(p.title, p.date, p) for p in papers]
    for item in listed:
        title = _text(item.get("name"))
        if not title or title_words(title) in known:
            continue
        known.add(title_words(title))
        venue = _text(item.get("publisher")) or None
        date = _date(item.get("releaseDate"))
        pubs.append(Publication(title, date, None, venue, web_url(item.get("url"))))
    # by date alone, undated last: one day's papers stay in the site's order, as every list
    # has them (index.newest_first: never by title), and the resume's after them
    pubs.sort(key=lambda x: x.date or dt.date.min, reverse=True)
    return pubs


def by_year(pubs: Sequence[Publication]) -> ByYear:
    years = groupby(pubs, key=lambda x: x.date.year if x.date else None)
    return tuple((y, tuple(v)) for y, v in years)


def by_type(pubs: Sequence[Publication], words: dict[str, str]) -> tuple[tuple[str, ByYear], ...]:
    """Under PAPER_KINDS' headings (a paper without `type` where its citations put it); a
    resume's entry under Other, as JSON Resume does not say what it is (its `publisher` may
    as well be a conference's)."""
    found = [PAPER_KINDS[paper_type(p.paper) if p.paper else "misc"][1] for p in pubs]
    return tuple(
        (words[heading], by_year([p for p, h in zip(pubs, found, strict=True) if h == heading]))
        for heading in dict.fromkeys(heading for _, heading in PAPER_KINDS.values())
        if heading in found
    )


def make_cv(
    about: About, site: Site, resume: dict | None, warnings: list[str], words: dict[str, str]
) -> CV:
    """The CV: the resume's basics over the profile's, its sections in order."""
    resume = resume or {}
    basics = resume.get("basics") or {}
    loc = basics.get("location") or {}
    location = ", ".join(
        x for x in (_text(loc.get(k)) for k in ("city", "region", "countryCode")) if x
    )
    address = _text(basics.get("email"))
    email = Email(*address.split("@")) if _EMAIL.fullmatch(address) else about.email
    links = about.links
    profiles = [
        (_text(p.get("network")), web_url(p.get("url"))) for p in basics.get("profiles") or []
    ]
    if any(u for _, u in profiles):  # the resume's, where given (a bare username links nowhere)
        links = tuple(make_link(n, u, words) for n, u in profiles if u)
    summary = _text(basics.get("summary"))

    def sections(table: dict) -> tuple[Section, ...]:
        every = (
            Section(k, words[title], _entries(resume.get(k), shape, k, warnings, words))
            for k, (title, shape) in table.items()
        )
        return tuple(s for s in every if s.entries)

    pubs = publications(site.papers, resume.get("publications") or [])
    return CV(
        name=_text(basics.get("name")) or about.name,
        label=_text(basics.get("label")) or about.position,
        affiliation=about.affiliation,
        location=location or None,
        email=email,
        url=web_url(basics.get("url"))
        or next((x.url for x in about.links if x.key == "website"), None),
        summary_html=_summary_html(summary, "", 2, warnings) if summary else about.bio_html,
        links=links,
        before=sections(SECTIONS_BEFORE),
        publications=by_year(pubs),
        after=sections(SECTIONS_AFTER),
        by_type=by_type(pubs, words) if any(p.type for p in site.papers) else (),
    )


def load_portfolio(
    site_dir: Path,
    site: Site,
    warnings: list[SitegenWarning],
    photo_cache: Path | None,
    words: dict[str, str],
) -> Portfolio:
    """Everything the portfolio pages show, read and checked once per build."""
    about, files, found = load_about(site_dir, site.profile, photo_cache, words)
    warnings += found
    news = load_news(site_dir, warnings)
    resume, display = load_resume(site_dir, warnings)
    found_in_cv: list[str] = []
    cv = make_cv(about, site, resume, found_in_cv, words)
    warnings += [SitegenWarning(w, display) for w in found_in_cv]
    wanted = site.config.cv_pdf  # type: ignore[attr-defined]
    pdf = cvpdf.CV if wanted and cvpdf.available() else None
    if wanted and pdf is None:
        warnings.append(cvpdf.NO_ENGINE)
    pages = tuple(
        parse_page(read_text(site_dir / display, display), display, warnings)
        for display in markdown_files(site_dir, PAGES_DIR, warnings)
    )
    return Portfolio(about, news, cv, tuple(sorted(files.items())), pdf, pages)


def news_feed_spec(title: str, owner: str, language: str, words: dict[str, str]) -> FeedSpec:
    """The news page's feeds, as base.html advertises a page's own feed."""
    about = words["News from {name}"].format(name=title)
    return FeedSpec(f"{title}: {words['news']}", about, NEWS_URL,
                    NEWS_URL + "feed.xml", NEWS_URL + "atom.xml", (), owner, language)  # fmt: skip
