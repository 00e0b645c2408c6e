"""Plan every output file, render the ones whose key changed, and swap the site into place. All or
nothing: the new site is assembled beside `output/` (unchanged files hard-linked, the others
rendered) and replaces it only once complete, so a failed build leaves the deployed site as it was.
Deleting `.sitegen-cache/` is always safe: the next build is cold, and writes the same bytes."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from . import __version__, cite, urls
from .config import (
    CONFIG_FILE,
    MARKS_A_SITE,
    SITE_MARKS,
    SiteConfig,
    load_config,
    nav_warnings,
    resolve_base_url,
    topic_name_warnings,
)
from .content import (
    collect_papers,
    load_people,
    load_profile,
    paper_files,
    parse_paper,
    placeholder_name,
    split_front_matter,
)
from .errors import SitegenError, SitegenWarning, decode
from .feeds import FeedSpec, render_feeds
from .index import build_index
from .keys import FRAGMENTS, Digests, Lazy, Templates
from .markup import plain_inline, render_inline
from .model import Paper, Site
from .pages import (
    SITEMAP_MARK,
    Page,
    SiteData,
    label,
    plan_feeds,
    plan_pages,
    site_title,
    sitemap_xml,
)
from .portfolio import (
    CV_URL,
    NEWS_URL,
    OwnPage,
    Portfolio,
    check_page_names,
    load_portfolio,
    news_feed_spec,
    news_feeds,
)
from .related import related_papers, term_counts
from .render import (
    case_slips,
    make_env,
    page_block_warnings,
    static_dirs,
    template_dirs,
    template_error,
    theme_dirs,
)
from .search import BUNDLE_DIR, PAGEFIND_MISSING, pagefind_available, stemmed_as
from .search import build_index as build_search_index
from .state import (
    CACHE_DIR,
    FOLDER,
    OTHER,
    RACY_SECONDS,
    VCS_DIRS,
    BuildResult,
    Probe,
    State,
    as_left,
    builtin_themes_dir,
    check_cache,
    code_stamp,
    collector_paused,
    default_jobs,
    digest,
    fork_map,
    map_shares,
    not_site,
    read_cache,
    remove,
    save_cache,
    scan,
    signals_held,
    stat_files,
    state_file,
    tree_stats,
    user_cache_dir,
    write_and_close,
)
from .words import format_date, format_number, load_words
from .yamlutil import key_line

PARALLEL_MIN = 200  # files to render before other processes pay for starting
PARALLEL_LINKS = 5_000  # files to hard-link or prune before other processes pay for starting
PARALLEL_KEYS = 1_000  # outputs to key before other processes pay for starting
PAPER_SHARDS = 16  # files the papers' parses are cached in (cached_papers)
PARALLEL_PAPERS = 500  # papers to tokenise or score for related papers, likewise
COST_KEPT = 0.01  # outputs that took longer (seconds) are remembered, to share work out...
COST_UNKNOWN = 0.002  # ...and the others are taken to take about as long as a paper page
BATCHES = 32  # batches of outputs per process (make_outputs): a late costly one waits little
MOST_BATCHES = 512  # ...and in all: their numbers (4 bytes each) must fit a pipe's 4 KiB
PIECES_KEPT = 8  # pieces per paper kept between builds (the default theme makes 6)
TEMPLATE_NOTES_KEPT = 1000  # template sources remembered in the user's cache
WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC  # os.open adds O_CLOEXEC itself (PEP 446)
# <html dir="rtl"> for these languages, and any in one of these scripts (`ku-Arab`)
RTL_LANGUAGES = frozenset("ar he iw fa ur ps sd ug yi dv ckb pnb azb ks bal mzn syr".split())
RTL_SCRIPTS = frozenset("arab hebr syrc thaa nkoo adlm rohg samr mand".split())
_NO_ROOT = "{} needs the page's `root`, which every page has (a fragment is given it)"
# Top-level names a build makes for some sites only: ours whatever this build makes, or a
# cold build, with no state naming the last build's files, would call its news/ someone else's
SOMETIMES_MADE = frozenset(
    u.split("/", 1)[0]
    for u in (urls.paper("x"), urls.TAGS, urls.SEARCH, urls.SEARCH_BUNDLE, NEWS_URL, "favicon.svg")
)


@dataclass(frozen=True)
class Loaded:
    site: Site
    config: SiteConfig
    base_url: str
    base_is_placeholder: bool
    warnings: tuple[SitegenWarning, ...]
    portfolio: Portfolio
    words: dict[str, str]  # phrase -> the site's text for it (words.py)
    cite_keys: dict[str, str]  # slug -> citation key (cite.citation_keys), drafts' kept too

    @property
    def base_path(self) -> str:
        """The site's folder on its host (`/~ada/`), `/` while the base URL is the placeholder:
        the 404 page's links start there, and an old URL must not."""
        path = "/" if self.base_is_placeholder else urlsplit(self.base_url).path
        return path if path.endswith("/") else path + "/"


def load_site(
    site_dir: Path, base_url: str | None = None, cache_dir: Path | None = None, jobs: int = 1
) -> Loaded:
    """Read config and content and index them; raises the first problem found. Without a
    `cache_dir` (`sitegen check`), no cache is read or written."""
    config, problems = load_config(site_dir)
    if problems:
        raise problems[0]
    papers_cache = cache_dir / "papers" if cache_dir else None
    sources, warnings, counts, drafts = cached_papers(site_dir, papers_cache, jobs)
    words, found = load_words(
        theme_dirs(site_dir, config.theme), config.language, config.words, site_dir / CONFIG_FILE
    )
    warnings += found + case_slips(site_dir, config.theme)
    profile = load_profile(site_dir)
    warnings += placeholder_name(site_dir, profile)
    people = load_people(site_dir, profile.name)
    site = build_index(sources, profile, people, config, words["Other"])
    from .sources import coauthor_lookalikes, owner_lookalikes  # not on a no-op's path

    warnings += owner_lookalikes(site.coauthors, profile.name, people)
    codes = {p.topic for p in site.papers} | {t for p in site.papers for t in p.tags}
    warnings += topic_name_warnings(site_dir, config.topic_names, codes)
    warnings += coauthor_lookalikes(site.coauthors, people)
    related = cached_related(site.papers, config.related_papers, cache_dir, jobs, counts)
    site = replace(site, related=related)
    photos = cache_dir / "photo" if cache_dir else None
    folio = load_portfolio(site_dir, site, warnings, photos, words)
    url, placeholder = resolve_base_url(config, base_url)
    if placeholder:
        pdf = ", the CV's PDF (links to the papers)" if folio.pdf else ""  # sent out by mail
        warnings.append(
            SitegenWarning(
                f"no base URL: feeds, sitemap{pdf}, canonical links, link previews (og:url) "
                "and the papers' citations (BibTeX `url`, the tags Google Scholar reads) use "
                f"the placeholder {url}, and the 404 page links from the domain root; "
                "set `base_url` in sitegen.yaml, pass --base-url, or set the URL environment "
                "variable (Netlify sets it)"
            )
        )
    every = [*site.papers, *drafts]
    stems = {p.slug: cite.base_key(p, profile.name) for p in every}  # read by both, once
    keys = cite.citation_keys(site.papers, drafts, profile.name, stems)
    for p, others in cite.unsettled_keys(every, keys, stems):
        why = (
            f"no `added` date, and its citation key {keys[p.slug]} shares its stem with "
            f"{', '.join(others)}: which paper keeps the bare key goes by the day each came to "
            "the site; add `added: YYYY-MM-DD` (the day this file was written) so that no "
            "key moves, in a manuscript that cites it, when papers come and go"
        )
        warnings.append(SitegenWarning(why, p.source))
    return Loaded(site, config, url, placeholder, tuple(warnings), folio, words, keys)


def cached_related(
    papers: Sequence[Paper], k: int, cache_dir: Path | None, jobs: int, counts: dict[str, dict]
) -> dict:
    """related_papers, scoring again only the papers an edit can reach (related.Memo):
    scoring every paper is most of a 10,000-paper rebuild. `counts` come with the
    cached parses (cached_papers), so only an edited paper is tokenised again."""
    path = cache_dir / "related.pickle" if cache_dir else None

    def share(fn: Callable, shares: list[list[int]]) -> list:  # forks only when it pays
        return fork_map(fn, shares, jobs if sum(map(len, shares)) >= PARALLEL_PAPERS else 1)

    last = read_cache(path)
    related, memo = related_papers(papers, k, share, jobs, counts, last)
    if path is not None and memo != last:
        save_cache(path, memo)
    return related


@jinja2.pass_context
def _rel(ctx: Any, url: str) -> str:
    """Site-relative URL -> link relative to the page being rendered."""
    if url.startswith(("http://", "https://", "mailto:")):
        return url
    if "root" not in ctx:
        raise jinja2.TemplateRuntimeError(_NO_ROOT.format("|rel"))
    path = url.lstrip("/")
    # `/javascript:x` on the home page, whose root is "": a path, not a scheme
    if ":" in path and ":" in path.split("/", 1)[0]:
        path = "./" + path
    return ctx["root"] + path or "./"


def _text(text: Any) -> str:
    """An undefined value raises StrictUndefined's own error, not a TypeError from a regex;
    none is no text (`page.description|plain`, on a page without one), a number its digits."""
    if isinstance(text, str | jinja2.Undefined):
        return str(text) if isinstance(text, jinja2.Undefined) else text
    return "" if text is None else str(text)


# one list for the build and `sitegen check`: a name missing from it fails to compile
FILTERS = {
    "rel": _rel,
    "date": format_date,
    "number": format_number,
    "inline": lambda text, links=False, alone=False: Markup(
        render_inline(_text(text), links, alone)
    ),
    "plain": lambda text: plain_inline(_text(text)),
}


@dataclass(frozen=True)
class Asset:
    """`asset(name)` in templates: a static file's (fingerprinted) URL from this page."""

    root: str
    names: dict[str, str]

    def __call__(self, name: str) -> str:
        if name not in self.names:  # named at the template's line (render.template_error)
            raise jinja2.TemplateRuntimeError(f"asset {name!r} is not in a static folder")
        return self.root + quote(self.names[name])  # `slides #1.pdf` is a name, not a fragment


@dataclass(frozen=True)
class FeedLink:
    title: str
    rss_url: str
    atom_url: str


@dataclass
class Pieces:
    """Output that many files share (a paper's list item, its citation entries), made once
    and kept between builds by a key covering what it is made from: after one edit at
    10,000 papers, the other 9,999 are looked up (docs/architecture.md). `kept` is from
    the cache; `made` gathers what this build made, in every process, for the cache."""

    kept: dict[str, str] = field(default_factory=dict)
    made: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, make: Callable[[], str]) -> str:
        found = self.made.get(key, self.kept.get(key))
        if found is None:
            found = self.made[key] = make()
        return found


def fragment_function(
    env: jinja2.Environment, templates: Templates, digests: Digests, pieces: Pieces
) -> Callable[..., Markup]:
    """`fragment("fragments/NAME.html", **args)` in templates: HTML shared by many pages. It
    sees only the globals, `root` and its arguments, so it is keyed like a page and made once
    (Pieces). An argument a template may change as it goes (a list, a namespace()) makes it
    render each time."""

    @jinja2.pass_context
    def fragment(ctx: Any, name: str, /, **args: Any) -> Markup:  # any argument: `name=` too
        if not name.startswith(FRAGMENTS):
            raise jinja2.TemplateRuntimeError(
                f"fragment {name!r}: fragments are templates under {FRAGMENTS}"
            )
        if "root" not in ctx:
            raise jinja2.TemplateRuntimeError(_NO_ROOT.format(f"fragment {name!r}"))
        args["root"] = ctx["root"]
        render = partial(env.get_template(name).render, args)
        if _may_change(tuple(args.values())):
            return Markup(render())
        return Markup(pieces.get(templates.key(name, args, digests, ctx["root"]), render))

    return fragment


def _may_change(v: Any) -> bool:
    """A list, or what a template makes that changes as it goes (a namespace(), a loop), alone
    or in a tuple: its digest is remembered by identity for the build, so a fragment cached by
    it would go stale."""
    if type(v) is tuple:
        return any(_may_change(x) for x in v)
    try:
        hash(v)
    except TypeError:
        return True
    return type(v).__module__.startswith("jinja2")


def template_notes_file() -> Path | None:
    """What each template source refers to (keys.Templates), shared by this user's sites so
    a cold build skips parsing the theme: a pure function of the source, given the code
    and Jinja's version, which the code stamp in the name covers."""
    folder = user_cache_dir()
    return folder / f"templates-{code_stamp()[:16]}.pickle" if folder else None


def save_template_notes(old: dict[str, Any], learned: dict[str, Any]) -> None:
    path = template_notes_file()
    if path is None or learned.keys() <= old.keys():
        return
    notes = {**{k: v for k, v in old.items() if k not in learned}, **learned}  # newest last
    first = not path.exists()
    save_cache(path, dict(list(notes.items())[-TEMPLATE_NOTES_KEPT:]))
    if not first:
        return
    # kept, other stamps' notes grew the folder by one file with every sitegen change
    for stale in path.parent.glob(f"templates-{'[0-9a-f]' * 16}.pickle"):
        if stale != path:
            with suppress(OSError):
                stale.unlink()


def rtl(language: str) -> bool:
    """Whether a BCP 47 tag's text runs right to left: by its script subtag when it has one
    (`az-Arab` does, `az` does not), else by its language."""
    first, *rest = language.lower().split("-")
    script = next((s for s in rest if len(s) == 4 and s.isalpha()), None)
    return script in RTL_SCRIPTS if script else first in RTL_LANGUAGES


class Renderer:
    """One Jinja environment and the values every page shares; renders Page -> HTML."""

    def __init__(
        self,
        loaded: Loaded,
        site_dir: Path,
        assets: dict[str, str],
        search: bool,
        known: dict[str, Any] | None = None,
    ):
        site = loaded.site
        self.env = make_env(template_dirs(site_dir, loaded.config.theme))
        self.env.filters.update(FILTERS)
        self.env.globals.update(
            site=site,
            config=loaded.config,
            profile=site.profile,
            owner=site.owner,
            site_title=site_title(site),
            base_url=loaded.base_url,
            urls=urls,
            version=__version__,
            search_enabled=search,
            text_direction="rtl" if rtl(loaded.config.language) else "ltr",
            words=loaded.words,
            topic_labels={t.code: label(t) for t in site.topics},
            tag_labels={name: label(t) for name, t in site.tag_by_name.items()},
        )
        self.templates = Templates(self.env, known)
        self.digests = Digests()
        self.pieces = Pieces()
        self.env.globals["fragment"] = fragment_function(
            self.env, self.templates, self.digests, self.pieces
        )
        self.assets = assets
        # one object per root and per feed, shared by the pages: a build digests each once
        self._asset: dict[str, Asset] = {}
        self._feed: dict[str, FeedLink] = {}
        self.base_url = loaded.base_url
        self.absolute_root = loaded.base_path

    def context(self, page: Page, site_feed: FeedSpec) -> dict[str, Any]:
        # the 404 page is served at any depth, so its links must be root-absolute
        root = self.absolute_root if page.url == urls.NOT_FOUND else urls.root_prefix(page.url)
        return {
            **page.context,
            "root": root,
            "page_url": page.url,
            "canonical": urls.absolute(self.base_url, page.url),
            "asset": self._asset.setdefault(root, Asset(root, self.assets)),
            # links only: every page names the site's feed, and must not depend on its papers
            "feed": self.feed_link(page.feed) if page.feed else None,
            "site_feed": self.feed_link(site_feed),
        }

    def feed_link(self, spec: FeedSpec) -> FeedLink:
        link = FeedLink(spec.title, spec.rss_url, spec.atom_url)
        return self._feed.setdefault(spec.rss_url, link)

    def key(self, page: Page, site_feed: Any) -> str:
        try:
            ctx = self.context(page, site_feed)
            # `rel` and `fragment` read `root` unnamed (the 404 page's is the base URL's path)
            return self.templates.key(page.template, ctx, self.digests, page.url, ctx["root"])
        except Exception as e:  # a template that does not parse, or is missing
            raise template_error(e, page.template) from None

    def render(self, page: Page, site_feed: Any) -> str:
        ctx = self.context(page, site_feed)
        ctx = {k: v.value() if isinstance(v, Lazy) else v for k, v in ctx.items()}
        try:
            return self.env.get_template(page.template).render(ctx)
        except Exception as e:  # Jinja raises many types; all are the theme's problem
            error = template_error(e, page.template)
            if isinstance(e, (jinja2.TemplateSyntaxError, SitegenError)):  # on every page
                raise error from None
            # what only some pages meet (`paper.extra.slides` that most papers lack): which
            source = getattr(ctx.get("paper") or ctx.get("page"), "source", None)
            page_is = f"the page of {source}" if source else f"/{page.url}"
            message = f"{error.message} (making {page_is})"
            raise SitegenError(message, error.path, error.line) from None


@dataclass(frozen=True)
class Output:
    """Files made together, the key of what they are made from, and how to make them."""

    files: tuple[str, ...]
    key: Callable[[], str]  # called once per build: a cold build keys while it renders
    make: Callable[[], Any]  # the file's bytes or text, or a tuple of them, one per file


def collect_static(dirs: list[Path], hidden: bool = False) -> dict[str, Path]:
    """Relative name -> source file; later folders override earlier ones. Read with the
    input scanner, so linked folders are copied as the no-op check sees them. `hidden`
    keeps dot files: root/ is for `.nojekyll` and its kind."""
    files: dict[str, Path] = {}
    for d in dirs:
        top = len(str(d)) + 1
        found = scan([d], not_site)
        for path in sorted(found):
            dot = Path(path).name.startswith(".")
            if found[path] == FOLDER or len(path) <= top or (dot and not hidden):
                continue
            if found[path] == OTHER:  # a pipe, socket or device is no file to publish
                if os.path.islink(path):  # left out in silence, a site's style.css was lost
                    raise SitegenError("cannot publish: a link to nothing", Path(path))
                continue
            files[path[top:].replace(os.sep, "/")] = Path(path)
    for name in files:  # the theme's icons.svg and a site's static/icons.svg/ folder
        parts = name.split("/")
        for folder in ("/".join(parts[:i]) for i in range(1, len(parts))):
            if folder in files:
                raise SitegenError(
                    f"{folder} is a file in one static folder and a folder in another: rename "
                    f"one of {files[folder]} and {str(files[name])[: -len(name)] + folder}"
                )
    return files


def fingerprint(name: str, data: bytes) -> str:
    """CSS and JS get a content hash in their name, so they can be cached forever."""
    if not name.endswith((".css", ".js")):
        return name
    stem, ext = name.rsplit(".", 1)
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{ext}"


def plan_outputs(
    loaded: Loaded, site_dir: Path, search: bool, known: dict[str, Any] | None = None
) -> tuple[list[Output], list[Page], Renderer]:
    """Every file of the site with its key; nothing is rendered yet."""
    site, base = loaded.site, loaded.base_url
    found = collect_static(static_dirs(site_dir, loaded.config.theme))
    static = {n: p.read_bytes() for n, p in found.items()}
    assets = {name: "assets/" + fingerprint(name, data) for name, data in static.items()}
    for name, asset in assets.items():  # the hash makes a name 11 bytes longer
        if len(os.fsencode(asset.rsplit("/", 1)[-1])) > 255:
            raise SitegenError(
                "file name too long once its content hash is added: shorten it", found[name]
            )
    renderer = Renderer(loaded, site_dir, assets, search, known)
    words = loaded.words
    feeds = plan_feeds(site, words)
    site_feed = feeds[urls.HOME]
    news_spec = news_feed_spec(site_title(site), site.profile.name, loaded.config.language, words)
    cite_keys = loaded.cite_keys
    folio = loaded.portfolio
    advertised = {**feeds, NEWS_URL: news_spec}  # the feed each page names in its <head>
    labels = renderer.env.globals["topic_labels"]
    data = SiteData(site, base, search, cite_keys, advertised, folio, labels, words)
    pages = plan_pages(data)
    digests = renderer.digests
    out: list[Output] = []
    for page in pages:
        key = partial(renderer.key, page, site_feed)
        make = partial(renderer.render, page, site_feed)
        out.append(Output((urls.output_path(page.url),), key, make))
    names = {t.code: t.name for t in site.topics}
    for spec in feeds.values():
        key = partial(lambda s: digest("feed", base, *map(digests.of, (names, words, s))), spec)
        make = partial(render_feeds, spec, base, names, words)
        out.append(Output((spec.rss_url, spec.atom_url), key, make))
    cites, entries = [], []

    def cite_key(p: Paper, url: str) -> str:
        return digest("cite", cite_keys[p.slug], url, digests.of(p))

    for p in site.papers:
        url = urls.absolute(base, urls.paper(p.slug))
        files = tuple(urls.paper_citation(p.slug, ext) for ext in ("bib", "ris", "json"))
        key = cache(partial(cite_key, p, url))  # the site-wide files' key reads them all again
        entry = partial(_entry, renderer.pieces, key, p, cite_keys[p.slug], url)
        entries.append(entry)
        cites.append(Output(files, key, partial(_citation_files, entry)))
    for rel in (urls.PUBLICATIONS_BIB, urls.PUBLICATIONS_RIS, urls.PUBLICATIONS_CSL):
        kind = rel.rsplit(".", 1)[1]
        key = partial(lambda k: digest("publications", k, *(o.key() for o in cites)), kind)
        out.append(Output((rel,), key, partial(_publications, kind, entries)))
    if folio.news:
        key = partial(
            lambda n: digest("news", base, digests.of(news_spec), digests.of(n)), folio.news
        )
        make = partial(news_feeds, folio.news, news_spec, base)
        out.append(Output((news_spec.rss_url, news_spec.atom_url), key, make))
    if folio.pdf:  # the CV page as PDF: made from the same page, so keyed by that page's key
        cv_page = next(p for p in pages if p.url == CV_URL)
        css = {urls.absolute(base, assets[n]): b for n, b in static.items() if n.endswith(".css")}

        paper = loaded.config.cv_pdf_paper

        def key() -> str:
            page_key = renderer.key(cv_page, site_feed)
            return digest("cv.pdf", page_key, paper, *sorted(map(repr, css.items())))

        cache_dir = site_dir / CACHE_DIR / "cv-pdf"
        make = partial(_cv_pdf, renderer, cv_page, site_feed, base, css, paper, cache_dir)
        out.append(Output((folio.pdf,), key, make))
    # last: a cold build knows no costs, takes outputs in this order, and should end small
    out += cites
    # files whose bytes are known now: static files, the processed photo, sitemap, robots
    fixed = [(assets[name], data) for name, data in static.items()]
    fixed += list(folio.files)
    fixed += [("favicon.svg", static["favicon.svg"])] if "favicon.svg" in static else []
    robots = f"User-agent: *\nAllow: /\nSitemap: {urls.absolute(base, 'sitemap.xml')}\n"
    fixed += [("sitemap.xml", sitemap_xml(pages, base).encode()), ("robots.txt", robots.encode())]
    # search/, news/, tags/ are sitegen's whether this build makes them or not (the preview
    # has no search; news may come later): a root file there fails every build alike
    made = [f for o in out for f in o.files] + [f for f, _ in fixed]
    # an old URL claims its own path only: root/publication/x.pdf may sit beside it
    moved = {urls.output_path(a) for p in site.papers for a in p.aliases}
    published = root_files(
        site_dir, [*(f for f in made if f not in moved), *SOMETIMES_MADE], folio.pages
    )
    # and the search page a build with Pagefind makes: `/search/` as an old URL passed the
    # preview and --no-search builds, then failed the deploy's
    searched = [urls.output_path(urls.SEARCH)] if search_wanted(loaded) else []
    made_here = [*made, *(f for f, _ in published), *searched]
    check_aliases(site_dir, site.papers, made_here, loaded.base_path)
    fixed += published
    for rel, data in fixed:
        key = partial(str, hashlib.sha256(data).hexdigest())
        out.append(Output((rel,), key, partial(bytes, data)))
    return out, pages, renderer


def search_wanted(loaded: Loaded) -> bool:
    """Whether a build with Pagefind would make the search page (no papers: no index)."""
    return loaded.config.search and bool(loaded.site.papers)


def root_files(
    site_dir: Path, made: Sequence[str], pages: Sequence[OwnPage]
) -> list[tuple[str, bytes]]:
    """root/ as it is, at the top of the site (`CNAME`, `.well-known/`). A top-level name
    sitegen makes (papers/) is wholly sitegen's, its case ignored as macOS's and Windows'
    disks do: a root file there would replace a page, or mix with files that come and go.
    The owner's own pages are checked first: a clash is the page's name to change."""
    ours = {t.casefold(): t for t in (*(f.split("/", 1)[0] for f in made), "pagefind")}
    files = collect_static([site_dir / "root"], hidden=True)
    check_page_names(pages, made, files)
    for name in files:
        top = name.split("/", 1)[0]
        if top in SITE_MARKS:
            raise SitegenError(
                f"publishing {MARKS_A_SITE.format(top)}: rename or move it", "root/" + name
            )
        if top.casefold() in ours:
            what = ours[top.casefold()] + ("" if top == name else "/")
            raise SitegenError(
                f"sitegen makes {what} itself: rename or move this file", "root/" + name
            )
    return [(name, path.read_bytes()) for name, path in files.items()]


def check_aliases(
    site_dir: Path, papers: Sequence[Paper], made: Sequence[str], base_path: str = "/"
) -> None:
    """An old URL of a paper that the site has another use for (a topic's page, a feed, an
    own page, the search index), or that starts with the site's own path, as the browser
    shows it (`/~ada/papers/x/` on a site at /~ada/, whose redirect went to
    /~ada/~ada/papers/x/): named at the paper's `aliases:`, whose URL it is to change.
    Papers' own URLs and each other's are content.alias_clashes'."""
    if not any(p.aliases for p in papers):
        return
    count = Counter(made)
    # a file where another's folder would be: `/feed.xml` as an old URL (feed.xml/index.html)
    folders = {f[:i] for f in made for i in range(len(f)) if f[i] == "/"}
    for p in papers:
        for url in p.aliases:
            path = urls.output_path(url)
            inside = any(path[:i] in count for i in range(len(path)) if path[i] == "/")
            message = ""
            if count[path] > 1 or path in folders or inside or url.split("/")[0] == BUNDLE_DIR:
                message = f"aliases: /{url} is a page or file the site has: a URL leads to one page"
            elif base_path != "/" and (
                f"/{url}".startswith(base_path) and urls.is_paper(url[len(base_path) - 1 :])
            ):  # not a former slug on a site at /papers/: papers/papers/OLD/ is its old URL
                message = (
                    f"aliases: /{url} starts with the site's own path, {base_path}: an old URL "
                    f"is a path from the site's folder, /{url[len(base_path) - 1 :]}"
                )
            if message:
                text = (site_dir / p.source).read_text(encoding="utf-8-sig")
                line = key_line(split_front_matter(text, p.source)[0], ("aliases",), 2)
                raise SitegenError(message, p.source, line or 1)


def written_twice(files: Sequence[str]) -> SitegenError:
    """Two outputs of one name: which one wins would depend on the build's order."""
    twice = min(f for f, n in Counter(files).items() if n > 1)
    return SitegenError(f"two files would be written to {twice}: rename the one in static/")


def key_outputs(
    outputs: Sequence[Output], renderer: Renderer, papers: Sequence[Paper], jobs: int
) -> list[str]:
    """Every output's key, in `jobs` processes on a large site (1.8 s at 10,000 papers in
    one). The papers are digested first, for every process to inherit: most keys read
    them, and so do the keys of the fragments rendered afterwards. So is every template's
    text: a process reading one for itself could read a newer save, and key a page by it
    that this process, which renders, made from the older (an incremental-build hunter's
    report: a template saved during a build left its 404 page stale through later builds)."""
    parts = jobs if len(outputs) >= PARALLEL_KEYS else 1
    if parts > 1:
        for p in papers:
            renderer.digests.of(p)
        for name in renderer.env.list_templates():
            renderer.templates.source(name)
    # this process keys the first share (fork_map): its digests serve the renderers
    return map_shares(lambda o: o.key(), outputs, parts)


def _entry(
    pieces: Pieces, made_from: Callable[[], str], p: Paper, key: str, url: str, kind: str
) -> str:
    """A paper's entry in its own citation file and in the site-wide one: a piece made
    once for both, keyed by its citation files' key, which covers all it is made from."""
    return pieces.get(f"{kind}:{made_from()}", partial(cite.entry, kind, p, key, url))


def _citation_files(entry: Callable[[str], str]) -> tuple[str, ...]:
    return tuple(cite.publication_file(kind, [entry(kind)]) for kind in ("bib", "ris", "json"))


def _publications(kind: str, entries: Sequence[Callable[[str], str]]) -> str:
    return cite.publication_file(kind, [entry(kind) for entry in entries])


def _cv_pdf(
    renderer: Renderer,
    page: Page,
    site_feed: Any,
    base_url: str,
    css: dict,
    paper: str,
    cache_dir: Path,
) -> bytes:
    from . import cvpdf  # WeasyPrint: imported only by sites that ask for the PDF

    html = renderer.render(page, site_feed)
    return cvpdf.cv_pdf(html, base_url + CV_URL, css, paper, cache_dir)


def write_file(path: str, data: bytes | str) -> None:
    data = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        fd = os.open(path, WRITE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, WRITE, 0o666)
    write_and_close(fd, data)


def batches(costs: Sequence[float], parts: int) -> list[list[int]]:
    """Indices into `costs`, costliest first, in about BATCHES * `parts` batches of equal
    cost (each holds at least one; MOST_BATCHES + 1 at most), for processes to take."""
    target = sum(costs) / min(BATCHES * parts, MOST_BATCHES)
    out: list[list[int]] = [[]]
    size = 0.0
    for i in sorted(range(len(costs)), key=lambda i: -costs[i]):  # stable: ties in order
        if size >= target > 0:
            out.append([])
            size = 0.0
        out[-1].append(i)
        size += costs[i]
    return out


def make_outputs(
    outputs: Sequence[Output],
    costs: Sequence[float],
    root: Path,
    jobs: int,
    meanwhile: Callable[[], list[str]],
    current: Path,
    kept: Sequence[str],
    pieces: Pieces,
) -> tuple[list[str], dict[str, float]]:
    """Write `outputs` under `root` and hard-link the `kept` files from `current`, in `jobs`
    processes when there are many; returns what `meanwhile` (run here meanwhile) returns and
    each output's seconds by its first file, and gathers the processes' `pieces`. Processes
    take batches from a pipe as they finish the last, costliest first by last build's `costs`:
    a cold build knows none, so no fixed share is fair to both. Linking 50,000 kept files
    takes as long as rendering, so it is shared out too."""
    parts = jobs if len(outputs) >= PARALLEL_MIN or len(kept) >= PARALLEL_LINKS else 1
    todo = batches(costs, parts)
    queue, feed = os.pipe()
    with os.fdopen(feed, "wb") as f:  # written whole before any process reads (it fits)
        f.write(b"".join(n.to_bytes(4, "little") for n in range(len(todo))))

    def run(part: int) -> tuple[dict[str, float], dict[str, str]]:
        took = {}
        while batch := os.read(queue, 4):  # 4 bytes, all written: no read gets fewer
            for i in todo[int.from_bytes(batch, "little")]:
                started = time.perf_counter()
                o = outputs[i]
                made = o.make()
                made = made if type(made) is tuple else (made,)
                for rel, data in zip(o.files, made, strict=True):
                    write_file(f"{root}/{rel}", data)
                took[o.files[0]] = time.perf_counter() - started
        link_files(current, root, kept[part::parts])
        return took, pieces.made

    found: list[list[str]] = []
    try:
        done = fork_map(run, range(parts), parts, lambda: found.append(meanwhile()))
    finally:
        os.close(queue)
    for _, made in done:
        pieces.made.update(made)
    return found[0], {name: t for took, _ in done for name, t in took.items()}


def cached_papers(
    site_dir: Path, cache: Path | None, jobs: int
) -> tuple[list[Paper], list[SitegenWarning], dict[str, dict], list[Paper]]:
    """Every paper under content/papers, the warnings, term counts by slug and the drafts (which
    keep their citation keys), reusing the parse (most of loading) of every file whose bytes are
    unchanged. The cache maps each file to its bytes' digest, its stat, its Paper (authors not yet
    resolved), warnings and term counts, in PAPER_SHARDS files by a hash of its name: after one edit
    only one is written again (the whole was 48 MB at 10,000 papers).

    A file is read again only if its stat changed, or its stat was recorded while it was less than
    RACY_SECONDS old (as the no-op check trusts stats, and git): reading 10,000 files that the OS no
    longer holds in memory took 1.3 s of a one-edit build, their stats 0.03 s."""
    shards = [cache / f"{i:02d}.pickle" if cache else None for i in range(PAPER_SHARDS)]
    known: dict[str, tuple[str, tuple[int, int, int] | None, Paper, list, dict]] = {}
    for shard in shards:
        known.update(read_cache(shard) or {})
    todo = []  # (rel, bytes, digest, stat) of each file to parse
    restat = []  # (rel, stat) of each file of the same bytes with a new stat (touched, checked out)
    stray: list[SitegenWarning] = []
    trusted_before = time.time_ns() - int(RACY_SECONDS * 1e9)
    files = paper_files(site_dir, stray)
    found = stat_files(site_dir, files, changed=True)
    for rel in files:
        stats = found.get(rel)
        if (entry := known.get(rel)) and stats is not None and entry[1] == stats:
            continue  # the cached parse, trusted by its stat
        try:
            data = (site_dir / rel).read_bytes()
        except OSError as e:  # a folder named like a paper, a broken link
            raise SitegenError(f"cannot read: {e.strerror}", rel) from None
        recorded = stats if stats and stats[1] < trusted_before else None  # else read next time
        sha = hashlib.sha256(data).hexdigest()
        if entry is None or entry[0] != sha:
            todo.append((rel, data, sha, recorded))
        elif entry[1] != recorded:
            restat.append((rel, recorded))

    def parse(file: tuple[str, bytes, str, Any]) -> tuple[str, tuple]:
        rel, data, sha, stats = file
        warnings: list[SitegenWarning] = []
        try:
            paper = parse_paper(decode(data, rel), rel, warnings)
            return rel, (sha, stats, paper, warnings, term_counts(paper))
        except SitegenError as e:
            return rel, (sha, None, e, [], None)

    for rel, stats in restat:
        known[rel] = (known[rel][0], stats, *known[rel][2:])
    known.update(map_shares(parse, todo, jobs if len(todo) >= PARALLEL_MIN else 1))
    fresh = {rel: known[rel] for rel in files}
    parsed = [(rel, fresh[rel][2]) for rel in files]
    warnings = stray + [w for rel in files for w in fresh[rel][3]]
    papers = collect_papers(parsed, site_dir)  # raises the first problem, in file order
    if cache is not None:  # only the shards where a file changed, came or went
        dirty = [r for r, *_ in todo] + [r for r, _ in restat] + list(known.keys() - fresh.keys())
        kept: dict[int, dict] = {_shard(r): {} for r in dirty}
        for rel, entry in fresh.items():
            if (i := _shard(rel)) in kept and isinstance(entry[2], Paper):
                kept[i][rel] = entry
        for i, entries in kept.items():
            save_cache(shards[i], entries)
    counts = {paper.slug: c for _, _, paper, _, c in fresh.values() if isinstance(paper, Paper)}
    drafts = [p for _, p in parsed if isinstance(p, Paper) and p.draft]  # their cite keys
    return papers, warnings, counts, drafts


def _shard(rel: str) -> int:
    return zlib.crc32(rel.encode("utf-8", "surrogatepass")) % PAPER_SHARDS


def check_output_dir(site_dir: Path, output: Path) -> None:
    """Refuse output folders whose replacement would destroy the user's work."""
    if output.is_symlink():  # a build replaces the folder: it would replace the link
        raise SitegenError(
            f"refusing to build into {output}: it is a symbolic link; build into the folder "
            f"it points to (--output {os.path.realpath(output)}), or remove the link"
        )
    out, site = output.resolve(), site_dir.resolve()
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no HOME and no passwd entry (a container's random uid)
        home = Path(out.anchor)
    if out.exists() and not out.is_dir():
        raise SitegenError(f"refusing to build into {output}: it is a file, not a folder")
    if out == Path(out.anchor) or out == home:
        raise SitegenError(f"refusing to build into {output}: that is / or your home folder")
    if out == site or site.is_relative_to(out):
        raise SitegenError(f"refusing to build into {output}: it contains the site itself")
    if any((out / mark).exists() for mark in SITE_MARKS):
        raise SitegenError(f"refusing to build into {output}: it holds a site's content")
    for source in ("content", "templates", "themes", "static", "root", CACHE_DIR):
        folders = [(site / source).resolve()] if source == CACHE_DIR else _linked_in(site / source)
        if any(out.is_relative_to(folder) for folder in folders):
            raise SitegenError(f"refusing to build into {output}: it is inside {source}/")
    for vcs in sorted(VCS_DIRS):  # a gh-pages checkout, say: its history would go with it
        if (out / vcs).exists():
            raise SitegenError(
                f"refusing to build into {output}: it holds {vcs}/, and a build replaces the "
                "whole folder (build elsewhere and copy the files in)"
            )
    # what a Finder or an Explorer leaves in any folder (.DS_Store) is nobody's work
    if (
        out.is_dir()
        and any(not not_site(p.name) for p in out.iterdir())
        and not _made_by_sitegen(out)
    ):
        # a state that reads back (signed by this user), not any file under its name, and
        # a file of that build still there as it left it: not a folder replaced by hand
        state = read_cache(state_file(site_dir, output))
        if state is None or not as_left(output, state.files, state.files):
            raise SitegenError(
                f"refusing to build into {output}: it is not empty and holds no earlier "
                "build (a build replaces the whole folder)"
            )


def _linked_in(folder: Path) -> list[Path]:
    """The folder and every folder linked inside it (`themes/shared -> ~/theme`), resolved:
    the build reads through the links, so an output there would be read back as input."""
    links = (os.path.join(d, n) for d, dirs, _ in os.walk(folder) for n in dirs)
    return [folder.resolve(), *(Path(os.path.realpath(p)) for p in links if os.path.islink(p))]


def _made_by_sitegen(output: Path) -> bool:
    """An earlier build's sitemap says so (before it did, its home page's generator tag):
    the cache that knew the folder may be gone. Every version's site feed names sitegen,
    whatever the templates, which may leave out the tag."""
    for name, mark in (
        ("sitemap.xml", SITEMAP_MARK),
        ("index.html", '"generator" content="sitegen '),
        (urls.FEED_RSS, "<generator>sitegen</generator>"),
    ):
        with suppress(OSError), open(output / name, "rb") as f:
            if mark.encode() in f.read(4096):
                return True
    return False


def _old_sites(output: Path) -> str:
    """The name that starts each of this output folder's old sites in the trash."""
    return f"site-{digest(str(output.resolve()))[:12]}-"


def forget_output(site_dir: Path, output: Path) -> None:
    """Delete the state and old sites the cache keeps for `output`: `sitegen serve` builds
    into a folder that dies with the preview."""
    with suppress(SitegenError):  # a link put in the cache meanwhile is not followed
        check_cache(site_dir)
        state_file(site_dir, output).unlink(missing_ok=True)
        for old in (site_dir / CACHE_DIR / "trash").glob(_old_sites(output) + "*"):
            shutil.rmtree(old, ignore_errors=True)


def swap_into_place(new: Path, output: Path, trash: Path, prefix: str) -> None:
    """Replace `output` by the finished `new`: two renames. The old site is kept in `trash`,
    named `prefix` and the time, for the next build to start from (prune_old_site); older
    ones are deleted in the background, and it is deleted now if it cannot go there."""
    if not output.exists():
        os.rename(new, output)
        return
    old = trash / f"{prefix}{time.time_ns():020d}"
    with signals_held():  # a Ctrl-C between the two renames left no output/ at all
        try:
            trash.mkdir(parents=True, exist_ok=True)
            os.rename(output, old)
        except OSError:  # on another file system, or the site folder is read-only
            old = output.with_name(f".{output.name}.old-{os.getpid()}")
            os.rename(output, old)
        os.rename(new, output)
    if old.parent != trash:
        shutil.rmtree(old)
        return
    for other in trash.glob(f"{prefix}*"):
        if other != old:
            with suppress(FileNotFoundError):  # another build took it meanwhile
                delete_in_background(other)


def prune_old_site(old: Path, files: dict[str, tuple]) -> set[str] | None:
    """Delete from an old site (swap_into_place) each file that is not the current output's
    very file by the state (`files`: name -> (key, size, mtime_ns, inode)), and links and
    emptied folders with them; returns the names left, or None when it could not (then it
    is not used). The next build starts from what is left: from an empty folder, one edit at
    10,000 papers made 13,000 folders and 50,000 links, for seconds of system time. Any old
    site will do, as every file's inode is checked, which costs nothing: the folder listing
    holds it. Run while the site loads: walking 13,000 folders the OS had paged out took 1.3 s."""
    inodes = {rel: f[3] for rel, f in files.items() if len(f) > 3}  # none from older states
    present: set[str] = set()

    def prune(folder: str, rel: str) -> bool:  # True when nothing is left in it
        left = False
        with os.scandir(folder) as entries:
            for e in list(entries):
                name = rel + e.name
                if e.is_dir(follow_symlinks=False):
                    if prune(e.path, name + "/"):
                        os.rmdir(e.path)
                    else:
                        left = True
                elif inodes.get(name) == e.inode() and not e.is_symlink():
                    present.add(name)
                    left = True
                else:  # not the current file: stale, a stray, or a link (put there by hand)
                    os.unlink(e.path)
        return not left

    try:
        prune(str(old), "")
    except (OSError, RecursionError):  # it cannot be changed, or folders nest past reason
        return None
    return present


def drop_files(root: Path, rels: Iterable[str]) -> None:
    """Delete files, and their folders as they empty."""
    for rel in rels:
        os.unlink(f"{root}/{rel}")
        folder = os.path.dirname(rel)
        while folder:
            try:
                os.rmdir(f"{root}/{folder}")
            except OSError:  # not empty
                break
            folder = os.path.dirname(folder)


def delete_in_background(folder: Path) -> None:
    """rmtree in a detached process, which nobody waits for: deleting 5,000 files can take
    longer than the build. Renamed first (`del-NAME`), so no build can reuse it now; a
    folder left behind (the machine stopped) is swept later."""
    if not folder.name.startswith("del-"):
        folder = folder.rename(folder.with_name(f"del-{folder.name}"))
    if not hasattr(os, "fork"):
        shutil.rmtree(folder, ignore_errors=True)
        return
    pid = os.fork()
    if pid == 0:
        try:
            if os.fork() == 0:
                os.setsid()
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):  # whoever reads the build's output must not wait for it
                    os.dup2(null, fd)
                os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # nor the next build for its lock
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def link_files(src: Path, dst: Path, rels: Iterable[str]) -> None:
    """Hard-link each unchanged file from the current output into the new one: 50,000 at
    10,000 papers, so paths are strings and a folder is made only when a link needs it."""
    for rel in rels:
        old, new = f"{src}/{rel}", f"{dst}/{rel}"
        try:
            os.link(old, new)
        except OSError:  # its folder is not made yet, or no hard links there: copied
            os.makedirs(os.path.dirname(new), exist_ok=True)
            try:
                os.link(old, new)
            except OSError:
                shutil.copy2(old, new)


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates, shared by this user's sites in Jinja's own per-user temp folder;
    none where that is not safe (only slower): in the site's cache, a bytecode file that came
    with the site (a fork's) would be code Jinja runs. Jinja checks a template's source, not
    the options it was compiled with, so the file names carry the code stamp."""
    pattern = f"sitegen-{code_stamp()[:16]}-%s.cache"
    try:
        return jinja2.FileSystemBytecodeCache(pattern=pattern)
    except RuntimeError:  # no safe shared folder
        return None


@collector_paused()
def build_site(
    site_dir: Path,
    output: Path | None = None,
    base_url: str | None = None,
    search: bool = True,
    log: Callable[[str], None] | None = None,
    jobs: int | None = None,
    use_cache: bool = True,
    probe: Probe | None = None,
) -> BuildResult:
    """Build the site into `output`, redoing only the files whose inputs changed.
    `use_cache=False` makes a cold build, of the same bytes. `probe` is the input scan the
    caller made with the same arguments. When Pagefind fails, the site is built again
    without search, so no page offers a search with no index; the next build tries again."""
    started = time.perf_counter()
    site_dir = Path(site_dir)
    output = Path(os.path.normpath(output if output is not None else site_dir / "output"))
    if output.name in ("", ".", ".."):  # `--output .`: the folder needs a name, to swap it
        output = Path(os.path.abspath(output))
    check_output_dir(site_dir, output)
    jobs = jobs or default_jobs()
    phase = _phases(log, started)
    cache = site_dir / CACHE_DIR
    probe = probe or Probe.of(site_dir, output, base_url, search, use_cache, jobs)
    if probe.unchanged():
        return probe.result(started)
    state, damaged = probe.state, probe.damaged
    phase("scan")
    if not use_cache:  # ignored, then made afresh: the next build is incremental again
        for made in ("papers", "photo", "cv-pdf", "related.pickle", "pieces.pickle"):
            remove(cache / made)
    trash, prefix = cache / "trash", _old_sites(output)
    old = state.files if state is not None else {}
    start_from: list[Path] = []  # the newest old site: it shares most files with output/
    if state is not None and 2 * state.rewritten < len(state.files):
        # a link is none of sitegen's: pruned, the folder it points to would be emptied
        start_from = sorted(p for p in trash.glob(f"{prefix}*") if not p.is_symlink())[-1:]
    found: list[Loaded] = []
    pruned = fork_map(
        partial(prune_old_site, files=old),
        start_from,
        jobs if len(old) >= PARALLEL_LINKS else 1,  # a small site's prune takes milliseconds
        lambda: found.append(load_site(site_dir, base_url, cache, jobs)),
    )
    loaded = found[0]
    phase("load and index")
    warnings = list(loaded.warnings)
    use_search = search and search_wanted(loaded)
    if use_search and not pagefind_available():
        use_search = False
        warnings.append(SitegenWarning(PAGEFIND_MISSING))
    known = read_cache(template_notes_file()) or {}  # none, no home, damaged: parse
    outputs, pages, renderer = plan_outputs(loaded, site_dir, use_search, known)
    renderer.env.bytecode_cache = bytecode_cache()  # before the first template is compiled
    if search_wanted(loaded) and not use_search:  # as `sitegen check` does: a broken page
        compile_templates(renderer, {"search.html"})  # fails here as in a build with search
    phase(f"plan ({len(outputs)} outputs)")

    last_costs = dict(state.costs) if state is not None else {}
    keys: list[str] | None = None  # a cold build remakes every file: it keys them meanwhile
    todo = outputs
    if state is not None:
        keys = key_outputs(outputs, renderer, loaded.site.papers, jobs)
        todo = [
            o
            for o, key in zip(outputs, keys, strict=True)
            if any(old.get(f, ("",))[0] != key or f in damaged for f in o.files)
        ]
        phase(f"key ({len(todo)} changed)")
    every = [f for o in outputs for f in o.files]
    paths = set(every)
    if len(paths) < len(every):
        raise written_twice(every)
    warnings += nav_warnings(site_dir, loaded.config.nav, paths)  # kept in the state, for a no-op
    # a site's own templates (the theme's agree among themselves): a base.html copied from
    # an older theme, without the blocks its pages fill now (page_head: Scholar's tags)
    own = template_dirs(site_dir, loaded.config.theme)
    if any(d.is_dir() and not d.is_relative_to(builtin_themes_dir()) for d in own):
        warnings += page_block_warnings(renderer.env, {p.template for p in pages})
    remade = {f for o in todo for f in o.files}
    removed = sorted(set(old) - paths)
    # A CNAME put in the output by hand is said to be left out, not lost in silence; only
    # this build says it (not kept with the state's warnings for a no-op to repeat).
    ours, theirs = {f.split("/", 1)[0] for f in (*paths, *old)} | SOMETIMES_MADE, []
    with suppress(OSError):
        theirs = sorted(
            e.name for e in os.scandir(output) if not (e.name in ours or not_site(e.name))
        )
    why = (
        "the new output leaves it out (keep it in root/, which is published at the top of the site)"
    )
    left_out = [SitegenWarning(f"not made by sitegen: {why}", output / n) for n in theirs]
    own_pages = [p.url for p in loaded.portfolio.pages]  # indexed too
    search_stale = use_search and (
        state is None
        or not state.search
        or "pagefind/" in damaged
        or any(f.startswith("papers/") for f in remade.union(removed))  # or gone: a draft now
        or any(urls.output_path(u) in remade for u in own_pages)
        or "sitemap.xml" in remade  # a page of the owner's may be gone: the sitemap names it
    )
    # a cold build always writes: every site has a sitemap.xml and a robots.txt
    changed = (
        bool(todo or removed) or search_stale or (state is not None and state.search != use_search)
    )
    if changed:
        compile_templates(renderer, {p.template for p in pages})
        sweep_leftovers(trash, prefix)
        tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
        kept = [rel for rel in every if rel not in remade]
        present = pruned[0] if pruned else None
        if present is not None:
            try:
                os.rename(start_from[0], tmp)
                drop_files(tmp, present.difference(kept))  # rewritten now, or gone
                present.intersection_update(kept)
            except OSError:  # another build took it meanwhile
                shutil.rmtree(tmp, ignore_errors=True)
                present = None
        if present is None:
            try:
                tmp.mkdir(parents=True)
            except OSError as e:  # below a file, or where this user may not write
                raise SitegenError(f"cannot write here: {e.strerror}", output) from None
        pieces = cache / "pieces.pickle"
        renderer.pieces.kept = read_cache(pieces) or {}
        try:
            costs = [last_costs.get(o.files[0], COST_UNKNOWN) for o in todo]
            keys, took = make_outputs(
                todo,
                costs,
                tmp,
                jobs,
                lambda: keys or [o.key() for o in outputs],
                output,
                [rel for rel in kept if rel not in present] if present else kept,
                renderer.pieces,
            )
            last_costs.update(took)
            phase(f"render and write ({len(todo)} outputs)")
            if use_search:
                if search_stale or not (output / "pagefind").is_dir():
                    language = stemmed_as(
                        loaded.config.language, (p.language for p in loaded.site.papers)
                    )
                    if problem := build_search_index(tmp, own_pages, language):  # failed: no box
                        shutil.rmtree(tmp, ignore_errors=True)
                        result = build_site(site_dir, output, base_url, False, log, jobs, use_cache)
                        return replace(result, warnings=[problem, *result.warnings])
                else:
                    shutil.copytree(output / "pagefind", tmp / "pagefind", copy_function=os.link)
                phase("search index")
            swap_into_place(tmp, output, trash, prefix)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        made = renderer.pieces.made
        # saved once 1% are new (58 MB took 0.3 s at 10,000 papers; until then an edit's few
        # pieces are made again), dropping the oldest once there are more than enough
        if len(made) > len(renderer.pieces.kept) // 100:
            kept_pieces = {**renderer.pieces.kept, **made}
            enough = PIECES_KEPT * len(loaded.site.papers) + len(made)
            save_cache(pieces, dict(list(kept_pieces.items())[-enough:]))
    files = {f: key for o, key in zip(outputs, keys, strict=True) for f in o.files}
    # a linked file is as it was (copied where there are no hard links: another inode, which
    # only makes the next build link it again, as prune_old_site checks inodes)
    stats = {rel: old[rel][1:] for rel in files if rel in old and rel not in remade}
    stats.update(stat_files(output, (rel for rel in files if rel not in stats)))
    new_state = State(
        stamp=probe.stamp,
        scanned_at=probe.scanned_at,
        files={rel: (key, *stats.get(rel, (0, 0, 0))) for rel, key in files.items()},
        pages=len(pages),
        warnings=[(w.message, w.path, w.line) for w in warnings],
        search=use_search,
        search_files=tree_stats(output / "pagefind") if use_search else {},
        rewritten=len(remade) if changed else state.rewritten,
        costs={o.files[0]: t for o in outputs if (t := last_costs.get(o.files[0], 0)) > COST_KEPT},
        umask=probe.umask,
    )
    save_cache(state_file(site_dir, output), new_state)
    save_template_notes(known, renderer.templates.learned)
    phase("save state")
    written = tuple(sorted(remade | ({"pagefind/"} if search_stale and state else set())))
    return BuildResult(
        output=output,
        pages=len(pages),
        files=len(files),
        seconds=time.perf_counter() - started,
        warnings=[*warnings, *left_out] if changed else warnings,  # dropped now
        written=written,
        removed=tuple(removed),
        incremental=state is not None,
        restored=len(damaged & set(written)),
    )


def compile_templates(renderer: Renderer, names: set[str]) -> None:
    """Compile the pages' templates and all they reach once, before forking; a template
    that does not parse is named, `file:line`."""
    for template in sorted(names):
        try:
            renderer.env.get_template(template)
        except Exception as e:
            raise template_error(e, template) from None
    try:  # parses every template a page reaches
        reached = {t for n in names for t in renderer.templates.reach(n)[0]}
    except Exception as e:
        raise template_error(e) from None
    for template in sorted(reached):
        if template not in names and renderer.templates.source(template) is not None:
            with suppress(Exception):  # an error shows where a page renders it, if one does
                renderer.env.get_template(template)


def sweep_leftovers(trash: Path, prefix: str) -> None:
    """Delete in the background the trash's old sites of other output folders (sitegen
    serve's, a one-off's), and deletes the machine stopped."""
    for stale in trash.glob("*"):
        # a link is none of sitegen's: what it points to is not deleted
        with suppress(FileNotFoundError):  # the last build's delete finished meanwhile
            if stale.is_symlink() or stale.name.startswith(prefix):
                continue
            if stale.stat().st_mtime <= time.time() - 600:
                delete_in_background(stale)


def _phases(log: Callable[[str], None] | None, started: float) -> Callable[[str], None]:
    """Report how long each step took (`sitegen build --timings`), for finding slow steps."""
    last = [started]

    def phase(name: str) -> None:
        now = time.perf_counter()
        if log is not None:
            log(f"{now - last[0]:7.3f} s  {name}")
        last[0] = now

    return phase
