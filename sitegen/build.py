"""Plan the pages, render them, and swap the finished site into place.

A build is all-or-nothing: everything is written into a fresh folder beside the
output, which then replaces the old output in one step. A failed build (bad
YAML, a template error) therefore leaves the deployed site exactly as it was.
Each planned page names its template and the data it shows, which is what an
incremental build needs to know to skip it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

import jinja2
from markupsafe import Markup

from . import __version__, urls
from .config import SiteConfig, load_config, resolve_base_url
from .content import load_papers, load_people, load_profile
from .errors import SitegenError, SitegenWarning
from .feeds import FeedSpec, feed_papers, render_feeds
from .index import build_index
from .markup import render_inline
from .model import Paper, Site
from .render import make_env, static_dirs, template_dirs, template_error

FINGERPRINTED = (".css", ".js")
MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass(frozen=True)
class Page:
    """One output HTML page: where it goes, which template draws it, and with what."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    feed: FeedSpec | None = None  # the page's own feed, advertised in its <head>


@dataclass
class BuildResult:
    output: Path
    pages: int
    files: int
    seconds: float
    warnings: list[SitegenWarning]

    def summary(self) -> str:
        return (
            f"built {self.pages} pages ({self.files} files) into {self.output} "
            f"in {self.seconds:.2f} s"
        )


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class Loaded:
    site: Site
    config: SiteConfig
    base_url: str
    base_is_placeholder: bool
    warnings: tuple[SitegenWarning, ...]


def load_site(site_dir: Path, base_url: str | None = None) -> Loaded:
    """Read config and content and index them; raises the first problem found."""
    config, problems = load_config(site_dir)
    if problems:
        raise problems[0]
    sources, warnings = load_papers(site_dir)
    profile = load_profile(site_dir)
    people = load_people(site_dir)
    site = build_index(sources, profile, people, config)
    url, placeholder = resolve_base_url(config, base_url)
    if placeholder:
        warnings.append(
            SitegenWarning(
                f"no base URL: feeds, sitemap and canonical links use the placeholder {url}; "
                "set `base_url` in sitegen.yaml, pass --base-url, or set URL"
            )
        )
    return Loaded(site, config, url, placeholder, tuple(warnings))


# ---------------------------------------------------------------- planning


def site_title(site: Site) -> str:
    return site.config.title or site.profile.name  # type: ignore[attr-defined]


def plan_feeds(site: Site) -> dict[str, FeedSpec]:
    """Feeds keyed by the page they follow: the whole site, each topic, each coauthor."""
    size = site.config.feed_size  # type: ignore[attr-defined]
    title = site_title(site)
    specs = {
        urls.HOME: FeedSpec(
            title=f"{title}: publications",
            description=f"New publications by {site.profile.name}",
            page_url=urls.HOME,
            rss_url=urls.FEED_RSS,
            atom_url=urls.FEED_ATOM,
            papers=feed_papers(site.papers, size),
        )
    }
    for t in (*site.topics, *site.tags):
        page = urls.topic(t.slug) if t.kind == "topic" else urls.tag(t.slug)
        specs[page] = FeedSpec(
            title=f"{title}: {t.name}",
            description=f"Publications by {site.profile.name} in {t.name}",
            page_url=page,
            rss_url=page + "feed.xml",
            atom_url=page + "atom.xml",
            papers=feed_papers(t.papers, size),
        )
    for c in site.coauthors:
        page = urls.coauthor(c.person.slug)
        specs[page] = FeedSpec(
            title=f"{title}: with {c.person.name}",
            description=f"Publications by {site.profile.name} with {c.person.name}",
            page_url=page,
            rss_url=page + "feed.xml",
            atom_url=page + "atom.xml",
            papers=feed_papers(c.papers, size),
        )
    return specs


def plan_pages(site: Site, feeds: dict[str, FeedSpec]) -> list[Page]:
    cfg = site.config
    pages = [
        Page(
            urls.HOME,
            "index.html",
            {
                "recent": site.papers[: cfg.home_papers],  # type: ignore[attr-defined]
                "top_coauthors": site.coauthors[: cfg.home_coauthors],  # type: ignore[attr-defined]
            },
            feeds[urls.HOME],
        ),
        Page(urls.TIMELINE, "timeline.html", {}, feeds[urls.HOME]),
        Page(urls.TOPICS, "topics.html", {}),
        Page(urls.COAUTHORS, "coauthors.html", {}),
    ]
    for p in site.papers:
        older, newer = site.neighbours[p.slug]
        pages.append(
            Page(
                urls.paper(p.slug),
                "paper.html",
                {
                    "paper": p,
                    "older": older,
                    "newer": newer,
                    "topic": site.topic_by_code[p.topic],
                    "related": site.related.get(p.slug, ()),
                },
            )
        )
    for t in site.topics:
        pages.append(
            Page(urls.topic(t.slug), "topic.html", {"topic": t}, feeds[urls.topic(t.slug)])
        )
    if site.tags:
        pages.append(Page(urls.TAGS, "tags.html", {}))
        for t in site.tags:
            pages.append(
                Page(urls.tag(t.slug), "topic.html", {"topic": t}, feeds[urls.tag(t.slug)])
            )
    for c in site.coauthors:
        page = urls.coauthor(c.person.slug)
        pages.append(Page(page, "coauthor.html", {"coauthor": c}, feeds[page]))
    pages.append(Page(urls.NOT_FOUND, "404.html", {}))
    return pages


# ---------------------------------------------------------------- rendering


def format_date(d: dt.date, style: str = "long") -> str:
    if style == "month":
        return f"{MONTHS[d.month - 1][:3]} {d.year}"
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


@jinja2.pass_context
def _rel(ctx: Any, url: str) -> str:
    """Site-relative URL -> link relative to the page being rendered."""
    if url.startswith(("http://", "https://", "mailto:")):
        return url
    return ctx["root"] + url.lstrip("/") or "./"


def _inline(text: str) -> Markup:
    return Markup(render_inline(text))


class Renderer:
    """One Jinja environment and the data every page shares; renders Page -> HTML."""

    def __init__(self, loaded: Loaded, site_dir: Path, assets: dict[str, str]):
        self.loaded = loaded
        cfg = loaded.config
        try:
            self.env = make_env(template_dirs(site_dir, cfg.theme))
        except SitegenError:
            raise
        self.env.filters["rel"] = _rel
        self.env.filters["date"] = format_date
        self.env.filters["inline"] = _inline
        self.env.globals.update(
            site=loaded.site,
            config=cfg,
            profile=loaded.site.profile,
            owner=loaded.site.owner,
            site_title=site_title(loaded.site),
            base_url=loaded.base_url,
            urls=urls,
            version=__version__,
            site_feed=None,
        )
        self.assets = assets
        base_path = urlsplit(loaded.base_url).path if not loaded.base_is_placeholder else "/"
        self.absolute_root = base_path if base_path.endswith("/") else base_path + "/"

    def asset(self, name: str) -> str:
        try:
            return self.assets[name]
        except KeyError:
            raise SitegenError(f"asset {name!r} is not in the theme's static folder") from None

    def render(self, page: Page, site_feed: FeedSpec) -> str:
        # the 404 page is served at any depth, so its links must be root-absolute
        root = self.absolute_root if page.url == urls.NOT_FOUND else urls.root_prefix(page.url)
        ctx = {
            **page.context,
            "root": root,
            "page_url": page.url,
            "canonical": urls.absolute(self.loaded.base_url, page.url),
            "asset": lambda name: root + self.asset(name),
            "feed": page.feed,
            "site_feed": site_feed,
        }
        try:
            return self.env.get_template(page.template).render(ctx)
        except SitegenError:
            raise
        except Exception as e:  # Jinja raises many types; all are the theme's problem
            raise template_error(e, page.template) from None


# ---------------------------------------------------------------- writing


def collect_static(dirs: list[Path]) -> dict[str, Path]:
    """Relative name -> source file; later folders override earlier ones."""
    files: dict[str, Path] = {}
    for d in dirs:
        if d.is_dir():
            for path in sorted(d.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files[path.relative_to(d).as_posix()] = path
    return files


def fingerprint(name: str, data: bytes) -> str:
    """CSS and JS get a content hash in their name, so they can be cached forever."""
    if not name.endswith(FINGERPRINTED):
        return name
    stem, ext = name.rsplit(".", 1)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{ext}"


def check_output_dir(site_dir: Path, output: Path) -> None:
    """Refuse output folders whose replacement would destroy the user's work."""
    out = output.resolve()
    site = site_dir.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home:
        raise SitegenError(f"refusing to build into {output}: that is / or your home folder")
    if out == site or site.is_relative_to(out):
        raise SitegenError(f"refusing to build into {output}: it contains the site itself")
    if (out / "content").exists() or (out / "sitegen.yaml").exists():
        raise SitegenError(f"refusing to build into {output}: it holds a site's content")
    for source in ("content", "templates", "themes", "static"):
        if out.is_relative_to(site / source):
            raise SitegenError(f"refusing to build into {output}: it is inside {source}/")
    if out.is_dir() and any(out.iterdir()) and not (out / "index.html").is_file():
        raise SitegenError(
            f"refusing to build into {output}: it is not empty and holds no earlier build "
            "(a build replaces the whole folder)"
        )


class Writer:
    """Writes files under one folder and refuses to write any path twice."""

    def __init__(self, root: Path):
        self.root = root
        self.written: set[str] = set()

    def write(self, rel: str, data: bytes | str) -> None:
        if rel in self.written:
            raise SitegenError(f"two pages would be written to {rel}: check for a slug collision")
        target = (self.root / rel).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise SitegenError(f"refusing to write outside the output folder: {rel}")
        self.written.add(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode("utf-8")
        target.write_bytes(data)


_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_RENAME_EXCHANGE = 2


def swap_into_place(new: Path, output: Path) -> None:
    """Replace `output` by `new` atomically where the kernel allows it.

    renameat2(RENAME_EXCHANGE) swaps two directories in one step, so there is no
    moment when output/ is missing; elsewhere, two renames leave a tiny window.
    """
    if output.exists():
        exchanged = False
        renameat2 = getattr(_libc, "renameat2", None)
        if renameat2 is not None:
            at_fdcwd = -100
            rc = renameat2(at_fdcwd, bytes(new), at_fdcwd, bytes(output), _RENAME_EXCHANGE)
            exchanged = rc == 0
        if exchanged:
            shutil.rmtree(new)  # now holds the old site
            return
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.rename(output, old)
        os.rename(new, output)
        shutil.rmtree(old)
    else:
        os.rename(new, output)


def stale_temp_dirs(output: Path) -> Iterator[Path]:
    if output.parent.is_dir():
        for p in output.parent.glob(f".{output.name}.*-*"):
            if p.is_dir():
                yield p


def sitemap_xml(site: Site, pages: list[Page], base_url: str) -> str:
    newest = site.papers[0].date if site.papers else dt.date(1970, 1, 1)
    rows = []
    for page in pages:
        if page.url == urls.NOT_FOUND:
            continue
        paper: Paper | None = page.context.get("paper")
        lastmod = paper.date if paper else newest
        loc = xml_escape(urls.absolute(base_url, page.url))
        rows.append(f"  <url><loc>{loc}</loc><lastmod>{lastmod.isoformat()}</lastmod></url>")
    body = "\n".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}\n</urlset>\n"
    )


def build_site(
    site_dir: Path,
    output: Path | None = None,
    base_url: str | None = None,
    search: bool = True,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    started = time.perf_counter()
    site_dir = Path(site_dir)
    output = Path(output) if output is not None else site_dir / "output"
    check_output_dir(site_dir, output)
    loaded = load_site(site_dir, base_url)
    site = loaded.site

    static = collect_static(static_dirs(site_dir, loaded.config.theme))
    static_bytes = {name: path.read_bytes() for name, path in static.items()}
    assets = {name: "assets/" + fingerprint(name, data) for name, data in static_bytes.items()}
    renderer = Renderer(loaded, site_dir, assets)
    feeds = plan_feeds(site)
    pages = plan_pages(site, feeds)
    topic_names = {t.code: t.name for t in site.topics}

    for stale in stale_temp_dirs(output):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    tmp.mkdir(parents=True)
    try:
        writer = Writer(tmp)
        for page in pages:
            writer.write(urls.output_path(page.url), renderer.render(page, feeds[urls.HOME]))
        for spec in feeds.values():
            rss, atom = render_feeds(spec, loaded.base_url, topic_names)
            writer.write(spec.rss_url, rss)
            writer.write(spec.atom_url, atom)
        for name, data in static_bytes.items():
            writer.write(assets[name], data)
        if "favicon.svg" in static_bytes:
            writer.write("favicon.svg", static_bytes["favicon.svg"])
        writer.write("sitemap.xml", sitemap_xml(site, pages, loaded.base_url))
        writer.write(
            "robots.txt",
            f"User-agent: *\nAllow: /\nSitemap: {urls.absolute(loaded.base_url, 'sitemap.xml')}\n",
        )
        swap_into_place(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(
        output=output,
        pages=len(pages),
        files=len(writer.written),
        seconds=time.perf_counter() - started,
        warnings=list(loaded.warnings),
    )
