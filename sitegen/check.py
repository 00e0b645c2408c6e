"""`sitegen check`: every problem in a site's config, content and templates, writing nothing.

The loaders stop at the first problem; a user fixing a site wants the whole list, so this
drives the same validators (so `check` and `build` agree) file by file and, in a paper file,
key by key: a bad key is reported, replaced by a harmless value, and the file checked again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from . import cvpdf
from .build import FILTERS, check_output_dir, load_site, plan_outputs, search_wanted, written_twice
from .charts import plural
from .config import load_config, nav_warnings
from .content import (
    KNOWN_KEYS,
    TITLE_CUT,
    alias_clashes,
    front_matter,
    load_people,
    load_profile,
    markdown_files,
    paper_files,
    parse_paper,
    read_text,
    slug_clash,
    title_cut,
)
from .errors import SitegenError, SitegenWarning, require_site_folder
from .model import Paper, Profile
from .portfolio import NEWS_DIR, PAGES_DIR, load_about, load_resume, parse_news, parse_page
from .render import blocks_shown_nowhere, make_env, template_dirs, template_error
from .search import pagefind_available
from .state import check_cache, default_jobs, map_shares, not_site
from .yamlutil import dump_yaml, key_line

# A value these front matter keys accept, put in place of a bad one so the rest
# of the file can still be checked; a bad value of any other known key is dropped.
_HARMLESS: dict[str, Any] = {
    "title": "untitled",
    "date": dt.date(2000, 1, 1),
    "topic": "X",
    "authors": ["A. Author"],
    "affiliations": [],
    "tags": [],
    **dict.fromkeys(
        ("et_al", "owner_in_et_al", "code", "year_inferred", "draft", "featured"), False
    ),
}
assert set(_HARMLESS) <= KNOWN_KEYS


@dataclass
class CheckReport:
    problems: list[SitegenError] = field(default_factory=list)
    warnings: list[SitegenWarning] = field(default_factory=list)
    papers: int = 0
    templates: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        what = f"{plural(self.papers, 'paper file')} and {plural(self.templates, 'template')}"
        if self.ok:
            return f"ok: checked {what}, no problems"
        return f"{plural(len(self.problems), 'problem')} in {what}"


def _attempt(report: CheckReport, load: Callable[..., Any], *args: Any) -> Any:
    """`load(*args)`, or None once its problem is in the report."""
    try:
        return load(*args)
    except SitegenError as e:
        report.problems.append(e)
        return None


def check_paper_text(text: str, display: str, report: CheckReport) -> Paper | None:
    """Reports each problem of one paper file at its key's line; returns the paper if none."""
    parsed = _attempt(report, front_matter, text, display)
    if parsed is None:
        return None
    data, yaml_text, body = parsed
    current = text
    first = len(report.problems)
    said: set[str] = set()
    if isinstance(title := data.get("title"), str) and title_cut(yaml_text, title):
        # the re-written text below quotes the title: only the file as written shows the cut
        said.add(TITLE_CUT)
        report.warnings.append(
            SitegenWarning(TITLE_CUT, display, key_line(yaml_text, ("title",), 2))
        )
    for _ in range(len(KNOWN_KEYS) + 1):
        found: list[SitegenWarning] = []
        try:
            paper, e = parse_paper(current, display, found), None
        except SitegenError as error:
            paper, e = None, error
        for w in found:  # each warning once, at its line in the file as written
            if w.message not in said:
                said.add(w.message)
                line = w.line if current is text else _written_line(w.line, current, yaml_text)
                report.warnings.append(SitegenWarning(w.message, w.path, line))
        if e is None:
            return paper if len(report.problems) == first else None
        key = e.message.split(":", 1)[0]  # an error about a key starts with `key: `
        if key not in KNOWN_KEYS or key not in data and key not in _HARMLESS:
            report.problems.append(e)
            return None
        # the file as written: the error's own line (an author's); else the key's, in it
        line = e.line if current is text else key_line(yaml_text, (key,), 2) or e.line
        report.problems.append(SitegenError(e.message, display, line))
        if key in _HARMLESS:
            data[key] = _HARMLESS[key]
        else:
            data.pop(key)
        # the re-written text is only ever parsed, never saved or shown
        current = f"---\n{dump_yaml(data)}---\n{body}"
    return None  # pragma: no cover - every key is fixed by then


def _written_line(line: int | None, rewritten: str, yaml_text: str) -> int | None:
    """A warning's line in check's re-written front matter -> the line of the same key in
    the file as written (`venu:` on line 6, not 9); none when it is no key's line."""
    lines = rewritten.splitlines()
    if line is None or not 0 < line <= len(lines) or ":" not in lines[line - 1]:
        return None
    key = lines[line - 1].split(":", 1)[0]
    return key_line(yaml_text, (key,), 2) if key and not key.startswith((" ", "-")) else None


def _check_papers(site: Path, report: CheckReport) -> None:
    seen: dict[str, str] = {}
    every: list[tuple[str, Paper]] = []
    # the build's own list: same order, same files skipped
    for display in _attempt(report, paper_files, site, report.warnings) or ():
        report.papers += 1
        text = _attempt(report, read_text, site / display, display)
        if text is None:
            continue
        paper = check_paper_text(text, display, report)
        if paper is None:
            continue
        first = seen.setdefault(paper.slug, display)
        if first != display:
            report.problems.append(slug_clash(paper.slug, first, display, text))
        else:
            every.append((display, paper))
    report.problems += alias_clashes(every, site)


def _check_templates(site: Path, theme: str, report: CheckReport) -> None:
    """Compile every template the site would use, so a syntax error shows before a build."""
    dirs = _attempt(report, template_dirs, site, theme)
    if dirs is None:
        return
    env = make_env(dirs)
    env.filters.update(FILTERS)  # not the globals: an unknown name is no compile error
    # what the build's loader finds, through linked folders too, whatever the names
    # (`{% include "box.jinja" %}`); Markdown there is a README, and editors' backups
    # (`paper.html~`) are no templates either
    loader = env.loader.loaders[0]  # type: ignore[union-attr]  # the site's, then the themes'
    said: set[tuple] = set()
    for name in loader.list_templates():
        if name.endswith(".md") or any(p[0] == "." or not_site(p) for p in name.split("/")):
            continue
        report.templates += 1
        try:
            source, path, _ = loader.get_source(env, name)
            ast = env.parse(source, name, path)
            # an unknown filter or test stops the build at the first page that uses it; Jinja's
            # compile lets one under an `if` through, to fail on a page taking that branch
            for node in ast.find_all((jinja2.nodes.Filter, jinja2.nodes.Test)):
                kind = type(node).__name__.lower()
                if node.name not in getattr(env, kind + "s"):
                    raise jinja2.TemplateAssertionError(
                        f"No {kind} named {node.name!r}.", node.lineno, name, path
                    )
            env.compile(ast, name, path)  # what else only compiling finds (a block named twice)
            found = blocks_shown_nowhere(env, ast, path)  # the site's base.html: said once
            report.warnings += [w for w in found if (w.path, w.message) not in said]
            said |= {(w.path, w.message) for w in found}
        except SitegenError as e:  # not UTF-8, with its line, as the build's loader says
            report.problems.append(e)
        except Exception as e:  # a syntax error, or Python's limits (nesting, a huge number)
            report.problems.append(template_error(e, name))


def check_site(site: Path) -> CheckReport:
    """Validate sitegen.yaml, content/ and the templates in use; reads files, writes none."""
    require_site_folder(site)
    config, problems = load_config(site)
    report = CheckReport(problems)
    _check_papers(site, report)
    profile = _attempt(report, load_profile, site)
    _attempt(report, load_people, site, profile.name if profile else "")
    _check_portfolio(site, profile, report)
    if config.cv_pdf and cvpdf.available() and (problem := cvpdf.start_error()):
        report.problems.append(problem)
    _check_templates(site, config.theme, report)
    # what `sitegen build` refuses before reading anything: its cache, and output/ (which a
    # build elsewhere, `--output public`, never touches: said, but no problem of the site's)
    _attempt(report, check_cache, site)
    try:
        check_output_dir(site, site / "output")
    except SitegenError as e:
        report.warnings.append(SitegenWarning(f"{e.message}; build elsewhere with --output"))
    if report.ok:
        _render_everything(site, report)
    return report


def _render_everything(site: Path, report: CheckReport) -> None:
    """Make every file the build would write, in memory, in as many processes as the build:
    a template can parse and still stop the build on some pages only (`paper.extra.x` that
    one paper lacks), and checking one page of each said ok to a build that then failed.
    An error many pages share (base.html) is listed once."""
    loaded = _attempt(report, load_site, site, None, None, default_jobs())  # no cache folder
    if loaded:  # what only the whole site shows (the CV's summaries), as the build warns
        seen = set(map(str, report.warnings))
        report.warnings += [w for w in loaded.warnings if str(w) not in seen]
    search = loaded and search_wanted(loaded) and pagefind_available()  # as the build decides
    planned = loaded and _attempt(report, plan_outputs, loaded, site, search)
    if not planned:
        return
    outputs, _, _ = planned
    files = [f for o in outputs for f in o.files]
    if len(set(files)) < len(files):
        report.problems.append(written_twice(files))
    report.warnings += nav_warnings(site, loaded.config.nav, set(files))

    def make(i: int) -> SitegenError | None:
        try:
            outputs[i].make()
        except SitegenError as e:
            return e
        return None

    listed: dict[tuple, SitegenError] = {}
    for e in map_shares(make, range(len(outputs)), default_jobs()):
        if e is not None:  # one template error, whichever page met it: "(making ...)" names it
            listed.setdefault((e.path, e.line, e.message.split(" (making ")[0]), e)
    report.problems += listed.values()


def _check_portfolio(site: Path, profile: Profile | None, report: CheckReport) -> None:
    """The about keys of profile.yaml, the resume, each news file (issue 17) and page."""
    if profile is not None:  # else profile.yaml's problem is in the report already
        about = _attempt(report, load_about, site, profile, None)
        report.warnings += about[2] if about else []
    _attempt(report, load_resume, site, report.warnings)
    for folder, parse in ((NEWS_DIR, parse_news), (PAGES_DIR, parse_page)):
        # a folder that cannot be listed (a pipe named like a file in it): one problem more
        for display in _attempt(report, markdown_files, site, folder, report.warnings) or ():
            text = _attempt(report, read_text, site / display, display)
            if text is not None:
                _attempt(report, parse, text, display, report.warnings)
