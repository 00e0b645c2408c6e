"""Content files -> validated paper data. The files are edited by hand, so every check
names the file and line of the problem: a paper skipped in silence is missing from a CV."""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import (
    NOT_A_FILE,
    SitegenError,
    SitegenWarning,
    clean_text,
    decode,
    drop_control,
    iso_date,
    no_conflict_markers,
    read_bytes,
    special_file,
    visible,
)
from .markup import plain_inline, render_markdown, web_url
from .model import OTHER_TOPIC, PAPER_TYPES, Paper, Profile, name_key, shown_pages
from .slugs import WINDOWS_RESERVED
from .state import not_site
from .words import LANGUAGE_TAG
from .yamlutil import key_line, load_yaml, written_value

_SLUG_OK = re.compile(r"[a-z0-9][a-z0-9-]{0,150}")  # fullmatch: `$` allows a final newline
PAPERS_DIR = "content/papers"
KNOWN_KEYS = {
    "title", "date", "topic", "authors", "et_al", "owner_in_et_al", "affiliations", "code",
    "code_url", "url", "venue", "added", "year_inferred", "tags", "slug", "draft", "featured",
    "doi", "arxiv", "pdf", "links", "type", "aliases", "language",
    "volume", "issue", "pages", "publisher",
}  # fmt: skip
# where in its venue a paper is, as citations give it: each one value, text or a number
CITED_IN = {"volume": "22", "issue": "105", "pages": "1--35 or e1002", "publisher": "Springer"}
_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ARXIV = re.compile(r"\d{4}\.\d{4,5}(?:v\d+)?|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7}(?:v\d+)?")
_CLOSING = re.compile(r"\n---[ \t]*(?:\n|\Z)")  # the line that ends the front matter
_OPENING = re.compile(r"---[ \t]*\n")
_TITLE_COMMENT = re.compile(r"(?m)^title:[ \t]*([^'\"\s|>][^\n]*?)[ \t]+#")
TITLE_CUT = "title: ' #' starts a YAML comment, which cuts the title short: quote the title"
# "et al." and its kin: a cut list, not a name (BibTeX reads `and others` as et al.)
_ET_AL = re.compile(r"(?i)et\.?\s*al\.?,?|(?:and\s+)?others|\.\.\.|…")
_YEAR_MONTH = re.compile(r"(\d{4})(?:-(\d\d))?")
# no `.` or `..` segment; each segment ends at a `/`, so that no text matches two ways
# (`(segment/?)+` took exponential time on `/aaaa...!`: 30 letters, a minute)
_URL_PATH = re.compile(r"/(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)*[A-Za-z0-9_~-][A-Za-z0-9._~-]*/?")


def split_front_matter(text: str, path: str) -> tuple[str, str]:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if "\n" not in text:  # a classic Mac's line ends, `\r` alone: no `---` line ended
        text = text.replace("\r", "\n")
    no_conflict_markers(text, path)
    opening = _OPENING.match(text)
    if opening is None:
        raise SitegenError("missing front matter: the file must start with a '---' line", path, 1)
    # from the opening line's newline: the YAML may be empty
    end = _CLOSING.search(text, opening.end() - 1)
    if end is None:
        raise SitegenError("front matter is not closed by a '---' line", path, 1)
    return text[opening.end() : end.start() + 1], text[end.end() :]


def front_matter(text: str, path: str) -> tuple[dict, str, str]:
    """(keys and values, YAML text, body) of a paper or news file, as the build and the import
    read it: an unquoted `arxiv: 2212.01740` is the text written (its float drops the 0), and
    so is a bare `volume: 022` (YAML's octal 18) or `issue: 1.10`."""
    yaml_text, body = split_front_matter(text, path)
    data = load_yaml(yaml_text, path, first_line=2)
    data = {} if data is None else data  # `---` then `---`: told what it lacks, key by key
    if not isinstance(data, dict):
        raise SitegenError("front matter must be a mapping of keys to values", path, 2)
    for key in ("arxiv", *CITED_IN):
        if isinstance(data.get(key), (int, float)) and not isinstance(data[key], bool):
            data[key] = written_value(yaml_text, key)
    return data, yaml_text, body


def _as_str(v: Any) -> str | None:
    if v is None or isinstance(v, (bool, list, dict)):
        return None
    text = clean_text(str(v))
    return text if visible(text) else ""  # nothing to show is empty


def _as_date(v: Any) -> dt.date | None:
    if isinstance(v, dt.date):
        return v.date() if isinstance(v, dt.datetime) else v
    try:
        return iso_date(v.strip()) if isinstance(v, str) else None
    except ValueError:
        return None


def paper_date(v: Any) -> tuple[dt.date, int] | None:
    """A date and how many of year, month and day it gives: most sources give no day (or
    only a year), and citations claim no more. The date is the first day of what is known."""
    text = str(v) if type(v) is int else v.strip() if isinstance(v, str) else ""
    known = _YEAR_MONTH.fullmatch(text)
    if known is None:
        date = _as_date(v)
        return (date, 3) if date else None
    with contextlib.suppress(ValueError):  # month 13
        return dt.date(int(known[1]), int(known[2] or 1), 1), 2 if known[2] else 1
    return None


def _as_str_list(v: Any) -> tuple[str, ...] | None:
    if v is None:
        return ()
    items = [v] if isinstance(v, str) else v
    if not isinstance(items, list):
        return None
    out = tuple(map(_as_str, items))
    return out if all(out) else None  # an empty or non-text item is refused


def _typo_of(key: str, data: dict) -> str | None:
    """A key of the file that is not one sitegen knows and is spelt almost as `key`."""
    unknown = [k for k in data if isinstance(k, str) and k not in KNOWN_KEYS]
    close = difflib.get_close_matches(key, unknown, n=1, cutoff=0.75)
    return close[0] if close else None


def year_typo(year: int) -> str | None:
    """0202 or 2202 for 2022: a paper's timeline chart would draw every year between, a news
    item would stay on top for ever (the clock is no guide: a parse is kept between builds)."""
    if 1900 <= year <= 2100:
        return None
    return f"date: the year {year} is {'before 1900' if year < 1900 else 'after 2100'}: a typo?"


def parse_paper(text: str, path: str, warnings: list[SitegenWarning]) -> Paper:
    """Validate one paper file's text. Pure apart from the warnings list it appends to."""
    data, yaml_text, body = front_matter(text, path)

    def fail(msg: str, key: str) -> SitegenError:  # front matter starts on line 2
        if key not in data and (typo := _typo_of(key, data)):  # `author:`: at its line
            line = key_line(yaml_text, (typo,), 2)
            return SitegenError(f"{key}: missing; is {typo!r} a typo of {key!r}?", path, line)
        return SitegenError(f"{key}: {msg}", path, key_line(yaml_text, (key,), 2) or 1)

    def warn(message: str, key: str) -> None:
        warnings.append(SitegenWarning(message, path, key_line(yaml_text, (key,), 2)))

    title = _as_str(data.get("title"))
    if not title:
        raise fail("missing or empty (every paper needs a title)", "title")
    if not plain_inline(title):  # `[](url)`: markup only, nothing a browser tab can show
        raise fail("no text, only markup (a link or image with none)", "title")
    dated = paper_date(data.get("date"))
    if dated is None:
        if data.get("date") is None:  # absent, or `date:` with nothing after it
            raise fail("missing (use YYYY-MM-DD, YYYY-MM or YYYY)", "date")
        raise fail(f"invalid date {data.get('date')!r} (use YYYY-MM-DD, YYYY-MM or YYYY)", "date")
    date, date_parts = dated
    topic = _as_str(data.get("topic")) or None
    if isinstance(data.get("topic"), list):
        raise fail("one code, not a list (a paper has one topic; use `tags` for more)", "topic")
    if data.get("topic") is not None and not topic:
        raise fail("empty (an arXiv code such as LG or CV; leave the key out for Other)", "topic")
    for key, what, separators in (("authors", "author", (",", " and ")), ("tags", "tag", (",",))):
        if isinstance(data.get(key), str) and any(sep in data[key] for sep in separators):
            raise fail(f"must be a list, one {what} per `- ` line, not {data[key]!r}", key)
    authors = _as_str_list(data.get("authors"))

    def at_author(i: int, message: str) -> SitegenError:  # in 3,000 names, the one at fault
        line = key_line(yaml_text, ("authors", i), 2) or key_line(yaml_text, ("authors",), 2)
        return SitegenError(f"authors: {message}", path, line or 1)

    if authors is None:
        given = data["authors"] if isinstance(data["authors"], list) else []
        bad = next((i for i, a in enumerate(given) if not _as_str(a)), None)
        if bad is None:
            raise fail("must be a list of names", "authors")
        what = "an empty line" if given[bad] in (None, "") else repr(given[bad])
        hint = " (a name with ': ' in it needs quotes)" if isinstance(given[bad], dict) else ""
        raise at_author(bad, f"each author is a name, not {what}{hint}")
    if (cut := next((i for i, a in enumerate(authors) if _ET_AL.fullmatch(a)), None)) is not None:
        raise at_author(cut, f"{authors[cut]!r} is not a name: remove it and set `et_al: true`")
    # a Chinese or Japanese input method's comma in `[Lemeng Wu， Ada Lovelace]`: one name,
    # which a page shows as written, so said, not refused
    for i, name in enumerate(authors):
        if comma := next((c for c in "，、" if c in name), None):
            said = f"authors: {name!r} looks like two names, parted by {comma!r}: use ',' (ASCII)"
            warnings.append(SitegenWarning(said, path, at_author(i, said).line))
    if not authors and not data.get("owner_in_et_al"):
        raise fail("empty: list at least one author", "authors")
    affiliations = _as_str_list(data.get("affiliations"))
    if affiliations is None:
        raise fail("must be a list of names", "affiliations")
    tags = _as_str_list(data.get("tags"))
    if tags is None:
        raise fail("must be a list of words", "tags")
    # one tag in two cases (`LLM`, `llm`) is one tag, as the site's pages have it: listed
    # once, where and as it first is
    first: dict[str, str] = {}
    for t in tags:
        first.setdefault(t.casefold(), t)
    tags = list(first.values())
    flags = {}
    for key in ("et_al", "owner_in_et_al", "code", "year_inferred", "draft", "featured"):
        v = False if data.get(key) is None else data[key]
        if not isinstance(v, bool):
            raise fail(f"must be true or false, not {v!r}", key)
        flags[key] = v
    urls: dict[str, str | None] = {}
    for key in ("code_url", "url", "pdf"):
        urls[key] = web_url(_as_str(data.get(key)))
        if urls[key] is None and data.get(key) not in (None, ""):
            raise fail(f"{data[key]!r} is not an http(s) URL", key)
    added = _as_date(data.get("added"))
    if added is None and data.get("added") is not None:
        raise fail(f"invalid date {data['added']!r} (use YYYY-MM-DD)", "added")
    slug = Path(path).stem if data.get("slug") is None else (_as_str(data["slug"]) or "")
    if not _SLUG_OK.fullmatch(slug) or slug in WINDOWS_RESERVED:
        if data.get("slug") is not None:
            raise fail(
                f"{data['slug']!r} is not a valid slug (lower-case letters, digits and '-', "
                "and not a name Windows keeps for a device, such as con or nul)",
                "slug",
            )
        # the rule the name breaks: `aux.md` and a 152-letter name keep the other two
        why = (
            f"{slug!r} is a name Windows keeps for a device"
            if slug in WINDOWS_RESERVED
            else "it is longer than 151 characters"
            if len(slug) > 151 and _SLUG_OK.fullmatch(slug[:151])
            else "use lower-case letters, digits and '-'"
        )
        message = f"file name is not a valid slug ({why}), or set `slug:` in the front matter"
        raise SitegenError(message, path, 1)

    old_urls = _as_str_list(data.get("aliases"))
    if old_urls is None:
        raise fail("must be a list of the paper's old URLs", "aliases")
    aliases = []
    for i, given in enumerate(old_urls):
        if (url := alias_url(given)) is None:
            raise SitegenError(
                f"aliases: {given!r} is not an old URL of this site: give a former slug "
                "(old-name) or a path from the site's root, without the domain "
                "(/publication/old-name/ or /pubs/old-name.html), of ASCII letters, digits "
                "and . _ ~ - (every host serves such a path alike)",
                path,
                # a single old URL, not in a list, is on the line of `aliases:` itself
                key_line(yaml_text, ("aliases", i), 2) or key_line(yaml_text, ("aliases",), 2),
            )
        if url == f"papers/{slug}/":
            raise fail(f"{given!r} is this paper's own URL", "aliases")
        aliases.append(url)

    def optional_text(key: str) -> str | None:
        """A list, a mapping or true/false where a text may be is a mistake to name."""
        if isinstance(data.get(key), (bool, list, dict)):
            raise fail(f"must be text, not {data[key]!r}", key)
        return _as_str(data.get(key)) or None

    venue = optional_text("venue")
    if isinstance(data.get("language"), bool):  # `language: no`, Norwegian: YAML's false
        raise fail("YAML reads no as false: write the tag in quotes, such as 'no'", "language")
    language = optional_text("language")
    if language is not None and not LANGUAGE_TAG.fullmatch(language):
        raise fail(f"{language!r} is not a language tag such as en, de or pt-BR", "language")
    if (kind := optional_text("type")) is not None and kind not in PAPER_TYPES:
        close = difflib.get_close_matches(kind.lower(), PAPER_TYPES, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"one of {', '.join(PAPER_TYPES)}"
        raise fail(f"{data['type']!r} is not a paper type: {hint}", "type")
    ids: dict[str, str | None] = {}
    for key, pattern, example in (
        ("doi", _DOI, "10.1109/CVPR.2023.00911"),
        ("arxiv", _ARXIV, "2301.12345"),
    ):
        ids[key] = optional_text(key)
        if ids[key] is not None and not pattern.fullmatch(ids[key]):
            raise fail(f"{data[key]!r} is not a bare identifier such as {example}", key)
    paper_links = _links(data.get("links"), fail)
    cited_in: dict[str, str | None] = {}
    for key, example in CITED_IN.items():
        if isinstance(data.get(key), (bool, list, dict)):
            raise fail(f"must be one value such as {example}, not {data[key]!r}", key)
        cited_in[key] = _as_str(data.get(key)) or None
    if cited_in["pages"]:
        cited_in["pages"] = shown_pages(cited_in["pages"])

    if title_cut(yaml_text, title):
        warn(TITLE_CUT, "title")
    if typo := year_typo(date.year):
        warn(typo, "date")
    for key in sorted(k for k in data if k not in KNOWN_KEYS and isinstance(k, str)):
        close = difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.75)
        if close:  # a typo; other keys are the user's own, for their templates (`extra`)
            warn(f"unknown key {key!r}: did you mean {close[0]!r}?", key)
    body = drop_control(body).strip("\n")
    rendered = render_markdown(body)
    # once each: two links to slides.pdf were two lines, at every build of a large site
    warnings.extend(SitegenWarning(w, path) for w in dict.fromkeys(rendered.warnings))
    return Paper(
        slug=slug,
        source=path,
        title=title,
        date=date,
        date_parts=date_parts,
        topic=topic or OTHER_TOPIC,
        author_names=authors,
        affiliations=affiliations,
        venue=venue,
        added=added,
        tags=tags,
        body_md=body,
        body_html=rendered.html,
        summary_text=rendered.text,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest()[:32],
        extra={k: v for k, v in data.items() if k not in KNOWN_KEYS},
        links=paper_links,
        type=kind,
        aliases=tuple(dict.fromkeys(aliases)),
        language=language,
        **flags,
        **urls,
        **ids,
        **cited_in,
    )


def title_cut(yaml_text: str, title: str) -> bool:
    """A title that ends where a ` #` on its line starts a YAML comment: `We ranked #1 at
    ICML` is "We ranked", without a word (`C#`, with no space before it, is no comment)."""
    written = _TITLE_COMMENT.search(yaml_text)
    return written is not None and title.strip() == written[1].strip()


def alias_url(given: str) -> str | None:
    """An old URL of a paper as the site-relative URL of the page that sends readers on:
    a former slug is the paper's old page (papers/old-name/); a path is one another tool
    gave it (Hugo Blox's /publication/old-name/, a Jekyll site's /pubs/old-name.html), so
    a site moved to sitegen keeps the links others made to it."""
    if _SLUG_OK.fullmatch(given):
        given = f"/papers/{given}"
    names = {part.split(".")[0].lower() for part in given.split("/")}
    if not _URL_PATH.fullmatch(given) or names & WINDOWS_RESERVED:
        return None
    url = given[1:]
    return url if url.endswith(("/", ".html", ".htm")) else url + "/"


def _links(value: Any, fail: Any) -> tuple[tuple[str, str], ...]:
    """`links:` as (name, url) pairs, each url http(s): they become buttons on the page."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise fail("must be a list of {name, url}", "links")
    out = []
    for item in value:
        name = _as_str(item.get("name")) if isinstance(item, dict) else None
        url = _as_str(item.get("url")) if isinstance(item, dict) else None
        if not name or not url or set(item) - {"name", "url"}:
            raise fail(f"{item!r} is not a {{name, url}} pair", "links")
        if (url := web_url(url)) is None:
            raise fail(f"{item['url']!r} is not an http(s) URL", "links")
        out.append((name, url))
    return tuple(out)


def read_text(path: Path, display: str) -> str:
    return decode(read_bytes(path, display), display)


def paper_files(site: Path, warnings: list[SitegenWarning]) -> list[str]:
    if not (site / PAPERS_DIR).is_dir():
        with contextlib.suppress(OSError):  # content/Papers/, from a disk that ignores case
            for slip in os.listdir(site / "content"):
                if slip.lower() == "papers":
                    why = f"rename content/{slip} (names are case-sensitive)"
                    raise SitegenError(f"no content/papers folder: {why}", site / "content")
        why = "run `sitegen import PROFILE` first"
        raise SitegenError(f"no content/papers folder: {why}", site / "content")
    return markdown_files(site, PAPERS_DIR, warnings)


def markdown_files(site: Path, folder: str, warnings: list[SitegenWarning]) -> list[str]:
    """The .md files of a content folder, by their names in the site (`content/news/x.md`),
    sorted, the order later stages rely on; os.scandir and names, not Path.glob and Paths,
    which cost 0.2 s at 10,000 papers. A Markdown file named otherwise (.MD, .markdown) or in
    a subfolder is named in `warnings`. Hidden names (editors' swap files, emacs' `.#x.md` a
    dangling link; the importer's temporaries) are never papers."""
    try:
        with os.scandir(site / folder) as scanned:
            entries = {e.name: e for e in scanned if not e.name.startswith(".")}
    except (FileNotFoundError, NotADirectoryError):  # no news, no pages
        return []
    names = sorted(entries)
    for n in names:
        if n.endswith(".md") and not_site(n):  # `#x.md`: the preview would not see it change
            message = "not read: a name that starts with # is an editor's file: rename it"
            warnings.append(SitegenWarning(message, f"{folder}/{n}"))
        elif not n.endswith(".md") and n.lower().endswith((".md", ".markdown", ".mdown", ".mkd")):
            message = f"not read: the files in {folder}/ end in .md (lower case)"
            warnings.append(SitegenWarning(message, f"{folder}/{n}"))
        elif n.endswith(".md") and not entries[n].is_file() and special_file(entries[n].path):
            raise SitegenError(NOT_A_FILE, f"{folder}/{n}")
        elif entries[n].is_dir() and any(Path(entries[n].path).glob("**/*.md")):
            message = f"not read: sitegen reads the .md files in {folder}/ itself"
            warnings.append(SitegenWarning(message, f"{folder}/{n}/"))
    return [f"{folder}/{n}" for n in names if n.endswith(".md") and not not_site(n)]


def collect_papers(parsed: Iterable[tuple[str, Paper | SitegenError]], site: Path) -> list[Paper]:
    """Drop drafts and refuse duplicate slugs, raising problems in file order (a build that
    parses in parallel or from its cache reports what a loop would)."""
    every = []
    seen: dict[str, str] = {}
    for display, paper in parsed:
        if isinstance(paper, SitegenError):
            raise paper
        if paper.slug in seen:
            text = (site / display).read_text(encoding="utf-8-sig")
            raise slug_clash(paper.slug, seen[paper.slug], display, text)
        seen[paper.slug] = display
        every.append((display, paper))
    for problem in alias_clashes(every, site):
        raise problem
    return [paper for _, paper in every if not paper.draft]


def alias_clashes(papers: list[tuple[str, Paper]], site: Path) -> list[SitegenError]:
    """An old URL (`aliases`) is one paper's, and no paper's page, drafts' included: a
    draft keeps what it holds, so that publishing it again moves no other paper's link."""
    pages = {f"papers/{p.slug}/": display for display, p in papers}
    taken: dict[str, str] = {}
    problems = []
    for display, paper in papers:
        for url in paper.aliases:
            first = pages.get(url) or taken.setdefault(url, display)
            if first != display:
                what = "the page" if url in pages else "an old URL too"
                text = (site / display).read_text(encoding="utf-8-sig")
                line = key_line(split_front_matter(text, display)[0], ("aliases",), 2) or 1
                message = f"aliases: /{url} is {what} of {first}: a URL leads to one paper"
                problems.append(SitegenError(message, display, line))
    return problems


def slug_clash(slug: str, first: str, display: str, text: str) -> SitegenError:
    """Two papers at one URL: named at the second file, at its `slug:` line if any."""
    line = 1
    with contextlib.suppress(SitegenError):
        line = key_line(split_front_matter(text, display)[0], ("slug",), 2) or 1
    return SitegenError(
        f"slug {slug!r} is also used by {first}: give one of them another `slug:`", display, line
    )


def load_profile(site: Path) -> Profile:
    path = site / "content" / "profile.yaml"
    display = str(path.relative_to(site))
    if not path.exists():
        raise SitegenError(
            "missing: it names the site's owner (run `sitegen import PROFILE`)", display
        )
    text = read_text(path, display)
    data = load_yaml(text, display)
    if not isinstance(data, dict):
        raise SitegenError("must be a mapping with at least `name:`", display, 1)

    def fail(message: str, *keys: Any) -> SitegenError:
        return SitegenError(message, display, key_line(text, keys) or 1)

    for key in ("name", "field"):  # a list or mapping is a mistake, not no text
        if isinstance(data.get(key), (bool, list, dict)):
            raise fail(f"{key}: must be text, not {data[key]!r}", key)
    name = _as_str(data.get("name"))
    if not name:
        raise fail("name: missing (the owner's name)", "name")
    metrics = data.get("metrics") or {}
    if not isinstance(metrics, dict):
        raise fail("metrics: must map names to numbers", "metrics")
    for k, v in metrics.items():  # not bools, not .nan or .inf; named in words
        if isinstance(k, str) and (type(v) is int or (type(v) is float and math.isfinite(v))):
            continue
        if isinstance(k, str):
            problem = f"{k}: must be a number, not {v!r}"
        else:
            problem = f"{k!r}: must be named in text"
        line = key_line(text, ("metrics", k)) or key_line(text, ("metrics",)) or 1
        raise SitegenError(f"metrics: {problem}", display, line)
    extra = {k: v for k, v in data.items() if k not in ("name", "field", "metrics")}
    return Profile(name=name, field=_as_str(data.get("field")), metrics=metrics, extra=extra)


def placeholder_name(site: Path, profile: Profile) -> list[SitegenWarning]:
    """`sitegen new`'s name, kept by a site filled from BibTeX: published on every page.
    scaffold is imported here: it imports importlib.metadata, a tenth of a no-op build."""
    from .scaffold import PLACEHOLDER_NAME

    if profile.name != PLACEHOLDER_NAME:
        return []
    display = "content/profile.yaml"
    line = key_line(read_text(site / display, display), ("name",))
    message = f"name: is still the new site's placeholder {PLACEHOLDER_NAME!r}: set your name"
    return [SitegenWarning(message, display, line)]


@dataclass(frozen=True)
class PersonEntry:
    name: str
    aliases: tuple[str, ...]
    homepage: str | None
    affiliation: str | None
    owner: bool


def owner_spellings(people: list[PersonEntry], owner: str) -> frozenset[str]:
    """The owner's name and aliases as name_key spells them: a paper printed under a former
    name (people.yaml's) is the owner's too, as the build reads it."""
    spellings = {name_key(owner)}
    for entry in people:
        names = {name_key(n) for n in (entry.name, *entry.aliases)}
        if entry.owner or name_key(owner) in names:
            spellings |= names
    return frozenset(spellings)


def _spelt(spelling: str, name: str) -> str:
    return repr(name) if spelling == name_key(name) else f"{spelling!r}, an alias of {name!r},"


def load_people(site: Path, owner_name: str = "") -> list[PersonEntry]:
    """content/people.yaml (optional): spellings of one person, for one page. `owner_name`
    (profile.yaml's) cannot be another's while a third says `owner: true`."""
    path = site / "content" / "people.yaml"
    if not path.exists():
        return []
    display = str(path.relative_to(site))
    text = read_text(path, display)
    data = load_yaml(text, display)
    if data is None:
        return []
    if not isinstance(data, list):
        raise SitegenError("must be a list of people (`- name: ...`)", display, 1)

    def fail(i: int, message: str) -> SitegenError:  # at the line of the i-th person
        return SitegenError(message, display, key_line(text, (i,)))

    out = []
    spelt: dict[str, str] = {}  # each name and alias -> the person it is, by name
    owners = []
    holder = None  # the entry that spells the profile's name
    for i, entry in enumerate(data):
        if not isinstance(entry, dict) or not (name := _as_str(entry.get("name"))):
            raise fail(i, "each person needs a `name:`")
        known = ("name", "aliases", "homepage", "affiliation", "owner")
        if unknown := sorted(set(entry) - set(known), key=str):  # 1: and a: alike
            close = difflib.get_close_matches(str(unknown[0]), known, n=1, cutoff=0.75)
            hint = f": did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
            line = key_line(text, (i, unknown[0])) or key_line(text, (i,))
            raise SitegenError(f"unknown key {unknown[0]!r}{hint}", display, line)
        for key in ("homepage", "affiliation"):
            if isinstance(entry.get(key), (bool, list, dict)):
                raise fail(i, f"{key}: must be text, not {entry[key]!r}")
        aliases = _as_str_list(entry.get("aliases"))
        if aliases is None:
            raise fail(i, "aliases: must be a list of names")
        written = _as_str(entry.get("homepage")) or None
        homepage = web_url(written)
        if written and homepage is None:
            raise fail(i, f"homepage: {written!r} is not an http(s) URL")
        owner = entry.get("owner", False)
        if not isinstance(owner, bool):
            raise fail(i, "owner: must be true or false")
        spellings = dict.fromkeys(name_key(s) for s in (name, *aliases))  # in file order
        for spelling in spellings:
            if (other := spelt.get(spelling)) is not None:  # which page would an author go to?
                if other == name:
                    raise fail(i, f"{name!r} is listed twice: one entry a person")
                theirs = repr(other) if spelling == name_key(other) else f"an alias of {other!r}"
                what = f"{_spelt(spelling, name)} is already {theirs} above"
                raise fail(i, f"{what}: a spelling is one person's")
            spelt[spelling] = name
        if owner_name and name_key(owner_name) in spellings:
            if name_key(name) != name_key(owner_name) and not owner:  # you, or a slip?
                raise fail(
                    i,
                    f"{owner_name!r}, profile.yaml's name, is an alias of {name!r}: mark the "
                    "entry `owner: true` if it is you, or else remove the alias",
                )
            holder = i
        owners += [(i, name)] if owner else []
        if len(owners) > 1:
            raise fail(i, f"owner: only one person is the site's owner ({owners[0][1]!r} is)")
        if owners and holder is not None and holder != owners[0][0]:
            raise fail(
                i,
                f"{owner_name!r}, profile.yaml's name, is listed for {data[holder]['name']!r}, "
                f"but {owners[0][1]!r} is the one marked `owner: true`",
            )
        affiliation = _as_str(entry.get("affiliation")) or None
        out.append(PersonEntry(name, aliases, homepage, affiliation, owner))
    return out
