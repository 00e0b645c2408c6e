"""Plan the pages, render what changed, and swap the finished site into place.

A build is all-or-nothing: nothing touches output/ until every page has been
rendered, and the new site replaces the old one in a single rename. A failed
build (bad YAML, a template error) therefore leaves the deployed site exactly
as it was.

Each planned output file is a job with a key fingerprinting what it shows
(deps.py); the cache (cache.py) remembers the keys of the last build, so an
unchanged page is neither rendered nor written. A cold build renders every job
in parallel into a fresh folder; an incremental build renders the changed jobs
and applies them to a hard-link twin of the output kept in the cache, which is
then swapped in (outputs.py). A build with nothing changed stops after a scan.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import hashlib
import html
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from . import __version__, charts, cite, urls
from .cache import (
    SEARCH_DIR,
    BuildState,
    Cache,
    Derived,
    Probe,
    load_sources,
    output_id,
    racy,
    stat_outputs,
    summary_line,
    watch_key,
)
from .config import SiteConfig, load_config, resolve_base_url
from .content import PaperSource, load_papers, load_people, load_profile
from .deps import (
    EVERYTHING,
    Entry,
    Fingerprints,
    Lazy,
    Memo,
    Templates,
    digest,
    globals_key,
    install_memo,
    page_key,
    resolve,
)
from .errors import SitegenError, SitegenWarning
from .feeds import FeedSpec, feed_papers, render_feeds
from .index import build_index, paper_of
from .markup import render_inline
from .model import Paper, Site
from .outputs import (
    Outcome,
    Plan,
    commit_in_place,
    default_jobs,
    exchange,
    execute,
    fork_map_async,
    forked_shared,
    link_changes,
    link_tree,
    move_changes,
    removed_files,
    resolve_keys,
)
from .portfolio import Portfolio, load_portfolio, plan_portfolio_files, portfolio_pages
from .related import related_papers
from .render import make_env, static_dirs, template_dirs, template_error
from .search import build_index as build_search_index
from .search import pagefind_available

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
    written: tuple[str, ...] = ()  # output files whose bytes changed (all of them when cold)
    removed: tuple[str, ...] = ()
    rendered: int = 0  # jobs run: pages rendered, feeds made ...
    incremental: bool = False
    restored: int = 0  # output files found deleted or changed by hand, and redone

    def summary(self) -> str:
        if not self.incremental:
            how = ""
        elif not self.written and not self.removed and not self.restored:
            how = ", nothing changed"
        else:
            how = f", {len(self.written)} written"
            how += f", {len(self.removed)} removed" if self.removed else ""
            how += f", {self.restored} damaged in the output restored" if self.restored else ""
        return summary_line(self.pages, self.files, how, self.output, self.seconds)


# ---------------------------------------------------------------- loading


@dataclass(frozen=True)
class Loaded:
    site: Site
    config: SiteConfig
    base_url: str
    base_is_placeholder: bool
    warnings: tuple[SitegenWarning, ...]
    portfolio: Portfolio | None = None  # issue 17: about, news, CV (see portfolio.py)


def load_site(
    site_dir: Path,
    base_url: str | None = None,
    papers: Callable[[Path], tuple[list[PaperSource], list[SitegenWarning]]] = load_papers,
    derived: Derived | None = None,
) -> Loaded:
    """Read config and content and index them; raises the first problem found.

    `papers` loads the paper files and `derived` keeps expensive results; a build
    passes ones that go through its cache.
    """
    config, problems = load_config(site_dir)
    if problems:
        raise problems[0]
    sources, warnings = papers(site_dir)
    profile = load_profile(site_dir)
    people = load_people(site_dir)
    site = with_related(build_index(sources, profile, people, config), derived)
    portfolio = load_portfolio(site_dir, site, warnings)  # issue 17
    url, placeholder = resolve_base_url(config, base_url)
    if placeholder:
        warnings.append(
            SitegenWarning(
                f"no base URL: feeds, sitemap and canonical links use the placeholder {url}; "
                "set `base_url` in sitegen.yaml, pass --base-url, or set URL"
            )
        )
    return Loaded(site, config, url, placeholder, tuple(warnings), portfolio)


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

    def follow(page: str, title_part: str, about: str, papers: tuple) -> None:
        specs[page] = FeedSpec(
            title=f"{title}: {title_part}",
            description=f"Publications by {site.profile.name} {about}",
            page_url=page,
            rss_url=page + "feed.xml",
            atom_url=page + "atom.xml",
            papers=feed_papers(papers, size),
        )

    for t in (*site.topics, *site.tags):
        page = urls.topic(t.slug) if t.kind == "topic" else urls.tag(t.slug)
        follow(page, t.name, f"in {t.name}", t.papers)
    for c in site.coauthors:
        with_them = f"with {c.person.name}"
        follow(urls.coauthor(c.person.slug), with_them, with_them, c.papers)
    return specs


def plan_pages(
    site: Site, feeds: dict[str, FeedSpec], portfolio: Portfolio | None = None
) -> list[Page]:
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
    if portfolio is not None:  # issue 17: the home page's about, news and CV link; /news/, /cv/
        home, more = portfolio_pages(portfolio, site)
        pages[0].context.update(home)
        pages += [Page(url, template, context, feed) for url, template, context, feed in more]
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
        install_memo(self.env)  # before any template is compiled
        self.memo: Memo | None = None
        self.light_memo = True  # small pages share macro output by identity (Memo.light)
        self.last_record: dict[str, Entry] = {}
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

    def enable_memo(self, templates: Templates, fps: Fingerprints, globals_key: str) -> None:
        """Reuse macro output across pages (see deps.Memo); off unless a build turns it on."""
        if os.environ.get("SITEGEN_NO_MEMO"):
            return
        self.memo = Memo(templates, fps, self.env)
        self.memo.set_globals_key(globals_key)
        self.env.sitegen_memo = self.memo  # type: ignore[attr-defined]

    def root_of(self, page: Page) -> str:
        # the 404 page is served at any depth, so its links must be root-absolute
        return self.absolute_root if page.url == urls.NOT_FOUND else urls.root_prefix(page.url)

    def render(
        self,
        page: Page,
        site_feed: FeedSpec,
        fragments: dict[str, Entry] | None = None,
        memoise: bool = True,
    ) -> str:
        root = self.root_of(page)
        ctx = {
            **resolve(page.context),
            "root": root,
            "page_url": page.url,
            "canonical": urls.absolute(self.loaded.base_url, page.url),
            "asset": lambda name: root + self.asset(name),
            "feed": page.feed,
            "site_feed": site_feed,
        }
        memo = self.memo if memoise else None
        self.last_record = {}
        if memo is not None:
            memo.begin(root, ctx, fragments)
        elif self.memo is not None and self.light_memo:
            self.memo.begin_light(root, ctx)
        try:
            return self.env.get_template(page.template).render(ctx)
        except SitegenError:
            raise
        except Exception as e:  # Jinja raises many types; all are the theme's problem
            raise template_error(e, page.template) from None
        finally:
            if memo is not None:
                self.last_record = memo.end()
            elif self.memo is not None:
                self.memo.end_light()


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


def swap_into_place(new: Path, output: Path) -> None:
    """Replace `output` by `new` atomically where the kernel allows it.

    renameat2(RENAME_EXCHANGE) swaps two directories in one step, so there is no
    moment when output/ is missing; elsewhere, two renames leave a tiny window.
    """
    if output.exists():
        if exchange(new, output):
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
        loc = html.escape(urls.absolute(base_url, page.url), quote=False)  # &, <, >
        rows.append(f"  <url><loc>{loc}</loc><lastmod>{lastmod.isoformat()}</lastmod></url>")
    body = "\n".join(rows)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{body}\n</urlset>\n"
    )


# ---------------------------------------------------------------- scholarly and discovery
# Related papers, citations, indexing metadata, charts and the search index.
# Each step is one function of the site (or of the finished output folder), so
# an incremental build can cache or skip it as a whole.


def with_related(site: Site, derived: Derived | None = None) -> Site:
    """The site with `related` filled in: each paper's TF-IDF nearest papers.

    The result depends on every paper's slug, title and abstract (term weights
    are site-wide), so it is kept with a hash of exactly those. Only the latest
    result is kept (one fixed cache entry): every text edit makes a new one.
    """
    k = site.config.related_papers  # type: ignore[attr-defined]
    if derived is None:
        return dataclasses.replace(site, related=related_papers(site.papers, k))
    key = digest(
        "related", str(k), *(f"{p.slug}\x00{p.title}\x00{p.summary_text}" for p in site.papers)
    )
    slot = digest("related papers, latest")
    found = derived.get(slot)
    by_slug = {p.slug: p for p in site.papers}
    if (
        isinstance(found, tuple)
        and len(found) == 2
        and found[0] == key
        and isinstance(found[1], dict)
        and all(all(s in by_slug for s in v) for v in found[1].values())
    ):
        related = {slug: tuple(by_slug[s] for s in v) for slug, v in found[1].items()}
    else:
        related = related_papers(site.papers, k)
        derived.put(slot, (key, {slug: tuple(p.slug for p in v) for slug, v in related.items()}))
    return dataclasses.replace(site, related=related)


class PendingCitations:
    """Citations being made in other processes while the plan goes on.

    A cold build of 10,000 papers spends about a second making citations; the
    pages are planned meanwhile, since they need only the keys (the BibTeX a
    paper page shows is made by the worker that renders it).
    """

    def __init__(
        self,
        keys: dict[str, str],
        done: dict[str, cite.Citation],
        order: list[str],
        collect: Callable[[bool], dict[str, cite.Citation]] | None = None,
    ):
        self.keys = keys  # slug -> citation key, known at once
        self._done = done
        self._order = order
        self._collect = collect

    def result(self) -> dict[str, cite.Citation]:
        """slug -> citation, in paper order (waits for the other processes)."""
        self._finish(True)
        return {slug: self._done[slug] for slug in self._order}

    def cancel(self) -> None:
        self._finish(False)

    def _finish(self, wanted: bool) -> None:
        """Collect (or cancel) the other processes' work, once."""
        if self._collect is not None:
            collect, self._collect = self._collect, None
            self._done.update(collect(wanted))


def start_citations(
    site: Site,
    base_url: str,
    derived: Derived | None = None,
    fps: Fingerprints | None = None,
    jobs: int = 1,
    fingerprints: dict[str, str] | None = None,
) -> PendingCitations:
    """Start making the citation of every paper: the keys now, the texts when asked.

    With a cache, each paper's citation is kept under a hash of the paper, its
    key and its URL, and only missing ones are made (in other processes when
    many, collected by PendingCitations.result); `fingerprints`, if given,
    receives that hash per slug.
    """

    def page_url(p: Paper) -> str:
        return urls.absolute(base_url, urls.paper(p.slug))

    order = [p.slug for p in site.papers]
    if derived is None or fps is None:
        made = cite.site_citations(site.papers, page_url)
        return PendingCitations({k: c.key for k, c in made.items()}, made, order)
    keys = _citation_keys(site.papers, derived, fps)
    out: dict[str, cite.Citation] = {}
    missing: list[tuple[int, str]] = []
    for i, p in enumerate(site.papers):
        dkey = digest("citation", fps.paper_full(p), keys[p.slug], page_url(p))
        if fingerprints is not None:
            fingerprints[p.slug] = dkey
        found = derived.get(dkey)
        if isinstance(found, tuple) and len(found) == 4:
            out[p.slug] = cite.Citation(keys[p.slug], *found[:3], tuple(found[3]))
        else:
            missing.append((i, dkey))

    def store(rows: list[tuple[str, str, str, tuple[tuple[str, Any], ...]]]) -> dict:
        made = {}
        for (i, dkey), row in zip(missing, rows, strict=True):
            slug = site.papers[i].slug
            made[slug] = cite.Citation(keys[slug], *row[:3], tuple(row[3]))
            derived.put(dkey, row)
        return made

    shared = (site.papers, keys, base_url)
    if jobs > 1 and len(missing) >= 400:
        size = max(50, len(missing) // (jobs * 4))
        parts = [[i for i, _ in missing[k : k + size]] for k in range(0, len(missing), size)]
        collect = fork_map_async(_citations_of, parts, jobs, shared)

        def finish(wanted: bool) -> dict[str, cite.Citation]:
            rows = collect(wanted)
            return store([c for part in rows for c in part]) if wanted else {}

        return PendingCitations(keys, out, order, finish)
    out.update(store(_citations_of([i for i, _ in missing], shared)))
    return PendingCitations(keys, out, order)


def _citation_keys(papers: Sequence[Paper], derived: Derived, fps: Fingerprints) -> dict[str, str]:
    """cite.citation_keys, with each paper's base key kept in the cache.

    Making a base key slugifies names and titles, a third of a second at 10,000
    papers on every build; the unique-suffix pass below is cite's, verbatim, and
    tests/test_incremental.py checks the two agree.
    """
    bases: dict[str, str] = {}
    for p in papers:
        dkey = digest("citation-base-key", fps.paper_list(p))
        base = derived.get(dkey)
        if not isinstance(base, str):
            base = cite.base_key(p)
            derived.put(dkey, base)
        bases[p.slug] = base
    keys: dict[str, str] = {}
    used: set[str] = set()
    for p in sorted(papers, key=lambda p: (p.date, p.slug)):
        base = bases[p.slug]
        key = base
        if key in used:
            key = next(base + s for s in cite._suffixes() if base + s not in used)
        used.add(key)
        keys[p.slug] = key
    return keys


def _citations_of(
    indices: list[int], shared: tuple[Any, ...] | None = None
) -> list[tuple[str, str, str, tuple[tuple[str, Any], ...]]]:
    """(bibtex, ris, csl, item) of some papers, exactly as cite.site_citations makes them."""
    papers, keys, base_url = shared if shared is not None else forked_shared()
    rows = []
    for i in indices:
        p = papers[i]
        url = urls.absolute(base_url, urls.paper(p.slug))
        item = cite.csl_item(p, keys[p.slug], url)
        rows.append(
            (
                cite.bibtex_entry(p, keys[p.slug], url),
                cite.ris_record(p, url),
                cite.csl_json([item]),
                tuple(item.items()),
            )
        )
    return rows


CITATION_FORMATS = (("BibTeX", "bib"), ("RIS", "ris"), ("CSL-JSON", "json"))


def citation_files(site: Site, citations: dict[str, cite.Citation]) -> list[tuple[str, str]]:
    """(output path, text) of each paper's .bib/.ris/.json and the site-wide lists."""
    files = []
    for p in site.papers:
        c = citations[p.slug]
        for (_, ext), text in zip(CITATION_FORMATS, (c.bibtex, c.ris, c.csl), strict=True):
            files.append((urls.paper_citation(p.slug, ext), text))
    ordered = [citations[p.slug] for p in site.papers]
    files += [
        (urls.PUBLICATIONS_BIB, cite.bibtex_file(ordered)),
        (urls.PUBLICATIONS_RIS, cite.ris_file(ordered)),
        (urls.PUBLICATIONS_CSL, cite.csl_file(ordered)),
    ]
    return files


def discovery_context(
    site: Site,
    pages: list[Page],
    base_url: str,
    cite_keys: Mapping[str, str],
    search: bool,
) -> list[Page]:
    """The pages with their citation, metadata and chart values, plus the search page.

    Only the citation keys are needed here: a paper page's BibTeX is made by
    the process that renders the page.
    """
    lang = site.config.language  # type: ignore[attr-defined]

    def person_url(person: Any) -> str:
        return urls.absolute(base_url, urls.HOME if person.is_owner else urls.coauthor(person.slug))

    out = []
    for page in pages:
        extra: dict[str, Any] = {}
        if page.template == "paper.html" and "paper" in page.context:
            p = page.context["paper"]
            url = urls.absolute(base_url, page.url)
            key = cite_keys[p.slug]
            extra = {
                "cite_key": key,
                "bibtex": Lazy(cite.bibtex_entry, (p, key, url)),  # url: urls.paper(p.slug)
                "cite_files": tuple(
                    (label, urls.paper_citation(p.slug, ext)) for label, ext in CITATION_FORMATS
                ),
                "scholar_meta": Lazy(cite.scholar_meta, (p, url, lang)),
                "jsonld": Lazy(
                    cite.article_jsonld,
                    (p, url, site.topic_by_code[p.topic].name, person_url, lang),
                ),
                "links_out": () if p.url else Lazy(cite.search_links, (p,)),
            }
        elif page.url == urls.HOME:
            extra = {
                "person_jsonld": cite.person_jsonld(
                    site.profile,
                    urls.absolute(base_url, urls.HOME),
                    [t.name for t in site.topics],
                    len(site.papers),
                ),
                "topic_chart": Markup(charts.topic_chart(site)),
            }
        elif page.url == urls.TIMELINE:
            extra = {"timeline_chart": Markup(charts.timeline_chart(site))}
        elif page.url == urls.COAUTHORS:
            extra = {"network_chart": Markup(charts.network_chart(site))}
        # Page(...) rather than dataclasses.replace: a third of a second at 10,000 pages
        if extra:
            page = Page(page.url, page.template, {**page.context, **extra}, page.feed)
        out.append(page)
    if search:
        at = next((i for i, p in enumerate(out) if p.url == urls.NOT_FOUND), len(out))
        out.insert(at, Page(urls.SEARCH, "search.html", {}))
    return out


def search_wanted(loaded: Loaded, search: bool) -> tuple[bool, list[SitegenWarning]]:
    """Whether this build makes a search index, and why not when it was asked for."""
    if not (search and loaded.config.search):
        return False, []
    if not pagefind_available():
        return False, [
            SitegenWarning(
                "search skipped: the Pagefind binary is not available "
                "(pip install 'sitegen[search]', or build with --no-search)"
            )
        ]
    return True, []


def search_step(
    warnings: list[SitegenWarning], reuse: Path | None = None
) -> Callable[[Path], None]:
    """Index the finished pages of a cold build, in its temp folder before the swap
    (reusing the unchanged files of the index in `reuse`, the live output's, if any)."""

    def run(root: Path) -> None:
        problem = build_search_index(root, reuse=reuse)
        if problem is not None:
            warnings.append(problem)

    return run


def refresh_search(
    output: Path, written: list[str], removed: list[str], force: bool = False
) -> SitegenWarning | None:
    """After an incremental build: re-index when a paper page changed, then swap the new
    index folder in, so the live index is always complete (old or new, never half)."""

    def is_paper(rel: str) -> bool:
        return rel.startswith("papers/") and rel.endswith("/index.html")

    if (
        not force
        and not any(is_paper(r) for r in (*written, *removed))
        and (output / SEARCH_DIR).is_dir()
    ):
        return None
    tmp = output.with_name(f".{output.name}.search-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    # reuse the current index's unchanged files, unless it is the thing being repaired
    reuse = None if force else output / SEARCH_DIR
    problem = build_search_index(output, bundle=tmp, reuse=reuse)
    if problem is not None:
        shutil.rmtree(tmp, ignore_errors=True)
        return problem
    swap_into_place(tmp, output / "pagefind")
    return None


FRAGMENT_MIN = 64  # memoised calls a page must make for its fragments to be kept on disk
MEMO_MIN_WEIGHT = 100  # pages listing fewer papers render faster without memoising


@dataclass
class Planned:
    """Everything a build is about to write, with the fingerprints that decide what runs."""

    plan: Plan
    pages: list[Page]
    loaded: Loaded
    renderer: Renderer | None = None
    citations: dict[str, cite.Citation] = field(default_factory=dict)
    site_feed: FeedSpec | None = None


def plan_outputs(
    loaded: Loaded,
    site_dir: Path,
    cache: Cache,
    meta: dict[str, str],
    warm: bool,
    search: bool = False,
    jobs: int = 1,
) -> Planned:
    """Every output file of the site as a job with a key; nothing is rendered yet.

    A page's key hashes its template sources, the globals, and the data its
    templates can show (see deps.py). Producers must be deterministic and must
    read only what their key covers; a job without a key is always run and
    written only if its bytes changed.
    """
    site = loaded.site
    static = collect_static(static_dirs(site_dir, loaded.config.theme))
    static_bytes = {name: path.read_bytes() for name, path in static.items()}
    assets = {name: "assets/" + fingerprint(name, data) for name, data in static_bytes.items()}
    renderer = Renderer(loaded, site_dir, assets)
    renderer.env.globals["search_enabled"] = search
    feeds = plan_feeds(site)
    fps = Fingerprints(site, meta)
    citation_fps: dict[str, str] = {}
    pending = start_citations(site, loaded.base_url, cache.derived, fps, jobs, citation_fps)
    try:
        return _plan_outputs(loaded, site_dir, cache, renderer, static_bytes, assets, feeds,
                             fps, pending, citation_fps, warm, search)  # fmt: skip
    finally:
        pending.cancel()  # after a failure; a no-op once the citations were collected


def _plan_outputs(
    loaded: Loaded,
    site_dir: Path,
    cache: Cache,
    renderer: Renderer,
    static_bytes: dict[str, bytes],
    assets: dict[str, str],
    feeds: dict[str, FeedSpec],
    fps: Fingerprints,
    pending: PendingCitations,
    citation_fps: dict[str, str],
    warm: bool,
    search: bool,
) -> Planned:
    site = loaded.site
    pages = discovery_context(
        site, plan_pages(site, feeds, loaded.portfolio), loaded.base_url, pending.keys, search
    )
    site_feed = feeds[urls.HOME]
    topic_names = {t.code: t.name for t in site.topics}

    templates = Templates(renderer.env, renderer.env.globals)
    templates.known = cache.load_templates()
    for name in sorted({page.template for page in pages}):
        templates.closure(name)  # every template analysed before any renders (Memo)
    try:  # compiled templates kept between builds: compiling the theme takes 0.2 s
        renderer.env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(cache.bytecode_dir()))
    except OSError:
        pass
    gkey = digest(
        globals_key(fps, renderer.env.globals, skip=("site_feed",)),
        repr(sorted(assets.items())),
        renderer.absolute_root,
    )
    renderer.enable_memo(templates, fps, gkey)
    plan = Plan()

    for page in pages:
        weight = _page_weight(page, site, templates)
        plan.add(
            (urls.output_path(page.url),),
            _page_producer(renderer, page, site_feed, cache, warm, weight),
            key=_page_key(templates, fps, page, gkey, site_feed),
            weight=weight,
            label=page.url,
        )

    names_key = digest(*(f"{c}={n}" for c, n in sorted(topic_names.items())))
    for spec in feeds.values():
        plan.add(
            (spec.rss_url, spec.atom_url),
            _feed_producer(spec, loaded.base_url, topic_names),
            key=digest("feed", loaded.base_url, names_key, fps.value(spec, EVERYTHING)),
            weight=10 + 2 * len(spec.papers),
            label=spec.rss_url,
        )
    for name, data in static_bytes.items():
        plan.write(assets[name], data)
    if "favicon.svg" in static_bytes:
        plan.write("favicon.svg", static_bytes["favicon.svg"])
    if loaded.portfolio is not None:  # issue 17: the photo, the news feeds, the CV's PDF
        render_cv = _cv_renderer(renderer, pages, site_feed)
        css = {
            urls.absolute(loaded.base_url, assets[name]): data
            for name, data in static_bytes.items()
            if name.endswith(".css")
        }
        for files, produce, key in plan_portfolio_files(
            loaded.portfolio, site_dir, loaded.base_url, site_title(site), render_cv, css
        ):
            plan.add(files, produce, key=key, label=files[0])
    plan.write("sitemap.xml", sitemap_xml(site, pages, loaded.base_url))
    plan.write(
        "robots.txt",
        f"User-agent: *\nAllow: /\nSitemap: {urls.absolute(loaded.base_url, 'sitemap.xml')}\n",
    )
    citations = pending.result()
    plan_citation_files(plan, site, citations, citation_fps)
    cache.save_templates(templates.known, templates.learned)
    return Planned(plan, pages, loaded, renderer, citations, site_feed)


def _cv_renderer(renderer: Renderer, pages: list[Page], site_feed: FeedSpec) -> Callable[[], str]:
    """The /cv/ page's HTML, rendered again where the PDF is made (issue 17)."""
    page = next((p for p in pages if p.template == "cv.html"), None)
    return lambda: renderer.render(page, site_feed, None, memoise=False) if page else ""


def plan_citation_files(
    plan: Plan,
    site: Site,
    citations: dict[str, cite.Citation],
    fingerprints: dict[str, str] | None = None,
) -> None:
    """The files of citation_files() as jobs: one per paper, one for the site-wide lists.

    A paper's files are keyed by the fingerprint of its citation's inputs (from
    start_citations) or else by the citation itself: rewritten only when it changed.
    """
    sums: list[str] = []
    exts = [ext for _, ext in CITATION_FORMATS]
    for p in site.papers:
        c = citations[p.slug]
        rels = tuple(urls.paper_citation(p.slug, ext) for ext in exts)
        if fingerprints is not None and p.slug in fingerprints:
            key = digest("citation-files", fingerprints[p.slug])
        else:
            key = digest("citation-files", c.key, c.bibtex, c.ris, c.csl)
        sums.append(key)
        plan.add(rels, _constant((c.bibtex, c.ris, c.csl)), key=key, label=rels[0])
    site_wide = (urls.PUBLICATIONS_BIB, urls.PUBLICATIONS_RIS, urls.PUBLICATIONS_CSL)

    def produce() -> tuple[str, ...]:
        made = dict(citation_files(site, citations))
        return tuple(made[r] for r in site_wide)

    plan.add(
        site_wide,
        produce,
        key=digest("publications", *sums),
        weight=len(site.papers) // 2,
        label=site_wide[0] if site_wide else "",
    )


def _page_key(
    templates: Templates, fps: Fingerprints, page: Page, gkey: str, site_feed: FeedSpec
) -> Callable[[], str]:
    """The page's key, computed when needed: by the worker that renders it in a cold build."""

    def key() -> str:
        values = {**page.context, "feed": page.feed, "site_feed": site_feed}
        return page_key(templates, fps, page.template, gkey, values, extra=(page.url,))

    return key


def _constant(values: tuple[str, ...]) -> Callable[[], tuple[str, ...]]:
    return lambda: values


def _page_producer(
    renderer: Renderer, page: Page, site_feed: FeedSpec, cache: Cache, warm: bool, weight: int
) -> Callable[[], tuple[str]]:
    """Render one page; list pages memoise their macros and keep them for the next build.

    Memoising costs a key per macro call and pays only when calls repeat: on the
    big list pages when an edit re-renders them, not on pages of a dozen items.
    """
    rel = urls.output_path(page.url)
    memoise = weight >= MEMO_MIN_WEIGHT

    def produce() -> tuple[str]:
        fragments = cache.load_fragments(rel) if warm and memoise else None
        html = renderer.render(page, site_feed, fragments, memoise=memoise)
        if len(renderer.last_record) >= FRAGMENT_MIN:
            cache.save_fragments(rel, renderer.last_record)
        return (html,)

    return produce


def _feed_producer(
    spec: FeedSpec, base_url: str, topic_names: dict[str, str]
) -> Callable[[], tuple[bytes, bytes]]:
    return lambda: render_feeds(spec, base_url, topic_names)


def _page_weight(page: Page, site: Site, templates: Templates) -> int:
    """Rough cost in tenths of a millisecond: a page, plus one per list item it renders.

    Only used to spread work evenly over processes; see outputs.chunks.
    """
    weight = 6 + len(page.context.get("related", ()))
    for v in page.context.values():
        weight += len(getattr(v, "papers", ()))
    if {"years", "papers"} & templates.info(page.template).site_attrs:
        weight += len(site.papers)  # the page itself lists every paper (the timeline)
    return weight


# ---------------------------------------------------------------- the preview's fast path


@dataclass(frozen=True)
class Warm:
    """What `sitegen serve` keeps of its last full build, to redraw an edited paper at once.

    A full build of a big site takes seconds (every page's inputs are fingerprinted),
    but someone editing an abstract is looking at one page. With this, the preview
    redraws that page first, reloads the browser, and only then runs the full build,
    which corrects anything the quick page could not know (a changed citation key,
    another paper's related list) and reloads again if it does.
    """

    loaded: Loaded
    renderer: Renderer
    pages: dict[str, Page]  # paper source path -> its page, with the full context
    citations: dict[str, cite.Citation]
    site_feed: FeedSpec

    @classmethod
    def of(cls, planned: Planned) -> Warm | None:
        if planned.renderer is None or planned.site_feed is None:
            return None
        pages = {
            page.context["paper"].source: page
            for page in planned.pages
            if page.template == "paper.html" and "paper" in page.context
        }
        return cls(planned.loaded, planned.renderer, pages, planned.citations, planned.site_feed)


def quick_paper_pages(warm: Warm, site_dir: Path, changed: Sequence[Path]) -> list[tuple[str, str]]:
    """(output path, HTML) of the pages of edited paper files, from the last build's data.

    Only for edits that cannot move a paper within the site: same slug, date, topic,
    tags and authors. Anything else (and any file that does not parse) raises
    LookupError or SitegenError, and the preview does a full build instead.
    """
    from .content import parse_paper, read_text

    out = []
    for path in changed:
        try:
            rel = Path(path).resolve().relative_to(Path(site_dir).resolve()).as_posix()
        except ValueError:
            raise LookupError(path) from None
        page = warm.pages.get(rel)
        if page is None:
            raise LookupError(rel)
        old: Paper = page.context["paper"]
        src = parse_paper(read_text(Path(path), rel), rel, [])
        same = (
            src.slug == old.slug
            and src.date == old.date
            and src.topic == old.topic
            and src.tags == old.tags
            and not src.draft
            and src.author_names == tuple(a.name for a in old.authors)
        )
        if not same:
            raise LookupError(rel)
        paper = paper_of(src, old.authors)
        base_url = warm.loaded.base_url
        key = warm.citations[old.slug].key
        context = {k: v for k, v in page.context.items() if k not in ("paper", "bibtex")}
        redone = Page(page.url, page.template, {**context, "paper": paper}, page.feed)
        [redone] = discovery_context(
            warm.loaded.site, [redone], base_url, {paper.slug: key}, search=False
        )
        html = warm.renderer.render(redone, warm.site_feed, None, memoise=False)
        out.append((urls.output_path(page.url), html))
    return out


def build_site(
    site_dir: Path,
    output: Path | None = None,
    base_url: str | None = None,
    search: bool = True,
    log: Callable[[str], None] | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    probe: Probe | None = None,
    keep: Callable[[Warm], None] | None = None,
) -> BuildResult:
    """Build the site into `output`, doing only the work its changes require.

    With a usable cache (.sitegen-cache/, same output folder and settings), a
    build with no changed input returns after one scan of the input folders,
    and an edit re-renders and rewrites only the output files it affects.
    Otherwise the whole site is rendered (in parallel) into a fresh folder that
    replaces the output atomically. `use_cache=False` ignores what is cached.
    """
    with fewer_collections():
        return _build_site(site_dir, output, base_url, search, log, jobs, use_cache, probe, keep)


@contextlib.contextmanager
def fewer_collections(young: int = 50_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while a build runs.

    A build allocates millions of small objects that live until it ends (papers,
    the index, the plan, rendered text) and makes almost no reference cycles, so
    the default thresholds spend about 6% of a cold build's CPU (measured at 2,000
    papers) re-scanning a heap that has nothing to free. Collections still run,
    just less often; forked workers inherit the setting; the caller's thresholds
    come back afterwards (`sitegen serve` builds many times in one process).
    """
    before = gc.get_threshold()
    gc.set_threshold(young, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _build_site(
    site_dir: Path,
    output: Path | None,
    base_url: str | None,
    search: bool,
    log: Callable[[str], None] | None,
    jobs: int | None,
    use_cache: bool,
    probe: Probe | None,
    keep: Callable[[Warm], None] | None,
) -> BuildResult:
    started = time.perf_counter()
    site_dir = Path(site_dir)
    output = Path(output) if output is not None else site_dir / "output"
    check_output_dir(site_dir, output)
    jobs = jobs or default_jobs()
    if probe is None:
        probe = Probe(site_dir, output, base_url, search, read=use_cache)
    cache, inputs, scan_ns, state = probe.cache, probe.inputs, probe.scan_ns, probe.state
    if probe.unchanged:
        assert state is not None
        return BuildResult(  # nothing changed: nothing read, nothing written
            output=output,
            pages=state.pages,
            files=state.files,
            seconds=time.perf_counter() - started,
            warnings=[SitegenWarning(*w) for w in state.warnings],
            incremental=True,
        )
    if state is not None and not cache.load_manifest(state):
        state = None
    search_damaged = False
    if state is not None and probe.damaged:
        # redo what was deleted or edited in output/ by hand, as if never built
        by_key: dict[str, list[str]] = {}
        for rel in state.manifest:
            by_key.setdefault(watch_key(rel), []).append(rel)
        for key in probe.damaged:
            for rel in by_key.get(key, ()):
                state.manifest.pop(rel, None)
        search_damaged = any(r.startswith(SEARCH_DIR + "/") for r in probe.damaged)

    phase = _phases(log, started)
    phase("scan")
    sources = load_sources(site_dir, inputs, cache.papers, scan_ns, jobs)
    cache.papers.save()
    cache.papers.entries.clear()  # 40 MB at 10,000 papers that rendering does not need
    phase(f"parse ({sources.parsed} files parsed)")
    loaded = load_site(
        site_dir,
        base_url,
        papers=lambda _: (sources.papers, sources.warnings),
        derived=cache.derived,
    )
    phase("index")
    use_search, search_warnings = search_wanted(loaded, search)
    planned = plan_outputs(
        loaded, site_dir, cache, sources.meta, warm=state is not None, search=use_search, jobs=jobs
    )
    plan = planned.plan
    phase(f"plan ({len(plan)} jobs)")
    warm = Warm.of(planned) if keep is not None else None

    generation = os.urandom(8).hex()
    if state is None:
        before_swap = search_step(search_warnings, output / SEARCH_DIR) if use_search else None
        outcome, removed = _build_cold(plan, output, cache, jobs, before_swap), []
    else:

        def search_then_swap(root: Path, written: list[str], removed: list[str]) -> None:
            problem = refresh_search(root, written, removed, force=search_damaged)
            search_warnings.extend([problem] if problem else [])

        hook = search_then_swap if use_search else None
        outcome, removed = _build_incremental(
            plan, output, cache, state, jobs, hook, generation, force=search_damaged
        )
        if not outcome.written and not removed and not search_damaged:
            generation = state.generation  # the output is what it was

    phase("render and write")
    new_state = BuildState(
        settings=probe.settings,
        input_stamp=probe.stamp,
        racy=racy(inputs, scan_ns),
        output_id=output_id(output) or (0, 0),
        manifest=outcome.rows,
        warnings=[(w.message, w.path, w.line) for w in (*loaded.warnings, *search_warnings)],
        pages=len(planned.pages),
        output=str(output.resolve()),
        generation=generation,
    )
    if state is None:
        stats = stat_outputs(output, outcome.rows)
    else:
        stats = dict(probe.output_stats)
        for rel in removed:
            stats.pop(rel, None)
        stats = {k: v for k, v in stats.items() if not k.startswith(SEARCH_DIR + "/")}
        stats.update(stat_outputs(output, outcome.written))
        # folders are not hard-linked: the output swapped in has folders of its own
        folders = [k for k in stats if k.endswith("/")]
        for k in folders:
            del stats[k]
        stats.update(stat_outputs(output, folders))
    cache.save_output_stats(generation, stats)  # before the state: a state needs its stats
    cache.save_state(new_state)
    cache.end_commit()
    cache.derived.save(prune=state is None)
    for rel in removed:
        cache.drop_fragments(rel)
    phase("save cache")
    if keep is not None and warm is not None:
        keep(warm)
    return BuildResult(
        output=output,
        pages=len(planned.pages),
        files=len(outcome.rows),
        seconds=time.perf_counter() - started,
        warnings=[*loaded.warnings, *search_warnings],
        written=tuple(outcome.written),
        removed=tuple(removed),
        rendered=outcome.ran,
        incremental=state is not None,
        restored=len(probe.damaged) if state is not None else 0,
    )


def _phases(log: Callable[[str], None] | None, started: float) -> Callable[[str], None]:
    """Report how long each step took (`sitegen build --timings`), for finding slow steps."""
    last = [started]

    def phase(name: str) -> None:
        now = time.perf_counter()
        if log is not None:
            log(f"{now - last[0]:7.3f} s  {name}")
        last[0] = now

    return phase


def _build_cold(
    plan: Plan,
    output: Path,
    cache: Cache,
    jobs: int,
    before_swap: Callable[[Path], None] | None = None,
) -> Outcome:
    """Run every job into a fresh folder and swap it in: the output is all new or all old."""
    for stale in stale_temp_dirs(output):
        shutil.rmtree(stale, ignore_errors=True)
    cache.clear_fragments()
    cache.forget_state()  # until the swap is done, the old manifest describes nothing
    cache.mark_standby(None)
    cache.prune_outputs()
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    tmp.mkdir(parents=True)
    try:
        outcome = execute(plan, range(len(plan)), tmp, None, jobs)
        if before_swap is not None:
            before_swap(tmp)  # e.g. the search index, over the finished pages
        if output.exists() and exchange(tmp, output):
            cache.discard(tmp)  # the old site: deleted in the background
        else:
            swap_into_place(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return outcome


def _build_incremental(
    plan: Plan,
    output: Path,
    cache: Cache,
    state: BuildState,
    jobs: int,
    before_swap: Callable[[Path, list[str], list[str]], None] | None,
    generation: str,
    force: bool = False,
) -> tuple[Outcome, list[str]]:
    """Run the jobs whose inputs changed and swap in a copy of the output with their files.

    The copy is the standby, a hard-link twin of the output kept in the cache:
    changed files replace their links in it, it is swapped with the output in one
    rename, and the old output, now the standby, gets the same changes as links.
    Every step is proportional to the change, and output/ is always either the
    old or the new site. Only where no standby can exist (the cache on another
    file system) are files renamed into output/ one by one.
    """
    prior = state.manifest
    resolve_keys(plan, jobs)
    result = Outcome()
    todo = []
    for i, job in enumerate(plan.jobs):
        rows = [prior.get(rel) for rel in job.files]
        if job.key and all(r is not None and r[0] == job.key for r in rows):
            result.rows.update(zip(job.files, rows, strict=True))  # type: ignore[arg-type]
        else:
            todo.append(i)
    standby_ok = cache.can_stand_by(output)
    if standby_ok:
        for stale in cache.out_dir.glob("scratch-*"):  # left by a killed build
            shutil.rmtree(stale, ignore_errors=True)
        scratch = cache.out_dir / f"scratch-{os.getpid()}"
    else:
        scratch = output.with_name(f".{output.name}.stage-{os.getpid()}")
    try:
        outcome = execute(plan, todo, scratch, prior, jobs)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    removed = removed_files(prior, plan)
    result.merge(outcome)
    written = outcome.written
    if not written and not removed and not force:
        shutil.rmtree(scratch, ignore_errors=True)
        return result, removed
    if not standby_ok:
        cache.begin_commit()
        commit_in_place(scratch, output, written, removed)
        if before_swap is not None:
            before_swap(output, written, removed)
        return result, removed

    standby = cache.standby
    try:
        if not cache.standby_valid(state.generation):
            cache.mark_standby(None)
            cache.discard(standby)
            link_tree(output, standby)  # once after a cold build: proportional to the site
        cache.mark_standby(None)  # from here until it is in step again
        move_changes(scratch, standby, written, removed)
        search_before = _inode(standby / "pagefind")
        if before_swap is not None:
            before_swap(standby, written, removed)
        search_changed = _inode(standby / "pagefind") != search_before
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    if not exchange(standby, output):  # no atomic exchange here: three renames
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.rename(output, old)
        os.rename(standby, output)
        os.rename(old, standby)
    # the standby now holds the previous site: bring it in step for the next build
    link_changes(output, standby, written, removed)
    if search_changed:
        shutil.rmtree(standby / "pagefind", ignore_errors=True)
        if (output / "pagefind").is_dir():
            link_tree(output / "pagefind", standby / "pagefind")
    cache.mark_standby(generation)
    return result, removed


def _inode(path: Path) -> int:
    try:
        return path.stat().st_ino
    except OSError:
        return 0
