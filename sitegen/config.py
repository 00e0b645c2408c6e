"""The site configuration schema: a frozen dataclass whose fields carry their validators.
Unknown keys are errors: a misspelt key, ignored, is a setting the user never gets."""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence, Set
from contextlib import suppress
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import yaml

from .errors import SitegenError, SitegenWarning, decode, drop_control, read_bytes
from .urls import output_path
from .words import LANGUAGE_TAG, texts
from .yamlutil import key_line, load_yaml

CONFIG_FILE = "sitegen.yaml"
# what makes a folder a site's: no build writes into one, so no page or root/ file is so named
SITE_MARKS = ("content", CONFIG_FILE)
MARKS_A_SITE = "{}, which marks a site's own folder (a build refuses an output that holds one)"
PLACEHOLDER_BASE_URL = "https://example.invalid/set-base-url/"


@dataclass(frozen=True)
class NavItem:
    title: str
    url: str  # site-relative path such as "/timeline/" or an absolute http(s) URL


DEFAULT_NAV = (
    NavItem("Publications", "/timeline/"),
    NavItem("Topics", "/topics/"),
    NavItem("Coauthors", "/coauthors/"),
    NavItem("CV", "/cv/"),
)


def _str(v: Any) -> str:
    v = drop_control(v).strip() if isinstance(v, str) else ""  # in every page's <head>
    if not v:
        raise ValueError("must be a non-empty string")
    return v


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if isinstance(v, str) and v.strip().isdigit():  # `home_papers: "8"`: 8 is in range
            raise ValueError(f"must be a number, not text: write {v.strip()} without quotes")
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return v

    return check


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def _base_url(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise ValueError("must be a non-empty string")
    v = v.strip()  # not _str: a control character in it is refused, not dropped
    if problem := base_url_problem(v):
        raise ValueError(problem)
    return v


def base_url_problem(url: str) -> str | None:
    """What keeps `url` from prefixing every link of the site, or None."""
    if not url.lower().startswith(("http://", "https://")):  # HTTPS:// is https://
        return "must start with http:// or https://"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:  # such as an unclosed [IPv6 address, or a port that is not a number
        return "is not a valid URL"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "must have no spaces or control characters (a space in a path is %20)"
    if not host:
        return "must name a host"
    if re.search(r'%(?![0-9A-Fa-f]{2})|["<>\\^`{|}]', url):
        return (
            'is not a valid URL: a % starts an escape such as %20, and " < > \\ ^ ` { | } need one'
        )
    if "?" in url or "#" in url or url.rstrip("/").endswith((".html", ".htm")):
        return "must be the site's folder, such as https://example.org/ or https://example.org/me/"
    if parts.username is not None or parts.password is not None:  # printed on every page
        return "must not hold a user name or password: every page, feed and sitemap shows it"
    if re.search(r"//|/\.\.?(?:/|$)", parts.path.rstrip("/")):  # `//repo/`: the 404 page's links
        return "has an empty, `.` or `..` folder in its path: write it as the browser shows it"
    return None


def _matching(pattern: str, problem: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        v = _str(v)
        if not re.fullmatch(pattern, v):
            raise ValueError(f"{v!r}: {problem}")
        return v

    return check


_theme = _matching(
    r"[\w][\w.-]*",
    "must be the name of a folder in themes/ or of a built-in theme, not a path "
    "(to share a theme between sites, link it in as themes/NAME)",
)
_tag = _matching(LANGUAGE_TAG.pattern, "must be a language tag such as en, de or pt-BR")


def _paper(v: Any) -> str:
    if not isinstance(v, str) or v.strip().lower() not in ("a4", "letter"):
        raise ValueError("must be A4 or letter")
    return "A4" if v.strip().lower() == "a4" else "letter"


def _language(v: Any) -> str:
    if isinstance(v, bool):  # `language: no`, Norwegian: YAML's false
        raise ValueError("YAML reads no as false: write the tag in quotes, such as 'no'")
    return _tag(v)


def _topic_names(v: Any) -> dict[str, str]:
    if not isinstance(v, dict) or not all(
        isinstance(k, str) and isinstance(n, str) and n.strip() for k, n in v.items()
    ):
        raise ValueError("must map topic codes to names, e.g. `LG: Machine Learning`")
    # codes composed as topics are; names spaced as people's are (Pagefind's filter, built
    # from the page's text, reads "A  B" as "A B": the search page's "A  B" matched nothing)
    return {
        unicodedata.normalize("NFC", k): " ".join(drop_control(n).split()) for k, n in v.items()
    }


_NOT_IN_A_LINK = re.compile(r"[\\\s]")


def _nav(v: Any) -> tuple[NavItem, ...]:
    if not isinstance(v, list):
        raise ValueError("must be a list of {title, url} entries")
    items = []
    for i, entry in enumerate(v):  # a problem is named at its entry's line (ValueError's i)
        if not isinstance(entry, dict) or set(entry) != {"title", "url"}:
            raise ValueError("each entry needs exactly `title` and `url`", i)
        try:
            url = _str(entry["url"])
            title = _str(entry["title"])
        except ValueError as e:
            raise ValueError(f"{e}", i) from None
        if not url.startswith(("/", "http://", "https://")) or url.startswith("//"):
            why = f"url {url!r} must start with / (a page of the site) or http(s)://"
            raise ValueError(why, i)
        if _NOT_IN_A_LINK.search(url):  # a browser reads `/\evil.example/` as `//evil.example/`
            raise ValueError(f"url {url!r}: no spaces or backslashes (write a space as %20)", i)
        if url.startswith("http") and (problem := base_url_problem(url.split("#")[0])):
            if not problem.startswith(("must be the site's folder", "has an empty")):
                raise ValueError(f"url {url!r} {problem}", i)  # `?q=a|b`: invalid on every page
        items.append(NavItem(title, url))
    return tuple(items)


def nav_warnings(site: Path, nav: Sequence[NavItem], made: Set[str]) -> list[SitegenWarning]:
    """Entries naming a page the build does not make, at their lines: every page links to
    it, so a typo, or /news/ once the last news item is deleted, is a 404 on every page.
    `/news` counts as news/index.html too, as a static host serves it."""
    problems = [
        (i, f"nav entry {item.title!r} links to {item.url}, which no page of the site is made for")
        for i, item in enumerate(nav)
        for path in (unquote(urlsplit(item.url).path).lstrip("/"),)
        if item.url.startswith("/") and made.isdisjoint({output_path(path), path + "/index.html"})
    ]
    path, text = site / CONFIG_FILE, ""
    if problems:
        with suppress(SitegenError):  # read a moment ago: a warning without its line at worst
            text = decode(read_bytes(path, path), path)
    return [SitegenWarning(m, path, key_line(text, ("nav", i))) for i, m in problems]


def topic_name_warnings(
    site: Path, names: Mapping[str, str], codes: Set[str]
) -> list[SitegenWarning]:
    """`topic_names` entries that name no topic or tag of the site's papers, at their lines:
    `lg: Learning` for the topic `LG` was a name that never showed, without a word."""
    unused = [code for code in names if code not in codes]
    path, text = site / CONFIG_FILE, ""
    if unused:
        with suppress(SitegenError):  # read a moment ago: a warning without its line at worst
            text = decode(read_bytes(path, path), path)
    found = []
    for code in unused:
        same = [c for c in sorted(codes) if c.casefold() == code.casefold()]
        why = f"did you mean {same[0]!r}? codes are case-sensitive" if same else "no paper has it"
        line = key_line(text, ("topic_names", code))
        found.append(
            SitegenWarning(f"topic_names: {code!r} names no topic or tag: {why}", path, line)
        )
    return found


def _setting(default: Any, check: Callable[[Any], Any]) -> Any:
    return field(default=default, metadata={"check": check})


@dataclass(frozen=True)
class SiteConfig:
    title: str | None = _setting(None, _str)  # default: the owner's name
    description: str | None = _setting(None, _str)
    base_url: str = _setting("", _base_url)
    theme: str = _setting("default", _theme)
    language: str = _setting("en", _language)
    topic_names: dict[str, str] = field(default_factory=dict, metadata={"check": _topic_names})
    feed_size: int = _setting(20, _int(1, 1000))
    nav: tuple[NavItem, ...] = _setting(DEFAULT_NAV, _nav)
    home_papers: int = _setting(8, _int(0, 100))
    home_coauthors: int = _setting(12, _int(0, 200))
    # a paper of more authors is a collaboration's: it makes no one a coauthor (a physicist's
    # 1,000 papers of 3,000 authors made 4,000 coauthor pages, gigabytes of them)
    collaboration_authors: int = _setting(50, _int(2, 100_000))
    related_papers: int = _setting(4, _int(0, 10))
    search: bool = _setting(True, _bool)
    home_news: int = _setting(5, _int(0, 50))
    cv_pdf: bool = _setting(False, _bool)
    cv_pdf_paper: str = _setting("A4", _paper)  # a US grant's papers are letter-sized
    words: dict[str, str] = field(default_factory=dict, metadata={"check": texts})


VALIDATORS = {f.name: f.metadata["check"] for f in fields(SiteConfig)}


def load_config(site: Path) -> tuple[SiteConfig, list[SitegenError]]:
    """Problems are returned rather than raised, so that `sitegen check` can list them all."""
    path = site / CONFIG_FILE
    if not os.path.lexists(path):  # a broken link is an error to report, not "no config"
        return SiteConfig(), []
    try:
        text = decode(read_bytes(path, path), path)
        data = load_yaml(text, path)
    except SitegenError as e:
        return SiteConfig(), [e]
    if data is None:
        return SiteConfig(), []
    if not isinstance(data, dict):
        return SiteConfig(), [SitegenError("must be a mapping of settings", path, 1)]
    values: dict[str, Any] = {}
    problems: list[SitegenError] = []
    known = ", ".join(sorted(VALIDATORS))
    for key, raw in data.items():
        under: list[Any] = []
        check = VALIDATORS.get(key)
        if not isinstance(key, str):  # `null:`, `~:`, `true:` or `3:`: YAML reads a value
            written = yaml.safe_dump(key).partition("\n")[0]
            message = f"a setting's name must be a word, not {written} (known: {known})"
        elif check is None:  # `base-url:` for base_url
            close = difflib.get_close_matches(key.replace("-", "_"), VALIDATORS, n=1, cutoff=0.75)
            message = f"unknown key {key!r}" + (
                f": did you mean {close[0]!r}?" if close else f" (known: {known})"
            )
        else:
            try:
                values[key] = check(raw)
                continue
            except ValueError as e:  # a second argument: where under the key
                message, *under = e.args
                message = f"{key}: {message}"
        problems.append(SitegenError(message, path, key_line(text, (key, *under)) or 1))
    return SiteConfig(**values), problems


def resolve_base_url(config: SiteConfig, override: str | None) -> tuple[str, bool]:
    """--base-url, else sitegen.yaml's, else Netlify's URL variable, with a trailing slash;
    and whether it is the placeholder, so the build warns that feeds need a real one."""
    for where, candidate in (
        ("--base-url", override),
        ("sitegen.yaml", config.base_url),
        ("the URL variable", os.environ.get("URL")),
    ):
        if candidate:
            if problem := base_url_problem(candidate):
                raise SitegenError(f"base URL {candidate!r} ({where}) {problem}")
            return _ascii_url(candidate.rstrip("/") + "/"), False
    return PLACEHOLDER_BASE_URL, True


def _ascii_url(url: str) -> str:
    """The URL as sitemaps and feeds must give it, in one spelling: a host in Unicode
    (`müller.de`) as its IDNA form, a path's other characters percent-escaped; the scheme and
    host in lower case and no default port (`HTTPS://Example.ORG:443/` is
    `https://example.org/`): a feed's entry ids are URLs, and another spelling of the same
    address would announce every paper again."""
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname or ""  # hostname: lower case
    if not host.isascii():
        import idna  # UTS 46, as browsers: Python's codec (IDNA 2003) spells faß.de fass.de

        try:
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except idna.IDNAError as e:
            raise SitegenError(f"base URL {url!r}: its host is no domain name ({e})") from None
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    port = "" if parts.port in (None, {"http": 80, "https": 443}[scheme]) else f":{parts.port}"
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~")
    return urlunsplit(parts._replace(scheme=scheme, netloc=host + port, path=path))
