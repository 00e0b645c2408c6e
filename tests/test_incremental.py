"""Incremental builds: they write what changed, and always equal a cold build.

Builds run in-process (`sitegen.build.build_site`) unless the command line
itself is the point (its summary, exit status and warnings). "Written" is
`BuildResult.written`, cross-checked on disk: a file the build left alone is a
hard link to the old one and keeps its inode; a rewritten file gets a new one.
The reference for correctness is always a cold build (`use_cache=False`) of a
copy of the site's input files, compared byte for byte, so the cold build never
touches the incremental build's cache either.

The property test at the end (`test_any_series_of_edits_equals_a_cold_build`,
marked slow) is the proof: a small site with site templates written to defeat a
dependency predictor (computed attribute names, dynamic includes, imports and
extends, macros handed `site`) goes through random series of edits, and after
every edit the incremental output must equal a cold build's. Every input file
the test writes gets a distinct mtime in the past, so the no-op fast path (which
trusts file stats) is always allowed to apply and is never saved by timing luck.
"""

from __future__ import annotations

import difflib
import gc
import json
import os
import pickle
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from conftest import AS_OF, BASE_URL, MAKE_PROFILE, run_cli
from htmlutil import parse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sitegen import build as build_module
from sitegen.build import CACHE_DIR, BuildResult, build_site, load_site
from sitegen.errors import SitegenError
from sitegen.render import builtin_themes_dir
from sitegen.state import read_cache

THEME = builtin_themes_dir() / "default" / "templates"
INPUTS = ("content", "templates", "themes", "static", "root", "sitegen.yaml")

# ---------------------------------------------------------------- helpers


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "pagefind" not in p.relative_to(root).parts
    }


def inodes(root: Path) -> dict[str, int]:
    return {
        p.relative_to(root).as_posix(): p.stat().st_ino
        for p in root.rglob("*")
        if p.is_file() and "pagefind" not in p.relative_to(root).parts
    }


def tree_difference(got: dict[str, bytes], want: dict[str, bytes], lines: int = 40) -> str:
    """Which files are extra, missing or different, with a short diff of the first few."""
    out = []
    extra, missing = sorted(got.keys() - want.keys()), sorted(want.keys() - got.keys())
    changed = sorted(k for k in got.keys() & want.keys() if got[k] != want[k])
    if extra:
        out.append(f"only in the incremental build: {extra}")
    if missing:
        out.append(f"only in the cold build: {missing}")
    if changed:
        out.append(f"different bytes: {changed}")
    for rel in changed[:3]:
        if not rel.endswith((".html", ".xml", ".json", ".bib", ".ris", ".txt", ".css")):
            continue
        diff = difflib.unified_diff(
            want[rel].decode("utf-8", "replace").splitlines(),
            got[rel].decode("utf-8", "replace").splitlines(),
            f"cold/{rel}",
            f"incremental/{rel}",
            lineterm="",
            n=1,
        )
        out += list(diff)[:lines]
    return "\n".join(out)


def copy_inputs(site: Path, to: Path) -> Path:
    """The site's input files only: no output, no cache."""
    shutil.rmtree(to, ignore_errors=True)
    to.mkdir(parents=True)
    for name in INPUTS:
        src = site / name
        if src.is_dir():
            shutil.copytree(src, to / name)
        elif src.is_file():
            shutil.copy2(src, to / name)
    return to


def cold_build(site: Path, where: Path, base_url: str | None = BASE_URL) -> Path:
    """A from-scratch build of a copy of the site's inputs; returns its output folder."""
    copy = copy_inputs(site, where / "cold-site")
    result = build_site(copy, base_url=base_url, search=False, use_cache=False)
    assert not result.incremental
    return result.output


def assert_same_trees(got: dict[str, bytes], want: dict[str, bytes], context: str = "") -> None:
    if got != want:
        pytest.fail(f"{context}{tree_difference(got, want)}", pytrace=False)


def assert_same_as_cold(site: Path, where: Path, output: Path | None = None) -> None:
    assert_same_trees(tree_bytes(output or site / "output"), tree_bytes(cold_build(site, where)))


def build(site: Path, **kw) -> BuildResult:
    return build_site(site, base_url=BASE_URL, search=False, **kw)


def cli_build(site: Path, *extra: str) -> subprocess.CompletedProcess:
    proc = run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", *extra)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def age_inputs(site: Path, seconds: int = 60) -> None:
    """Date every input back, as if edited long ago: lets the stat-only fast path apply."""
    past = time.time() - seconds
    for name in INPUTS:
        top = site / name
        for p in [top, *top.rglob("*")] if top.is_dir() else [top]:
            if p.is_file():
                os.utime(p, (past, past))


def paper_files(site: Path) -> list[Path]:
    return sorted((site / "content" / "papers").glob("*.md"))


def set_field(path: Path, key: str, value: object) -> None:
    """Replace one top-level front matter value (JSON is valid YAML for scalars)."""
    text = path.read_text()
    line = f"{key}: {json.dumps(value)}"
    new, n = re.subn(rf"(?m)^{key}:.*$", line, text, count=1)
    path.write_text(new if n else text.replace("---\n", f"---\n{line}\n", 1))


def set_abstract(path: Path, body: str) -> None:
    head, _, _ = path.read_text().partition("\n---\n")
    path.write_text(head + "\n---\n" + body + "\n")


def assert_written_is_what_changed(
    result: BuildResult, before: dict[str, bytes], ino_before: dict[str, int], out: Path
) -> dict[str, bytes]:
    """`written` is what really got a new inode, and covers every file whose bytes changed."""
    after, ino_after = tree_bytes(out), inodes(out)
    new_inode = {k for k in ino_after if ino_before.get(k) != ino_after[k]}
    assert set(result.written) == new_inode, sorted(set(result.written) ^ new_inode)
    differ = {k for k in after if before.get(k) != after[k]}
    assert differ <= set(result.written), sorted(differ - set(result.written))
    assert set(result.removed) == before.keys() - after.keys()
    return after


@pytest.fixture
def built_site(fresh_site: Path) -> Path:
    age_inputs(fresh_site)
    result = build(fresh_site)
    assert not result.incremental
    return fresh_site


# ---------------------------------------------------------------- no change, no write


def test_noop_build_writes_nothing(built_site: Path) -> None:
    out = built_site / "output"
    before, ino = tree_bytes(out), inodes(out)
    out_inode = out.stat().st_ino
    proc = cli_build(built_site)
    assert proc.returncode == 0, proc.stderr
    assert "nothing changed" in proc.stdout
    assert inodes(out) == ino and tree_bytes(out) == before
    assert out.stat().st_ino == out_inode  # not even swapped
    assert not [p for p in built_site.iterdir() if p.name.startswith(".output")]
    # a no-op build names its output folder as any build does: normalised
    proc = cli_build(built_site, "--output", str(out / ".." / "output"))
    assert "nothing changed" in proc.stdout and f"into {out} in " in proc.stdout, proc.stdout


def test_a_file_added_to_the_output_by_hand_is_named_when_it_is_left_out(built_site: Path) -> None:
    """A CNAME put in output/ by hand went with the next build that changed anything,
    without a word. It still goes (the folder is sitegen's), but the build says so, once;
    a build that changes nothing keeps it, and so does not say it leaves it out."""
    (built_site / "output" / "CNAME").write_text("ada.example.org\n")
    paper = paper_files(built_site)[0]
    os.utime(paper)  # touched, not changed: the inputs are read, and nothing is made
    proc = cli_build(built_site)
    assert "nothing changed" in proc.stdout and "not made by sitegen" not in proc.stderr
    paper.write_text(paper.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    proc = cli_build(built_site)
    assert "output/CNAME: warning: not made by sitegen: the new output leaves it out" in proc.stderr
    assert not (built_site / "output" / "CNAME").exists()
    assert "not made by sitegen" not in cli_build(built_site).stderr


def test_a_cold_build_knows_the_last_build_s_search_folder_for_its_own(fresh_site: Path) -> None:
    """With no state to name the last build's files (--no-cache, or a deleted cache), a
    build without search called the last build's search/ and pagefind/ "not made by
    sitegen"; a CNAME put there by hand is still named."""
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, check=True)
    out = fresh_site / "output"
    assert (out / "search").is_dir() and (out / "pagefind").is_dir()
    (out / "CNAME").write_text("ada.example.org\n")
    proc = cli_build(fresh_site, "--no-cache")
    assert proc.returncode == 0, proc.stderr
    said = [ln for ln in proc.stderr.splitlines() if "not made by sitegen" in ln]
    assert len(said) == 1 and said[0].startswith(f"{out / 'CNAME'}: warning:"), proc.stderr
    assert not (out / "search").exists() and not (out / "pagefind").exists()


def test_touched_but_unchanged_file_writes_nothing(built_site: Path) -> None:
    out = built_site / "output"
    ino = inodes(out)
    paper_files(built_site)[0].touch()  # new mtime, same bytes
    (built_site / "content" / "profile.yaml").touch()
    result = build(built_site)
    assert result.incremental and result.written == () and result.removed == ()
    assert "nothing changed" in result.summary()
    assert inodes(out) == ino


def test_edits_behind_symlinks_are_seen(built_site: Path, tmp_path: Path) -> None:
    """The build reads through symlinks, so the check that nothing changed follows them
    too: a paper file, a static file and a static folder that are links, edited where
    they point (a linked folder under static/ was once not copied at all)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    paper = paper_files(built_site)[0]
    target = Path(shutil.move(paper, shared / paper.name))
    paper.symlink_to(target)
    note = shared / "note.txt"
    note.write_text("first\n")
    (built_site / "static").mkdir(exist_ok=True)
    (built_site / "static" / "note.txt").symlink_to(note)
    pdfs = shared / "pdfs"  # a linked folder, such as the PDFs kept elsewhere
    pdfs.mkdir()
    (pdfs / "talk.pdf").write_text("slides\n")
    (built_site / "static" / "pdfs").symlink_to(pdfs, target_is_directory=True)
    links = (paper, built_site / "static" / "note.txt", built_site / "static" / "pdfs")
    age_inputs(built_site)
    for link in links:  # the links are old too
        os.utime(link, (time.time() - 60,) * 2, follow_symlinks=False)
    build(built_site)
    assert (built_site / "output" / "assets" / "note.txt").read_text() == "first\n"
    assert (built_site / "output" / "assets" / "pdfs" / "talk.pdf").read_text() == "slides\n"
    assert "nothing changed" in build(built_site).summary()

    # edited where the links point, dated as if long ago: only following them shows it
    set_field(target, "title", "Edited behind a symlink")
    note.write_text("second\n")
    (pdfs / "talk.pdf").write_text("slides, v2\n")
    for edited in (target, note, pdfs / "talk.pdf"):
        os.utime(edited, (time.time() - 30,) * 2)
    result = build(built_site)
    assert result.written, result.summary()
    assert (built_site / "output" / "assets" / "note.txt").read_text() == "second\n"
    assert (built_site / "output" / "assets" / "pdfs" / "talk.pdf").read_text() == "slides, v2\n"
    assert_same_as_cold(built_site, tmp_path)


@pytest.mark.slow  # about a second in the quick loop
def test_what_the_stamp_missed_is_seen(built_site: Path, tmp_path: Path) -> None:
    """Changes the input scan once missed, each followed by a stat-only check: a new
    link to a folder that is scanned already, and a static file in a folder named like
    a tool's (node_modules); and an empty templates/ folder in a theme of static files.
    A static .git folder is never copied to the site."""
    site = built_site
    templates = site / "templates"
    (templates / "parts").mkdir(parents=True)
    (templates / "parts" / "x.html").write_text("<p>EXTRA</p>\n")
    (templates / "topics.html").write_text(
        '{% extends "default/topics.html" %}\n'
        '{% block scripts %}{% include "extra/x.html" ignore missing %}{% endblock %}\n'
    )
    (site / "themes" / "default" / "static").mkdir(parents=True)
    (site / "themes" / "default" / "static" / "style.css").write_text("body{color:green}\n")
    (site / "static" / ".git").mkdir(parents=True)
    (site / "static" / ".git" / "config").write_text("[core]\n")
    age_inputs(site)
    build(site)

    def changed_since_last_build(change: Callable[[], object]) -> None:
        age_inputs(site)
        assert "nothing changed" in build(site).summary()
        change()
        for p in (templates / "extra", site / "themes" / "default" / "templates"):
            if p.exists():
                os.utime(p, (time.time() - 60,) * 2, follow_symlinks=False)
        result = build(site)
        assert "nothing changed" not in result.summary()
        assert_same_as_cold(site, tmp_path)

    changed_since_last_build(lambda: (templates / "extra").symlink_to("parts"))
    assert "<p>EXTRA</p>" in (site / "output" / "topics" / "index.html").read_text()
    # the site's themes/default, with only static/ so far, is the theme already: an empty
    # templates/ folder in it changes no lookup, and the output stays a cold build's
    (site / "themes" / "default" / "templates").mkdir()
    build(site)
    assert_same_as_cold(site, tmp_path)
    lib = site / "static" / "node_modules" / "lib.js"
    changed_since_last_build(lambda: lib.parent.mkdir() or lib.write_text("one()\n"))
    assert not list((site / "output").rglob("config"))


@pytest.mark.slow
def test_keys_cover_what_templates_read_without_naming_it(built_site: Path, tmp_path: Path) -> None:
    """A dynamic include from a symlinked template folder; `|rel` on the 404 page, whose
    root comes from the base URL's path; fragments called with 1 and with True."""
    site = built_site
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "CV.html").write_text("<p>PART ONE</p>\n")
    templates = site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "parts").symlink_to(shared, target_is_directory=True)
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}\n{% block scripts %}'
        '{% include "parts/" ~ topic.code ~ ".html" ignore missing %}{% endblock %}\n'
    )
    (templates / "404.html").write_text('<a href="{{ urls.TIMELINE|rel }}">All</a>\n')
    (templates / "fragments").mkdir()
    (templates / "fragments" / "num.html").write_text("<p>N={{ n }}</p>\n")
    for page, arg in (("timeline", "True"), ("topics", "1")):
        (templates / f"{page}.html").write_text(
            f'{{% extends "default/{page}.html" %}}\n{{% block scripts %}}'
            f'{{{{ fragment("fragments/num.html", n={arg}) }}}}{{% endblock %}}\n'
        )
    build(site)
    time.sleep(2.1)
    (shared / "CV.html").write_text("<p>PART TWO</p>\n")
    with (templates / "topics.html").open("a") as f:
        f.write("{# edited: rendered alone, its fragment must still say 1 #}\n")
    build(site, jobs=1)
    assert_same_as_cold(site, tmp_path)
    assert "N=1" in (site / "output" / "topics" / "index.html").read_text()

    sub = "https://example.org/sub/"
    build_site(site, base_url=sub, search=False)
    assert 'href="/sub/timeline/"' in (site / "output" / "404.html").read_text()
    assert_same_trees(
        tree_bytes(site / "output"), tree_bytes(cold_build(site, tmp_path, base_url=sub))
    )


def test_a_fragment_handed_a_bound_method_is_keyed_by_what_it_is_bound_to(
    built_site: Path, tmp_path: Path
) -> None:
    """`date.strftime` and `str.format` were keyed by their names alone: every paper page
    showed the first paper's date, and a `words:` edit left the old count in place."""
    site = built_site
    templates = site / "templates"
    (templates / "fragments").mkdir(parents=True, exist_ok=True)
    (templates / "fragments" / "when.html").write_text('<i class="when">{{ fmt("%Y-%m-%d") }}</i>')
    (templates / "fragments" / "count.html").write_text('<i class="count">{{ say(n=n) }}</i>')
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% block paper_extras %}'
        '{{ fragment("fragments/when.html", fmt=paper.date.strftime) }}{% endblock %}'
    )
    (templates / "topic.html").write_text(
        '{% extends "default/topic.html" %}{% block content %}{{ fragment("fragments/count.html",'
        ' say=words["{n} papers"].format, n=topic.papers|length) }}{{ super() }}{% endblock %}'
    )
    build(site)
    pages = sorted((site / "output" / "papers").glob("*/index.html"))
    shown = {re.search(r'class="when">([^<]*)', p.read_text())[1] for p in pages}
    assert len(shown) > 1  # one date per paper, not the first page's for all
    with (site / "sitegen.yaml").open("a") as f:
        f.write('words:\n  "{n} papers": "{n} articles"\n')
    build(site)
    assert "articles" in next((site / "output" / "topics").glob("*/index.html")).read_text()
    assert_same_as_cold(site, tmp_path)


# ---------------------------------------------------------------- one edit, exactly its pages


def pages_showing(site: Path, slugs: set[str]) -> set[str]:
    """Every output file that shows one of these papers, by the site's own index."""
    s = load_site(site, BASE_URL).site
    papers = {p for p in s.papers if p.slug in slugs}
    # the CV lists every paper
    shown = {"index.html", "timeline/index.html", "topics/index.html", "coauthors/index.html"}
    shown |= {
        "tags/index.html",
        "cv/index.html",
        "feed.xml",
        "atom.xml",
        "sitemap.xml",
    }  # the CV lists all
    shown |= {"publications.bib", "publications.ris", "publications.json"}
    for p in s.papers:  # pages showing it as a neighbour or a related paper
        older, newer = s.neighbours[p.slug]
        if p in papers or {older, newer, *s.related.get(p.slug, ())} & papers:
            shown.add(f"papers/{p.slug}/index.html")
    for p in papers:
        shown |= {f"papers/{p.slug}/{p.slug}.{ext}" for ext in ("bib", "ris", "json")}
        folders = [f"topics/{s.topic_by_code[p.topic].slug}/"]
        folders += [f"tags/{s.tag_by_name[t].slug}/" for t in p.tags if t in s.tag_by_name]
        folders += [f"coauthors/{c.slug}/" for c in p.coauthors]
        shown |= {f + name for f in folders for name in ("index.html", "feed.xml", "atom.xml")}
    return shown


def related_lists(site: Path) -> dict[str, tuple[str, ...]]:
    s = load_site(site, BASE_URL).site
    return {slug: tuple(p.slug for p in ps) for slug, ps in s.related.items()}


def may_change(site: Path, slug: str, edit: Callable[[], object]) -> set[str]:
    """Make the edit; return the files that show the paper, before or after it, and the
    pages whose related papers moved (relatedness weighs words by their rarity in all
    titles and abstracts, so one edit can reorder lists the paper is in neither before
    nor after)."""
    shown, related = pages_showing(site, {slug}), related_lists(site)
    edit()
    shown |= pages_showing(site, {slug})
    after = related_lists(site)
    return shown | {f"papers/{k}/index.html" for k in after if after[k] != related.get(k)}


def paper_not_in_site_feed(site: Path, i: int) -> Path:
    """The i-th oldest paper file: far from the newest, which every page's `site_feed` holds."""
    s = load_site(site, BASE_URL).site
    oldest = sorted(s.papers[s.config.feed_size :], key=lambda p: (p.date, p.slug))
    return site / oldest[i].source


def test_abstract_edit_rewrites_only_what_shows_the_abstract(
    built_site: Path, tmp_path: Path
) -> None:
    out = built_site / "output"
    paper = paper_not_in_site_feed(built_site, 3)
    me = paper.stem
    before, ino = tree_bytes(out), inodes(out)
    allowed = may_change(
        built_site,
        me,
        lambda: set_abstract(paper, "A rewritten abstract about $x^2$ and *splitting*."),
    )
    result = build(built_site)
    assert result.incremental
    assert_written_is_what_changed(result, before, ino, out)
    written = set(result.written)
    assert f"papers/{me}/index.html" in written
    assert f"papers/{me}/{me}.bib" in written and "publications.bib" in written
    assert any(rel.endswith("/feed.xml") for rel in written)  # its topic's, its coauthors'
    assert written <= allowed, sorted(written - allowed)
    for rel in ("404.html", "robots.txt", "sitemap.xml"):
        assert rel not in written
    others = [p.stem for p in paper_files(built_site) if f"papers/{p.stem}/index.html" in written]
    assert len(others) <= len(paper_files(built_site)) // 2, others
    assert not any(rel.startswith("assets/") for rel in written)
    assert_same_as_cold(built_site, tmp_path)


def test_title_edit_rewrites_the_lists_that_show_it(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    papers = paper_files(built_site)
    paper = paper_not_in_site_feed(built_site, 5)
    before, ino = tree_bytes(out), inodes(out)
    allowed = may_change(
        built_site,
        paper.stem,
        lambda: set_field(paper, "title", "A Completely New Title for Testing"),
    )
    result = build(built_site)
    assert_written_is_what_changed(result, before, ino, out)
    written = set(result.written)
    s = load_site(built_site, BASE_URL).site
    p = next(p for p in s.papers if p.slug == paper.stem)
    topic = s.topic_by_code[p.topic].slug
    for rel in (
        f"papers/{p.slug}/index.html",
        "timeline/index.html",
        f"topics/{topic}/index.html",
        *(f"coauthors/{c.slug}/index.html" for c in p.coauthors),
    ):
        assert rel in written, rel
        assert b"A Completely New Title for Testing" in (out / rel).read_bytes(), rel
    assert written <= allowed, sorted(written - allowed)
    untouched = [q for q in papers if f"papers/{q.stem}/index.html" not in written]
    assert len(untouched) >= len(papers) // 2, sorted(written)
    assert "404.html" not in written
    assert_same_as_cold(built_site, tmp_path)


def test_a_type_edit_rewrites_the_cv_and_the_paper_page(built_site: Path, tmp_path: Path) -> None:
    """The first `type` puts the CV's publications under headings by type, and a change of
    it moves the paper: the CV's key covers each paper's `type`, as its page's does."""
    out = built_site / "output"
    paper = paper_not_in_site_feed(built_site, 5)
    assert "cv-kind" not in (out / "cv" / "index.html").read_text()
    for kind, label, heading in (
        ("conference", "Conference paper", "Conference papers"),
        ("chapter", "Book chapter", "Book chapters"),
    ):
        set_field(paper, "type", kind)
        result = build(built_site)
        assert result.incremental
        assert {"cv/index.html", f"papers/{paper.stem}/index.html"} <= set(result.written)
        assert f"<span>{label}</span>" in (out / "papers" / paper.stem / "index.html").read_text()
        cv = (out / "cv" / "index.html").read_text()
        assert f'<h3 class="cv-kind">{heading}</h3>' in cv
        assert_same_as_cold(built_site, tmp_path / kind)


@pytest.mark.slow
def test_list_items_and_citations_are_kept_between_builds(built_site: Path, tmp_path: Path) -> None:
    """After a title edit, the lists and the site-wide citation files take every other
    paper's item and entry from the cache and make the edited paper's alone; edits to
    the item's template make new keys for all items, and the stale ones go once there
    are more than PIECES_KEPT per paper."""
    cache = built_site / CACHE_DIR / "pieces.pickle"

    def items() -> dict[str, str]:
        return read_cache(cache)

    first = items()
    papers = len(paper_files(built_site))
    assert 2 * papers <= len(first) <= build_module.PIECES_KEPT * papers
    set_field(paper_not_in_site_feed(built_site, 5), "title", "A Title Only One Paper Has")
    build(built_site)
    added = {k: v for k, v in items().items() if k not in first}
    assert 5 <= len(added) <= build_module.PIECES_KEPT, added  # 2 or 3 depths, 3 files
    assert all("A Title Only One Paper Has" in html for html in added.values())
    assert items().keys() >= first.keys()
    assert_same_as_cold(built_site, tmp_path / "a")

    item = built_site / "templates" / "fragments" / "paper_item.html"
    item.parent.mkdir(parents=True)
    made = []
    for n in range(4):
        item.write_text(f"{{# edit {n} #}}" + (THEME / "fragments/paper_item.html").read_text())
        build(built_site)
        made.append(set(items()) - set().union(*made, first, added))
        assert len(made[-1]) >= 2 * papers
        assert set(items()) >= made[-1]  # what this build made is always kept
    assert len(items()) <= build_module.PIECES_KEPT * papers + len(made[-1])
    assert_same_as_cold(built_site, tmp_path / "b")


def test_an_edit_to_a_recent_paper_leaves_unrelated_pages_alone(built_site: Path) -> None:
    newest = load_site(built_site, BASE_URL).site.papers[0]
    set_field(built_site / newest.source, "title", "A new title for the newest paper")
    written = set(build(built_site).written)
    assert "404.html" not in written
    assert written <= pages_showing(built_site, {newest.slug}), sorted(
        written - pages_showing(built_site, {newest.slug})
    )


# ---------------------------------------------------------------- templates


def test_related_papers_are_scored_again_only_when_a_text_changes(
    built_site: Path, tmp_path: Path
) -> None:
    """Scoring reads slugs, titles and abstracts only: a date edit reuses the last result,
    an abstract edit scores afresh; either way the site is what a cold build makes."""
    cache = built_site / ".sitegen-cache" / "related.pickle"
    scored = cache.stat().st_mtime_ns
    paper = paper_files(built_site)[0]
    set_field(paper, "date", "2011-02-03")
    build(built_site)
    assert cache.stat().st_mtime_ns == scored
    assert_same_as_cold(built_site, tmp_path / "a")
    set_abstract(paper, "Graph neural networks for protein folding at scale.")
    build(built_site)
    assert cache.stat().st_mtime_ns != scored
    assert_same_as_cold(built_site, tmp_path / "b")


def test_template_edit_rewrites_only_pages_using_it(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    override = built_site / "templates"
    override.mkdir()
    (override / "topic.html").write_text(
        (THEME / "topic.html")
        .read_text()
        .replace("{% block content %}", "{% block content %}\n<!-- mine -->", 1)
    )
    result = build(built_site)
    topic_pages = {
        rel for rel in tree_bytes(out) if re.fullmatch(r"(topics|tags)/[^/]+/index\.html", rel)
    }
    assert set(result.written) == topic_pages, sorted(set(result.written) ^ topic_pages)
    assert all("<!-- mine -->" in (out / rel).read_text() for rel in result.written)

    # the list item is a fragment every list page shows: editing it reaches those, not 404
    before, ino = tree_bytes(out), inodes(out)
    item = "fragments/paper_item.html"
    (override / "fragments").mkdir()
    (override / item).write_text(
        (THEME / item).read_text().replace('class="paper-title"', 'class="paper-title x"')
    )
    result = build(built_site)
    assert_written_is_what_changed(result, before, ino, out)
    written = set(result.written)
    assert "timeline/index.html" in written
    assert 'class="paper-title x"' in (out / "timeline/index.html").read_text()
    assert "404.html" not in written
    assert not any(rel.endswith((".xml", ".bib", ".ris", ".json")) for rel in written), written

    # and removing the overrides brings back the theme's pages exactly
    shutil.rmtree(override)
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


# ---------------------------------------------------------------- a series of edits


@pytest.mark.slow  # 2 to 5 s: a dozen builds
def test_series_of_edits_equals_cold_build(built_site: Path, tmp_path: Path) -> None:
    papers = paper_files(built_site)
    steps: list[Callable[[], object]] = [
        lambda: set_field(papers[0], "title", "Renamed: $O(N^2)$ <script>alert(1)</script>"),
        lambda: set_abstract(papers[1], "Short abstract with a [link](https://example.org/)."),
        lambda: set_field(papers[2], "date", "2019-01-02"),
        lambda: set_field(papers[3], "topic", "CV"),
        lambda: set_field(papers[4], "code", True),
        lambda: papers[5].write_text(
            papers[5].read_text().replace("---\n", "---\ntags: [fresh]\n", 1)
        ),
        lambda: papers[6].unlink(),
        lambda: shutil.copy(papers[7], papers[7].with_name("2026-a-brand-new-paper.md")),
        lambda: set_field(papers[8], "draft", True),
        lambda: (built_site / "sitegen.yaml").write_text("title: Another Title\nfeed_size: 5\n"),
        lambda: (built_site / "sitegen.yaml").write_text(
            "language: de\nwords:\n  News: Aktuelles\n"
        ),
        lambda: (built_site / "content" / "people.yaml").write_text(
            "- name: Mao Ye\n  aliases: [M. Ye]\n  homepage: https://example.org/mao\n"
        ),
        lambda: (
            (built_site / "static").mkdir()
            or (built_site / "static" / "extra.txt").write_text("hi\n")
        ),
    ]
    for i, step in enumerate(steps):
        step()
        build(built_site)
        if i in (0, 3, 6, 9, len(steps) - 1):
            assert_same_as_cold(built_site, tmp_path)
    # and back: removing the people file and the config
    (built_site / "content" / "people.yaml").unlink()
    (built_site / "sitegen.yaml").unlink()
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


@pytest.mark.slow
def test_a_date_given_to_the_month_then_the_year_equals_a_cold_build(
    built_site: Path, tmp_path: Path
) -> None:
    """How much of a date is known changes a paper's page and citations but not its
    `date`, which the lists sort by: each is still what a cold build makes."""
    paper = paper_files(built_site)[2]
    for date, shown in ((2020, "2020"), ("2020-03", "March 2020")):
        set_field(paper, "date", date)
        build(built_site)
        assert_same_as_cold(built_site, tmp_path / str(date))
        slug = paper.stem
        assert f"· {shown} " in parse(built_site / "output" / "papers" / slug / "index.html").text


@pytest.mark.slow
def test_pages_of_ones_own_edited_added_and_deleted_equal_a_cold_build(
    built_site: Path, tmp_path: Path
) -> None:
    """content/pages/*.md come and go as papers do; a nav entry to one is no dead link
    while it is there, and one once it is gone; a bad one changes nothing."""
    pages = built_site / "content" / "pages"
    pages.mkdir()
    (built_site / "sitegen.yaml").write_text("nav:\n- {title: Teaching, url: /teaching/}\n")
    steps: list[Callable[[], object]] = [
        lambda: (pages / "teaching.md").write_text("---\ntitle: Teaching\n---\nMondays.\n"),
        lambda: (pages / "teaching.md").write_text("---\ntitle: Teaching\n---\n# $x^2$ too\n"),
        lambda: (pages / "group.md").write_text("---\ntitle: Group\ndescription: Us.\n---\n"),
        lambda: (pages / "teaching.md").unlink(),
    ]
    for step in steps:
        step()
        result = build(built_site)
        assert_same_as_cold(built_site, tmp_path)
        dead = [w for w in result.warnings if "nav entry 'Teaching'" in str(w)]
        assert bool(dead) == (not (pages / "teaching.md").exists()), result.warnings
    before = tree_bytes(built_site / "output")
    (pages / "group.md").write_text("---\ntitle: Group\nfoo: 1\n---\n")
    with pytest.raises(SitegenError, match="unknown key 'foo'"):
        build(built_site)
    assert tree_bytes(built_site / "output") == before


@pytest.mark.slow
def test_a_words_edit_equals_a_cold_build(built_site: Path, tmp_path: Path) -> None:
    """The words are a global every page's key holds by value (every page shows some): one
    phrase changed in sitegen.yaml reaches the pages and feeds that show it, as a cold
    build does."""
    config = built_site / "sitegen.yaml"
    config.write_text("language: de\n", encoding="utf-8")
    build(built_site)
    assert_same_as_cold(built_site, tmp_path / "a")
    config.write_text("language: de\nwords:\n  Abstract: Kurzfassung\n", encoding="utf-8")
    build(built_site)
    page = built_site / "output" / "papers" / paper_files(built_site)[0].stem / "index.html"
    assert "Kurzfassung" in page.read_text(encoding="utf-8")
    assert_same_as_cold(built_site, tmp_path / "b")
    config.write_text("language: de\nwords:\n  et al.: u. a.\n", encoding="utf-8")
    assert "feed.xml" in build(built_site).written  # a byline: in lists and in feeds
    assert_same_as_cold(built_site, tmp_path / "c")
    # a site theme's words file: the config, which every page names too, is unchanged
    mine = built_site / "themes" / "mine" / "words" / "de.yaml"
    mine.parent.mkdir(parents=True)
    mine.write_text("Related papers: Siehe auch\n", encoding="utf-8")
    config.write_text("language: de\ntheme: mine\n", encoding="utf-8")
    build(built_site)
    assert_same_as_cold(built_site, tmp_path / "d")
    mine.write_text("Related papers: Verwandte Arbeiten\n", encoding="utf-8")
    build(built_site)
    assert "Verwandte Arbeiten" in page.read_text(encoding="utf-8")
    assert_same_as_cold(built_site, tmp_path / "e")


# ---------------------------------------------------------------- robustness


def test_the_parsed_papers_are_written_again_only_when_a_paper_file_changed(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewriting the cache of 10,000 parses took 0.4 s: a template or config edit keeps it,
    and a paper edit rewrites only the one of its PAPER_SHARDS files that holds the paper."""
    cache = built_site / CACHE_DIR / "papers"
    # Files count as old at once, and one build records their stats: otherwise the build in
    # which they pass RACY_SECONDS records them, which a busy machine made the second one.
    monkeypatch.setattr(build_module, "RACY_SECONDS", -1.0)
    build(built_site)

    def stamps() -> dict[str, tuple[int, int]]:
        return {f.name: (f.stat().st_mtime_ns, f.stat().st_ino) for f in cache.iterdir()}

    before = stamps()
    assert len(before) > 1
    (built_site / "sitegen.yaml").write_text("title: Another title\n", encoding="utf-8")
    build(built_site)
    assert stamps() == before
    paper_files(built_site)[0].unlink()  # a paper gone: its parse goes too
    build(built_site)
    after = stamps()
    assert len([n for n in before if after[n] != before[n]]) == 1
    assert_same_as_cold(built_site, tmp_path)


def test_a_paper_is_read_again_only_when_its_stat_changed_or_was_recent(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading every paper's bytes to find the one edited took 1.3 s of a one-edit build at
    10,000 papers once the OS had let go of the files. A paper whose stat is as cached, and
    was cached while it was older than RACY_SECONDS, is not read; a touched one is read once
    and its new stat kept; one saved just now is read until it is older."""
    papers = paper_files(built_site)
    read: list[str] = []
    real = Path.read_bytes

    def counted(path: Path) -> bytes:
        if path.parent.name == "papers" and path.suffix == ".md":
            read.append(path.name)
        return real(path)

    # a file's ctime counts, which no test can date back: its files count as old at once
    monkeypatch.setattr(build_module, "RACY_SECONDS", -1.0)
    build(built_site)
    monkeypatch.setattr(Path, "read_bytes", counted)
    set_field(papers[2], "title", "Edited long ago")
    os.utime(papers[5])  # touched: the same bytes, a new stat
    build(built_site)
    assert sorted(read) == sorted([papers[2].name, papers[5].name])
    read.clear()
    build(built_site)  # nothing read: every stat is as cached, and was old when cached
    assert read == []
    monkeypatch.setattr(build_module, "RACY_SECONDS", 2.0)
    set_field(papers[7], "title", "Edited just now")  # a recent mtime: not trusted yet
    for _ in range(2):
        read.clear()
        build(built_site)
        assert read == [papers[7].name]
    assert_same_as_cold(built_site, tmp_path)


def test_a_file_rewritten_with_its_size_and_mtime_put_back_is_read_again(
    built_site: Path, tmp_path: Path
) -> None:
    """A hunter's: an edit of the same length whose mtime was set back (`touch -r`, a
    reproducible tarball's, Nix's mtime of 1) kept its stale pages, even after later builds:
    the file's ctime, which no one can set back, counts as git counts it."""
    paper = paper_files(built_site)[3]
    os.utime(paper, ns=(1_000_000_000, 1_000_000_000))
    build(built_site)
    text = paper.read_text(encoding="utf-8")
    title = re.search(r"(?m)^title: (.*)$", text).group(1)
    with open(paper, "r+", encoding="utf-8") as f:  # in place: the same inode and size
        f.write(text.replace(title, title[::-1], 1))
    os.utime(paper, ns=(1_000_000_000, 1_000_000_000))
    result = build(built_site)
    assert any(w.startswith("papers/") for w in result.written)
    assert_same_as_cold(built_site, tmp_path)


def test_corrupt_cache_means_a_cold_build(built_site: Path, tmp_path: Path) -> None:
    cache = built_site / CACHE_DIR
    files = [p for p in cache.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert "00.pickle" in names and any(n.startswith("state-") for n in names), names
    for p in files:  # the state, the parsed papers, Jinja's compiled templates
        p.write_bytes(b"\x00garbage" * (len(files) % 7 + 1))
    set_field(paper_files(built_site)[0], "title", "After the cache broke")
    result = build(built_site)
    assert not result.incremental and len(result.written) == result.files
    assert_same_as_cold(built_site, tmp_path)
    assert build(built_site).written == ()  # and the cache works again


def test_missing_output_or_cache_means_a_cold_build(built_site: Path, tmp_path: Path) -> None:
    shutil.rmtree(built_site / "output")
    result = build(built_site)
    assert not result.incremental and len(result.written) == result.files
    assert_same_as_cold(built_site, tmp_path)
    shutil.rmtree(built_site / CACHE_DIR)
    result = build(built_site)
    assert not result.incremental and len(result.written) == result.files
    assert_same_as_cold(built_site, tmp_path)


def modes(root: Path) -> set[tuple[str, int]]:
    """Every file's and folder's permission bits, the top folder's as ".", which a web
    server or an `rsync -a` deploy goes by; Pagefind's names vary, so its are by kind."""
    found = set()
    for p in [root, *root.rglob("*")]:
        rel = p.relative_to(root).as_posix()
        rel = "pagefind/" + "*/" * p.is_dir() if rel.startswith("pagefind/") else rel
        found.add((rel, stat.S_IMODE(p.stat().st_mode)))
    return found


@pytest.mark.slow
def test_a_build_under_another_umask_has_the_modes_a_cold_build_has(
    built_site: Path, tmp_path: Path
) -> None:
    """After a build under umask 077, builds under 022 kept hundreds of files 0600 and
    folders 0700, output/ too: a no-op changed nothing, and the others hard-linked the
    kept files, reused the old site's folders and linked pagefind/. A web server or a
    deploy then refused them, and no later build repaired it."""

    def build_under(umask: int, site: Path) -> None:
        old = os.umask(umask)
        try:
            run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
        finally:
            os.umask(old)

    build_under(0o077, built_site)
    paper = paper_files(built_site)[0]
    for edit in ("", "\nOne more line.\n", "\nAnd another.\n"):  # no change, then edits
        paper.write_text(paper.read_text(encoding="utf-8") + edit, encoding="utf-8")
        age_inputs(built_site)
        build_under(0o022, built_site)
        cold = copy_inputs(built_site, tmp_path / "cold")
        build_under(0o022, cold)
        want = modes(cold / "output")
        assert {mode for _, mode in want} == {0o644, 0o755}
        assert modes(built_site / "output") == want


def test_a_killed_builds_leftovers_are_cleared(built_site: Path, tmp_path: Path) -> None:
    """A build killed mid-way leaves its temporary folder; output/ itself was never touched.
    The folder of a build still running (another `sitegen build`) is in use: left alone."""
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        leftover = built_site / ".output.tmp-999999"
        in_use = built_site / f".output.tmp-{running.pid}"
        for folder in (leftover, in_use):
            (folder / "papers").mkdir(parents=True)
            (folder / "papers" / "half.html").write_text("half-written")
        set_field(paper_files(built_site)[0], "title", "After a crash")
        build(built_site)
        assert not leftover.exists()
        assert (in_use / "papers" / "half.html").read_text() == "half-written"
        assert_same_as_cold(built_site, tmp_path)
    finally:
        running.kill()
        running.wait()


def test_failed_incremental_build_changes_nothing(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    before, ino = tree_bytes(out), inodes(out)
    good, bad = paper_files(built_site)[:2]
    set_field(good, "title", "A fine edit")
    bad.write_text(bad.read_text().replace("title:", "title: [unclosed", 1))
    proc = cli_build(built_site)
    assert proc.returncode == 1 and bad.name in proc.stderr
    assert tree_bytes(out) == before and inodes(out) == ino
    assert not [p for p in built_site.iterdir() if p.name.startswith(".output")]
    # a template that fails while rendering: the same
    (built_site / "templates").mkdir()
    (built_site / "templates" / "timeline.html").write_text("{{ no_such_variable }}\n")
    assert cli_build(built_site).returncode == 1
    assert tree_bytes(out) == before and inodes(out) == ino
    shutil.rmtree(built_site / "templates")
    bad.write_text(bad.read_text().replace("title: [unclosed", "title:", 1))
    result = build(built_site)
    assert any(rel.startswith(f"papers/{good.stem}/") for rel in result.written)
    assert_same_as_cold(built_site, tmp_path)


def test_warnings_are_repeated_by_a_noop_build(fresh_site: Path) -> None:
    age_inputs(fresh_site)
    first = run_cli("build", "--site", fresh_site, "--no-search")
    second = run_cli("build", "--site", fresh_site, "--no-search")
    assert first.returncode == second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
    assert first.stderr == second.stderr
    assert "no base URL" in second.stderr


def test_damaged_output_is_restored(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    page = out / "timeline" / "index.html"
    page.write_text("edited by hand")
    (out / "robots.txt").unlink()
    css = next((out / "assets").glob("style.*.css"))
    css.write_bytes(css.read_bytes() + b"/* mine */")
    proc = cli_build(built_site)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r", 3 written, 3 damaged in the output restored\)", proc.stdout), proc.stdout
    assert_same_as_cold(built_site, tmp_path)
    assert "nothing changed" in cli_build(built_site).stdout


def test_damaged_output_is_found_by_other_processes(
    built_site: Path, tmp_path: Path, monkeypatch
) -> None:
    """A large output is checked in shares by forked processes (forced here): every
    share's damage is found, and a build that finds none writes nothing."""
    from sitegen import state

    monkeypatch.setattr(state, "PARALLEL_STATS", 1)
    out = built_site / "output"
    assert build(built_site, jobs=3).written == ()
    damaged = sorted(p for p in out.rglob("*.html"))[:7]
    for page in damaged:
        page.write_text("edited by hand")
    result = build(built_site, jobs=3)
    assert result.restored == len(damaged)
    assert set(result.written) == {p.relative_to(out).as_posix() for p in damaged}
    assert_same_as_cold(built_site, tmp_path)


def test_an_edit_keeping_size_and_mtime_is_seen_while_the_mtime_is_recent(
    built_site: Path, tmp_path: Path
) -> None:
    """Stats are trusted only for files older than the last scan (minus 2 s): an edit that
    keeps the size and the mtime (a coarse clock, two saves in one tick) is still seen.
    The mtime is set past the scans instead of relying on the test being quick."""
    paper = paper_files(built_site)[3]
    recent = time.time() + 3600
    set_field(paper, "title", "Same length A")
    os.utime(paper, (recent, recent))
    build(built_site)
    set_field(paper, "title", "Same length B")
    os.utime(paper, (recent, recent))  # same size, same mtime as the last build saw
    result = build(built_site)
    assert f"papers/{paper.stem}/index.html" in result.written
    assert_same_as_cold(built_site, tmp_path)


# ---------------------------------------------------------------- parallel rendering


@pytest.mark.slow
def test_parallel_output_equals_serial(fresh_site: Path, tmp_path: Path, monkeypatch) -> None:
    """Processes are an optimisation: the bytes must not change (small site, forced)."""
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 2)
    outputs = {}
    for jobs in (2, 1):
        result = build(fresh_site, output=tmp_path / f"jobs{jobs}", jobs=jobs, use_cache=False)
        outputs[jobs] = tree_bytes(result.output)
    assert_same_trees(outputs[2], outputs[1])
    # and incremental builds keyed in shares by two and three processes, the kept
    # files linked by as many
    monkeypatch.setattr(build_module, "PARALLEL_LINKS", 2)
    monkeypatch.setattr(build_module, "PARALLEL_KEYS", 2)
    out = tmp_path / "jobs2"
    for jobs in (2, 3):
        before, ino = tree_bytes(out), inodes(out)
        set_field(paper_files(fresh_site)[jobs], "title", f"Edited, then built by {jobs}")
        result = build(fresh_site, output=out, jobs=jobs)
        assert 0 < len(result.written) < len(before) / 2
        assert_written_is_what_changed(result, before, ino, out)  # the rest keep their inodes
        assert_same_as_cold(fresh_site, tmp_path, output=out)


@pytest.mark.slow
def test_a_template_saved_while_keys_are_made_leaves_no_page_stale(
    fresh_site: Path, tmp_path: Path, monkeypatch
) -> None:
    """Keys made in several processes read the templates' texts this process read, which
    renders: a template saved while another process keyed its share was read by it, so a page
    made from the old text was kept under the new text's key, stale through every later
    build (an incremental-build hunter's report). The save lands in a keying process here."""
    part = fresh_site / "templates" / "parts" / "x.html"
    part.parent.mkdir(parents=True)
    part.write_text('<meta name="x" content="old">\n')
    for page in ("index.html", "404.html"):  # none that a build reads before its keys
        (fresh_site / "templates" / page).write_text(
            f'{{% extends "default/{page}" %}}{{% block head %}}{{% include "parts/x.html" %}}'
            "{% endblock %}"
        )
    build(fresh_site, jobs=2)
    monkeypatch.setattr(build_module, "PARALLEL_KEYS", 2)
    real, parent = build_module.map_shares, os.getpid()

    def saving_meanwhile(fn, items, jobs, *rest):
        def key(item):
            if os.getpid() != parent and "new" not in part.read_text():
                time.sleep(0.5)  # this process has keyed pages by the old text meanwhile
                part.write_text('<meta name="x" content="new">\n')
            return fn(item)

        return real(key, items, jobs, *rest)

    monkeypatch.setattr(build_module, "map_shares", saving_meanwhile)
    set_field(paper_files(fresh_site)[0], "title", "Edited while a template is saved")
    build(fresh_site, jobs=2)
    monkeypatch.setattr(build_module, "map_shares", real)
    build(fresh_site, jobs=2)  # the new text: every page that includes it is made again
    assert_same_as_cold(fresh_site, tmp_path)


def test_a_build_pauses_the_collector_and_its_children_collect(
    fresh_site: Path, monkeypatch
) -> None:
    """build_site runs with Python's cyclic collector paused (state.collector_paused):
    full passes over a large site's heap found almost nothing. A forked child, which
    renders thousands of pages, collects again; and the caller's collector is back on
    after a build, failed or not."""
    from sitegen.state import collector_paused, fork_map

    during = []
    load = build_module.load_site
    monkeypatch.setattr(
        build_module, "load_site", lambda *a, **k: during.append(gc.isenabled()) or load(*a, **k)
    )
    build(fresh_site, use_cache=False)
    assert during == [False] and gc.isenabled()
    paper = paper_files(fresh_site)[0]
    paper.write_text(paper.read_text(encoding="utf-8").replace("title:", "titel:", 1))
    with pytest.raises(SitegenError):
        build(fresh_site)
    assert gc.isenabled()
    with collector_paused():  # the first item is this process's, which stays paused
        assert fork_map(lambda _: gc.isenabled(), [1, 2, 3], 3) == [False, True, True]
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_process_that_dies_sending_its_result_is_a_build_process_that_died() -> None:
    """A child whose result fails to pickle halfway through (past the pipe's buffer) sent
    part of it: the parent unpickled the part, raised a bare EOFError or UnpicklingError
    and left the children after it unwaited. Only a child that exited 0 sent a result."""
    from sitegen.state import fork_map

    def work(n: int) -> object:
        return ["y" * 200_000, lambda: n] if n == 2 else n

    with pytest.raises(RuntimeError, match="a build process died"):
        fork_map(work, [1, 2, 3], 3)


def test_children_are_stopped_when_waiting_for_them_is_interrupted(tmp_path: Path) -> None:
    """`sitegen serve` stopped by SIGTERM during a build raised KeyboardInterrupt while
    fork_map waited for its children: they went on alone, writing into the preview's
    deleted folder and holding its port. They are now killed and reaped."""
    import signal

    from sitegen.state import fork_map

    def work(n: int) -> int:
        (tmp_path / f"{n}.pid").write_text(str(os.getpid()))
        time.sleep(30)
        return n

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # while the parent waits for the children
        with pytest.raises(KeyboardInterrupt):
            fork_map(work, [1, 2], 2, meanwhile=lambda: None)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    pids = [int((tmp_path / f"{n}.pid").read_text()) for n in (1, 2)]
    for pid in pids:  # gone, and reaped: no such process, not even a zombie
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_children_die_with_a_build_killed_outright(tmp_path: Path) -> None:
    """After `kill -9` of a build its children went on, holding the site's lock, and the next
    build waited for them without a word (an incremental-build hunter's report)."""
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from sitegen.state import fork_map\n"
        "def work(n):\n"
        "    Path(sys.argv[1], f'{n}.pid').write_text(str(os.getpid()))\n"
        "    time.sleep(30)\n"
        "fork_map(work, [1, 2], 2, meanwhile=lambda: time.sleep(30))\n"
    )
    build = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)])
    pids = [tmp_path / f"{n}.pid" for n in (1, 2)]
    deadline = time.monotonic() + 20
    while not all(p.exists() and p.read_text() for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    build.kill()
    build.wait()
    children = [int(p.read_text()) for p in pids]

    def running() -> list[int]:  # a zombie has died: only its reaping is left to do
        stats = (Path(f"/proc/{pid}/stat") for pid in children)
        return [s for s in stats if s.exists() and s.read_text().split(") ")[-1][:1] != "Z"]

    deadline = time.monotonic() + 5
    while running() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running()


@pytest.mark.slow
def test_parallel_output_equals_serial_at_400_papers(tmp_path: Path) -> None:
    """Past PARALLEL_MIN without forcing it, through the command line."""
    profile = tmp_path / "p.txt"
    subprocess.run(
        [sys.executable, MAKE_PROFILE, "--papers", "400", "--seed", "3", "--out", profile],
        check=True,
    )
    site = tmp_path / "site"
    site.mkdir()
    run_cli("import", profile, "--site", site, "--as-of", AS_OF, check=True)
    outputs = {}
    for jobs in ("2", "1"):
        out = tmp_path / f"jobs{jobs}"
        proc = cli_build(site, "--output", str(out), "--no-cache", "--jobs", jobs)
        assert proc.returncode == 0, proc.stderr
        outputs[jobs] = tree_bytes(out)
    assert_same_trees(outputs["2"], outputs["1"])


# ---------------------------------------------------------------- the proof: any edits

OWNER = "Ada Lovelace"
PEOPLE = ["Jane Smith", "J. Smith", "Bob Stone", "Carla Diaz", "Dan Wu", "Eve Noor"]
TOPICS = ["LG", "CV", "CL"]
TAGS = ["graphs", "vision", "theory", "speech"]
WORDS = (
    "graph neural network vision transformer language model speech kernel "
    "diffusion sampling theory bound convex splitting growth attention"
).split()
TITLES = ["Learning to Split", "Graphs All the Way", "A Note on $O(n)$", "Seeing <Things>"]


def abstract(k: int) -> str:
    """Distinct word mixes, so that related-paper lists move when abstracts change."""
    words = [WORDS[(k * 7 + i * (k % 5 + 1)) % len(WORDS)] for i in range(12)]
    return f"We study {' '.join(words)}. Variant {k} with *emphasis* and $x_{k}$."


def paper_text(k: int, authors: list[str], tags: list[str], date: str, title: str) -> str:
    lines = ["---", f"title: {json.dumps(title)}", f"date: {date}", f"topic: {TOPICS[k % 3]}"]
    lines += ["authors:", *(f"- {json.dumps(a)}" for a in authors)]
    if tags:
        lines.append(f"tags: {json.dumps(tags)}")
    return "\n".join([*lines, "---", abstract(k), ""])


# Site templates that read data the ways a dependency predictor would miss.
ADVERSARIAL = {
    # the case: a joint paper's abstract through a computed item name;
    # and a layout whose name is computed
    "coauthor.html": """\
{% set layout = "ba" ~ "se.html" %}
{% extends layout %}
{% block content %}
<h1>{{ coauthor.person|attr("na" ~ "me") }} rev0</h1>
{% if coauthor.person.homepage %}<a href="{{ coauthor.person.homepage }}">home</a>{% endif %}
<ul>
{% include ["optional_note.html", "part_fallback.html"] %}
{% for p in coauthor.papers %}
{% set f = "summary" ~ "_text" %}
<li>{{ p|attr("ti" ~ "tle") }} ({{ p.date }}): {{ p[f] }}
{% for a in p.authors %}{{ a.person.name }} {{ a.person.homepage }};{% endfor %}</li>
{{ fragment("fragments/adv.html", p=p, n=loop.index % 2, when=p.date.strftime) }}
{% endfor %}
</ul>
{% endblock %}
""",
    # computed names on the page's own paper, its neighbours and related papers;
    # profile and owner are globals; an optional part that may not exist
    "paper.html": """\
{% extends "base.html" %}
{% block content %}
{% set f = "summary" ~ "_text" %}
<h1>{{ paper|attr("ti" ~ "tle") }} rev0</h1>
<p>{{ paper["body" ~ "_html"]|safe }}</p>
<p>{% for a in paper.authors %}{{ a.person["name"] }} {{ a.person.homepage }}; {% endfor %}</p>
<p>{{ paper.tags|join(", ") }} {{ topic.name }} {{ topic_labels[paper.topic]["na" ~ "me"] }}</p>
{% if older %}<p>older: {{ older|attr("ti" ~ "tle") }}: {{ older[f] }}</p>{% endif %}
{% if newer %}<p>newer: {{ newer|attr("ti" ~ "tle") }}</p>{% endif %}
{% for r in related %}<p>related: {{ r.title }}: {{ r[f] }}</p>{% endfor %}
<p>{{ profile["ex" ~ "tra"].get("bio", "") }} {{ owner|attr("na" ~ "me") }}</p>
{% include "optional_note.html" ignore missing %}
{% import "_adv_counter.html" as counter %}<p>counter {{ counter.bump() }}</p>
{% endblock %}
""",
    # state at an imported module's top level: a page made after others must not see
    # what they did to it (Jinja keeps a module imported without context)
    "_adv_counter.html": """\
{% set ns = namespace(n=0) %}
{% macro bump() %}{% set ns.n = ns.n + 1 %}{{ ns.n }} rev0{% endmacro %}
""",
    # a dynamic include: the template depends on the topic's kind
    "topic.html": """\
{% extends "base.html" %}
{% block content %}
{% include "part_" ~ topic.kind ~ ".html" %}
{% endblock %}
""",
    "part_topic.html": """\
<h1>{{ topic.name }} rev0</h1>
{% for p in topic.papers %}
<p>{{ p["ti" ~ "tle"] }}: {{ p|attr("summary_" ~ "text") }}</p>
{% endfor %}
<p>{{ profile.metrics }} {{ owner.name }}</p>
""",
    "part_tag.html": """\
<h1>#{{ topic.name }} rev0</h1>
{% for p in topic.papers %}<p>{{ p.title }} {{ p.date }} {{ config.topic_names }}</p>{% endfor %}
""",
    # a fragment (rendered once per arguments and depth) reading a computed name and globals
    "fragments/adv.html": """\
<p>{{ n }} {{ p["summary" ~ "_text"] }} {{ p.authors|map(attribute="person.homepage")|join }}
{{ profile.extra }} {{ site_title }} {{ urls.paper(p.slug)|rel }} {{ when("%d %b") }} rev0</p>
""",
    # shown by coauthor pages while optional_note.html is missing (not while it is empty)
    "part_fallback.html": "<aside>no note rev0 {{ coauthor.count }}</aside>\n",
    # macros that are handed the whole site
    "_adv_macros.html": """\
{% macro everything(s) %}
<section>rev0
{% set f = "summary" ~ "_text" %}
{% for p in s.papers %}<p>{{ p|attr("ti" ~ "tle") }}: {{ p[f] }} {{ p.tags }}</p>{% endfor %}
{% for c in s.coauthors %}
<p>{{ c.person.name }} {{ c.person.homepage }} {{ c.count }}</p>
{% endfor %}
<p>{{ s.config.title }} {{ s.config["related_" ~ "papers"] }} {{ s.profile.extra }}</p>
</section>
{% endmacro %}
{% macro titles(years) %}
<ol>{% for y in years %}{% for p in y.papers %}
<li>{{ p["ti" ~ "tle"] }} {{ p.date }}</li>
{% endfor %}{% endfor %}</ol>
{% endmacro %}
""",
    "index.html": """\
{% extends "base.html" %}
{% import "_adv_macros.html" as adv %}
{% block content %}
<h1>{{ site_title }} rev0</h1>
{% for p in recent %}<p>{{ p|attr("ti" ~ "tle") }}</p>{% endfor %}
<p>{{ config["home_" ~ "papers"] }} {{ config.topic_names }}</p>
{{ adv.everything(site) }}
{% endblock %}
""",
    # a dynamic import
    "timeline.html": """\
{% extends "base.html" %}
{% set name = "_adv" ~ "_macros.html" %}
{% import name as m %}
{% block content %}
<h1>Timeline rev0</h1>
{{ m.titles(years) }}
{% endblock %}
""",
}
# theme templates a site may shadow, and the edit that marks the copy
SHADOWABLE = {
    "_macros.html": ('class="authors"', 'class="authors s{k}"'),
    "fragments/paper_item.html": ('class="paper-title"', 'class="paper-title s{k}"'),
    "base.html": ("<body>", "<body>\n<!-- shadow {k} -->"),
    "coauthors.html": ("{% block content %}", "{% block content %}<!-- shadow {k} -->"),
    "404.html": ("{% block content %}", "{% block content %}<!-- shadow {k} -->"),
}
PROFILES = [
    {},
    {"bio": "I study graphs."},
    {"bio": "I study <b>vision</b> & speech."},
    {"metrics": {"h_index": 7, "citations": 120}},
]
PEOPLE_FILES = [
    None,
    [{"name": "Jane Smith", "aliases": ["J. Smith"]}],
    [{"name": "Jane Smith", "aliases": ["J. Smith"], "homepage": "https://example.org/jane"}],
    [{"name": "Bob Stone", "homepage": "https://example.org/bob", "affiliation": "MIT"}],
    [{"name": "Carla Diaz", "aliases": ["Dan Wu"]}],
]
CONFIGS = [
    {},
    {"title": "Another Title"},
    {"home_papers": 2, "related_papers": 1},
    {"topic_names": {"LG": "Machine Learning", "CL": "Language"}},
    {"related_papers": 0, "title": "Zero Related"},
    {"language": "de"},
    {"language": "de", "words": {"Abstract": "Kurzfassung", "May": "Mai."}},
    {"words": {"Related papers": "See also", "et al.": "and others", "{n} papers": "{n} articles"}},
]


class Editor:
    """Applies edit operations to a site, giving every written file a fresh past mtime."""

    def __init__(self, site: Path):
        self.site = site
        self.clock = time.time() - 100_000  # far in the past: the fast path may apply
        self.log: list[str] = []
        self.optional = 0  # optional_note.html: 0 missing, 1 empty, 2 with text

    def put(self, path: Path, text: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, str):
            text = text.encode("utf-8")
        path.write_bytes(text)
        self.clock += 1.0  # distinct from every earlier mtime this test gave
        os.utime(path, (self.clock, self.clock))

    def papers(self) -> list[Path]:
        return paper_files(self.site)

    def make(self) -> None:
        for k in range(7):
            authors = [OWNER, PEOPLE[k % len(PEOPLE)], PEOPLE[(k + 2) % len(PEOPLE)]]
            tags = [TAGS[k % len(TAGS)]] if k % 2 else []
            date = f"20{18 + k % 5}-0{1 + k % 9}-1{k % 9}"
            self.put(
                self.site / "content" / "papers" / f"paper-{k}.md",
                paper_text(k, authors, tags, date, f"Paper {k}: {TITLES[k % len(TITLES)]}"),
            )
        self.put(self.site / "content" / "profile.yaml", f"name: {OWNER}\nfield: LG\n")
        for name, text in ADVERSARIAL.items():
            self.put(self.site / "templates" / name, text)

    def front(self, path: Path, key: str, value: object) -> None:
        text = path.read_text()
        if value is None:
            new = re.sub(rf"(?m)^{key}:.*\n", "", text, count=1)
        else:
            line = f"{key}: {json.dumps(value)}"
            new, n = re.subn(rf"(?m)^{key}:.*$", line, text, count=1)
            new = new if n else text.replace("---\n", f"---\n{line}\n", 1)
        self.put(path, new)

    def apply(self, op: tuple) -> None:
        self.log.append(repr(op))
        kind, a, b = op
        papers = self.papers()
        paper = papers[a % len(papers)] if papers else None
        if kind == "abstract" and paper:
            head, _, _ = paper.read_text().partition("\n---\n")
            self.put(paper, head + "\n---\n" + abstract(b) + "\n")
        elif kind == "title" and paper:
            self.front(paper, "title", f"Title {b}: {TITLES[b % len(TITLES)]}")
        elif kind == "authors" and paper:
            text = paper.read_text()
            names = [OWNER] + [PEOPLE[(b + i) % len(PEOPLE)] for i in range(1 + b % 3)]
            text = re.sub(r"(?ms)^authors:\n(- .*?\n)+", "", text)
            block = "authors:\n" + "".join(f"- {json.dumps(n)}\n" for n in names)
            self.put(paper, text.replace("---\n", "---\n" + block, 1))
        elif kind == "date" and paper:
            self.front(paper, "date", f"20{15 + b % 10}-{1 + b % 12:02d}-{1 + b % 28:02d}")
        elif kind == "tags" and paper:
            self.front(paper, "tags", [TAGS[(b + i) % len(TAGS)] for i in range(b % 3)] or None)
        elif kind == "add":
            authors = [OWNER, PEOPLE[b % len(PEOPLE)]]
            self.put(
                self.site / "content" / "papers" / f"new-{a % 4}.md",
                paper_text(b, authors, [TAGS[b % len(TAGS)]], f"2021-0{1 + b % 9}-01", f"New {b}"),
            )
        elif kind == "delete" and paper and len(papers) > 2:
            paper.unlink()
        elif kind == "touch" and paper:
            self.put(paper, paper.read_bytes())
        elif kind == "profile":
            extra = PROFILES[b % len(PROFILES)]
            lines = [f"name: {OWNER}", "field: LG"] + [
                f"{k}: {json.dumps(v)}" for k, v in extra.items()
            ]
            self.put(self.site / "content" / "profile.yaml", "\n".join(lines) + "\n")
        elif kind == "people":
            path, people = (
                self.site / "content" / "people.yaml",
                PEOPLE_FILES[b % len(PEOPLE_FILES)],
            )
            if people is None:
                path.unlink(missing_ok=True)
            else:
                self.put(path, json.dumps(people, indent=1) + "\n")
        elif kind == "config":
            config = CONFIGS[b % len(CONFIGS)]
            path = self.site / "sitegen.yaml"
            if not config:
                path.unlink(missing_ok=True)
            else:
                self.put(path, json.dumps(config, indent=1) + "\n")
        elif kind == "template":
            path = self.site / "templates" / list(ADVERSARIAL)[a % len(ADVERSARIAL)]
            self.put(path, re.sub(r"rev\d+", f"rev{b}", path.read_text()))
        elif kind == "optional":  # the first choice of an include list; `ignore missing`
            # in turn: missing (at first), empty (which is not missing for a list include),
            # some text, missing again
            path = self.site / "templates" / "optional_note.html"
            self.optional = (self.optional + 1) % 3
            if self.optional == 0:
                path.unlink()
            elif self.optional == 1:
                self.put(path, "")
            else:
                self.put(path, f"<aside>note {b} {{{{ page_url }}}}</aside>\n")
        elif kind == "shadow":
            name = list(SHADOWABLE)[a % len(SHADOWABLE)]
            path = self.site / "templates" / name
            if b % 4 == 0:
                path.unlink(missing_ok=True)
            else:
                old, new = SHADOWABLE[name]
                text = (THEME / name).read_text()
                assert old in text, (name, old)
                self.put(path, text.replace(old, new.replace("{k}", str(b)), 1))
        elif kind == "static":
            path = self.site / "static" / ("extra.css", "style.css")[a % 2]
            if b % 3 == 0:
                path.unlink(missing_ok=True)
            elif path.name == "style.css":
                theme_css = (builtin_themes_dir() / "default" / "static" / "style.css").read_text()
                self.put(path, theme_css + f"\n.mine{b} {{ color: red; }}\n")
            else:
                self.put(path, f".extra{b} {{ margin: {b}px; }}\n")
        elif kind == "root":  # published as named at the top; a same-size edit too
            path = self.site / "root" / ("CNAME", ".well-known/security.txt")[a % 2]
            if b % 3 == 0:
                path.unlink(missing_ok=True)
            else:
                self.put(path, f"host{b % 10}.example.org\n")
        elif kind == "page":  # a page of the owner's own: added, edited or deleted
            path = self.site / "content" / "pages" / ("teaching.md", "group.md")[a % 2]
            if b % 3 == 0:
                path.unlink(missing_ok=True)
            else:
                self.put(path, f"---\ntitle: Page {b}\n---\n# Part {b}\n\nSee $x_{b}$.\n")
        elif kind == "damage":
            out = self.site / "output"
            files = sorted(p for p in out.rglob("*") if p.is_file())
            if files:
                victim = files[b % len(files)]
                if a % 2:
                    victim.unlink()
                else:
                    victim.write_bytes(victim.read_bytes() + b"<!-- by hand -->")


EDIT = st.tuples(
    st.sampled_from(
        [
            "abstract",
            "title",
            "authors",
            "date",
            "tags",
            "add",
            "delete",
            "touch",
            "noop",
            "profile",
            "people",
            "config",
            "template",
            "template",
            "optional",
            "shadow",
            "static",
            "root",
            "page",
            "page",
            "damage",
        ]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
)


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    # no shrinking: an example costs a dozen builds, and shrinking one took over five
    # minutes; the failure message lists every edit made, in order
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(edits=st.lists(EDIT, min_size=4, max_size=8))
def test_any_series_of_edits_equals_a_cold_build(edits: list[tuple]) -> None:
    with tempfile.TemporaryDirectory(prefix="sitegen-prop-") as tmp:
        site = Path(tmp) / "site"
        editor = Editor(site)
        editor.make()
        first = build(site)
        assert not first.incremental
        for op in edits:
            editor.apply(op)
            result = build(site)
            got, want = tree_bytes(site / "output"), tree_bytes(cold_build(site, Path(tmp)))
            assert_same_trees(got, want, f"after the edits {editor.log}:\n")
            if op[0] in ("touch", "noop"):
                assert result.written == () and result.removed == (), (editor.log, result.written)


def test_the_adversarial_site_builds_and_uses_every_template(tmp_path: Path) -> None:
    """The property test's templates really render (a typo would make every example fail
    the same dull way), and each one's marker reaches the output."""
    site = tmp_path / "site"
    Editor(site).make()
    out = build(site).output
    html = {rel: data.decode() for rel, data in tree_bytes(out).items() if rel.endswith(".html")}
    assert "rev0" in html["index.html"] and "rev0" in html["timeline/index.html"]
    coauthor = next(
        v for k, v in html.items() if k.startswith("coauthors/") and k != "coauthors/index.html"
    )
    assert "rev0" in coauthor and "We study" in coauthor  # the abstract, by a computed name
    fragment = r"<p>[01] We study.*\n.* \.\./\.\./papers/[^ ]+/ \d\d [A-Z][a-z]{2} rev0</p>"
    assert re.search(fragment, coauthor)
    assert any("rev0" in v for k, v in html.items() if k.startswith("papers/"))
    counted = {m for k, v in html.items() for m in re.findall(r"counter (\d+) rev0", v)}
    assert counted == {"1"}  # on every paper page: the module's namespace is its own
    assert any("<h1>#" in v for k, v in html.items() if k.startswith("tags/"))
    assert any(
        "rev0" in v or "<h1>CV rev0" in v for k, v in html.items() if k.startswith("topics/")
    )


def test_a_loaded_paper_is_its_files_parse_and_its_authors(example_site: Path) -> None:
    """keys.Digests digests a paper by its file and its authors, so every other field of
    a paper the templates see must be exactly what parsing its file made."""
    import dataclasses

    from sitegen.content import parse_paper
    from sitegen.model import Paper

    papers = load_site(example_site, BASE_URL).site.papers
    assert papers
    for paper in papers:
        text = (example_site / paper.source).read_text(encoding="utf-8")
        parsed = parse_paper(text, paper.source, [])
        assert paper.authors and not parsed.authors
        for field in dataclasses.fields(Paper):
            if field.name != "authors":
                assert getattr(paper, field.name) == getattr(parsed, field.name), field.name


def test_a_cold_build_refills_the_caches_it_ignored(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--no-cache` parses and scores afresh, then keeps what it made: the edit after it
    parses one paper, as after any other build."""
    cache = built_site / CACHE_DIR
    (cache / "related.pickle").write_bytes(b"stale")
    build(built_site, use_cache=False)
    assert list((cache / "papers").iterdir())
    assert (cache / "related.pickle").read_bytes() != b"stale"
    parsed: list[str] = []
    real = build_module.parse_paper
    monkeypatch.setattr(
        build_module, "parse_paper", lambda t, p, w: parsed.append(p) or real(t, p, w)
    )
    paper = paper_files(built_site)[2]
    set_abstract(paper, "Graph neural networks for protein folding at scale.")
    build(built_site)
    assert parsed == [str(paper.relative_to(built_site))]
    assert_same_as_cold(built_site, tmp_path)


def test_no_cache_clears_a_folder_named_like_a_cache_file(built_site: Path) -> None:
    """`--no-cache`, the documented way past a bad cache, unlinked related.pickle and
    pieces.pickle: a folder there failed it, every time. It goes, and the caches come back."""
    cache = built_site / CACHE_DIR
    for name in ("related.pickle", "pieces.pickle"):
        (cache / name).unlink()
        (cache / name / "inside").mkdir(parents=True)
    assert cli_build(built_site, "--no-cache").returncode == 0
    assert (cache / "related.pickle").is_file() and (cache / "pieces.pickle").is_file()


# ---------------------------------------------------------------- interrupted and damaged


def test_a_damaged_cache_file_that_still_unpickles_is_not_trusted(
    built_site: Path, tmp_path: Path
) -> None:
    """A flipped byte in a cached title unpickled fine: the wrong title was published, and
    every later build kept it. Cache files carry an HMAC now; a damaged one is no cache."""
    title = yaml.safe_load(paper_files(built_site)[0].read_text().split("---")[1])["title"]
    shards = sorted((built_site / CACHE_DIR / "papers").glob("*.pickle"))
    shard = next(s for s in shards if title.encode() in s.read_bytes())
    shard.write_bytes(shard.read_bytes().replace(title.encode(), b"X" + title.encode()[1:], 1))
    shutil.rmtree(built_site / "output" / "papers")  # so the next build makes the pages again
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


@pytest.mark.parametrize("signed", ["crc32", "hmac under another key"])
@pytest.mark.slow
def test_a_cache_committed_to_a_site_repository_runs_no_code(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signed: str
) -> None:
    """Someone who builds a site repository they did not write (a fork, a pull request's
    CI) ran the code of every pickle its `.sitegen-cache/` held: a CRC-32 is no signature.
    Cache files are signed by a key of the user's own (0600); any other is no cache, and
    the caches the build makes again are this user's: the next build is a no-op."""
    import hmac

    class Payload:
        def __reduce__(self) -> tuple:
            return open, (str(tmp_path / "ran"), "w")

    data = pickle.dumps(("stamp", Payload()))
    head = zlib.crc32(data).to_bytes(4, "little")
    if signed != "crc32":
        head = hmac.digest(os.urandom(32), data, "sha256")
    cache = built_site / CACHE_DIR
    shards = [cache / "papers" / f"{i:02d}.pickle" for i in range(build_module.PAPER_SHARDS)]
    made = {*cache.glob("state-*.pickle"), cache / "related.pickle", cache / "pieces.pickle"}
    assert all(p.exists() for p in made) and len(made) == 3
    for path in [*made, *shards]:
        path.write_bytes(head + data)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a first key, made here
    assert cli_build(built_site).returncode == 0
    assert not (tmp_path / "ran").exists()
    assert_same_as_cold(built_site, tmp_path)
    key = tmp_path / "cache" / "sitegen" / "key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    age_inputs(built_site)
    assert "nothing changed" in cli_build(built_site).stdout


@pytest.mark.slow
def test_a_cache_file_that_is_a_pipe_a_device_or_huge_is_a_miss_not_a_hang(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A named pipe, a link to /dev/zero or a 64 GB sparse file under a cache's name (or
    the user's cache folder's key or code stamp) was read until it ended, that is for
    ever: every build hung."""
    cache = built_site / CACHE_DIR
    (state,) = cache.glob("state-*.pickle")
    for path in (
        state,
        cache / "related.pickle",
        cache / "pieces.pickle",
        cache / "papers/00.pickle",
    ):
        path.unlink()
    os.mkfifo(cache / "related.pickle")
    os.symlink("/dev/zero", state)
    os.symlink("/dev/zero", cache / "papers/00.pickle")
    os.truncate(os.open(cache / "pieces.pickle", os.O_WRONLY | os.O_CREAT), 64 << 30)
    argv = ("build", "--site", built_site, "--base-url", BASE_URL, "--no-search")
    assert run_cli(*argv, fresh=True, timeout=60).returncode == 0
    assert_same_as_cold(built_site, tmp_path)
    for name in ("key", "code-stamp.txt"):
        home = tmp_path / f"home-{name}"
        os.makedirs(home / "sitegen")
        os.mkfifo(home / "sitegen" / name)
        env = {"XDG_CACHE_HOME": str(home)}
        assert run_cli(*argv, fresh=True, timeout=60, env=env).returncode == 0
        assert_same_as_cold(built_site, tmp_path)


@pytest.mark.parametrize(
    "copy, over", [("papers/00.pickle", "related.pickle"), ("related.pickle", "papers/01.pickle")]
)
@pytest.mark.slow  # about a second in the quick loop
def test_a_signed_cache_under_another_cache_s_name_is_a_miss(
    built_site: Path, tmp_path: Path, copy: str, over: str
) -> None:
    """Every cache was signed alike, so one copied over another (as a committed link once
    made it) passed the HMAC and unpickled as the wrong type: every build, a traceback."""
    cache = built_site / CACHE_DIR
    shutil.copy(cache / copy, cache / over)
    shutil.rmtree(built_site / "output" / "papers")  # so the next build reads the caches
    assert cli_build(built_site).returncode == 0
    assert_same_as_cold(built_site, tmp_path)


@pytest.mark.slow
def test_without_a_user_cache_folder_no_cache_is_trusted_and_builds_work(
    built_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no folder of the user's to keep the key in, no cache file can be told from one
    a repository brought: every build is cold, and equals a cold build."""
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not a place: ignored
    monkeypatch.delenv("HOME", raising=False)
    for _ in range(2):
        age_inputs(built_site)
        proc = run_cli(
            "build",
            "--site",
            built_site,
            "--base-url",
            BASE_URL,
            "--no-search",
            cwd=tmp_path,
            fresh=True,
        )
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        assert "nothing changed" not in proc.stdout
        assert_same_as_cold(built_site, tmp_path)
    assert not (tmp_path / "relative").exists()


def test_a_leftover_named_with_a_unicode_digit_is_left_alone(built_site: Path) -> None:
    """str.isdigit() takes "²" for a digit that int() refuses: a file or folder named like a
    leftover with it for a PID crashed every build (a ValueError traceback)."""
    odd = [built_site / CACHE_DIR / ".x.².tmp", built_site / ".output.tmp-²"]
    odd[0].touch()
    odd[1].mkdir()
    assert cli_build(built_site).returncode == 0
    assert all(p.exists() for p in odd)


@pytest.mark.slow
def test_two_builds_of_one_site_run_one_after_the_other(built_site: Path, tmp_path: Path) -> None:
    """A build that started while another wrote, and took its PID for dead (as from another
    PID namespace: here every PID is), swept the other's half-made site, which then failed
    or published a gutted output/. Two real processes: the second now waits for the first."""
    slow = tmp_path / "slow.py"  # `sitegen build` that every PID looks dead to, slow to swap
    slow.write_text(
        "import pathlib, sys, time\nimport sitegen.build as b, sitegen.state as s\n"
        "swap, s.process_alive = b.swap_into_place, lambda pid: False\n"
        "def slowly(*a):\n    pathlib.Path(sys.argv[1]).touch()\n    time.sleep(3)\n"
        "    swap(*a)\nb.swap_into_place = slowly\n"
        "from sitegen.cli import main\nsys.exit(main(sys.argv[2:]))\n"
    )
    set_abstract(paper_files(built_site)[0], "An abstract both builds write.")
    swapping = tmp_path / "swapping"
    argv = [sys.executable, slow, swapping, "build", "--site", built_site, "--no-search"]
    first = subprocess.Popen([*argv, "--base-url", BASE_URL], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not swapping.exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(
        [*argv, "--base-url", BASE_URL], capture_output=True, text=True, timeout=120
    )
    assert first.wait(timeout=120) == 0, first.stderr.read()  # type: ignore[union-attr]
    assert second.returncode == 0, second.stderr
    assert_same_as_cold(built_site, tmp_path)


def test_a_killed_builds_leftovers_go_with_the_next_build_even_a_no_op(built_site: Path) -> None:
    """A build killed mid-way leaves its half-made site beside output/ and the cache file it
    was writing; builds that changed nothing left them there for good."""
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    half = built_site / f".output.tmp-{dead}"
    (half / "papers").mkdir(parents=True)
    temp = built_site / CACHE_DIR / "papers" / f".03.pickle.{dead}.tmp"
    temp.write_bytes(b"half")
    running = built_site / f".output.tmp-{os.getppid()}"  # a running build's: left alone
    running.mkdir()
    age_inputs(built_site)
    assert "nothing changed" in cli_build(built_site).stdout
    assert not half.exists() and not temp.exists() and running.exists()


def test_what_the_user_keeps_beside_output_is_not_taken_for_a_killed_build_s(
    built_site: Path,
) -> None:
    """A build makes only folders there, named by its process id: a backup, a file or a
    link of such a name (even one ending in a dead process's id) is the user's."""
    dead = 2**22 + 12345  # above Linux's default pid_max: no such process
    backup = built_site / ".output.old-backup"
    backup.mkdir()
    (backup / "site.tar").write_text("keep")
    files = [built_site / ".output.tmp-notes", built_site / f".output.old-{dead}"]
    for file in files:
        file.write_text("keep")
    link = built_site / f".output.tmp-{dead}"
    link.symlink_to(backup, target_is_directory=True)
    age_inputs(built_site)
    assert "nothing changed" in cli_build(built_site).stdout
    set_field(paper_files(built_site)[0], "title", "Edited")
    build(built_site)
    assert [p.read_text() for p in (backup / "site.tar", *files)] == ["keep"] * 3
    assert link.is_symlink()


def test_ctrl_c_between_the_swaps_renames_waits_for_the_second(
    built_site: Path, monkeypatch: pytest.MonkeyPatch, terminal_ctrl_c: None
) -> None:
    """The swap is two renames: output/ into the trash, the new site into place. A Ctrl-C
    between them left no output/ at all (the new site was deleted as unfinished). The
    signal now waits for the second rename, and is raised after it."""
    output = built_site / "output"
    paper = paper_files(built_site)[0]
    set_field(paper, "title", "Renamed Before The Ctrl-C")
    rename = os.rename

    def interrupted(src: str | Path, dst: str | Path) -> None:
        rename(src, dst)
        if Path(src) == output:  # the old site is gone, the new one not yet in place
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(os, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(built_site, jobs=1)
    monkeypatch.undo()
    assert (
        "Renamed Before The Ctrl-C" in (output / "papers" / paper.stem / "index.html").read_text()
    )


def test_a_new_dangling_link_or_pipe_among_the_papers_fails_as_a_cold_build_does(
    built_site: Path,
) -> None:
    """The input scan left dangling links and pipes out, so a build after one appeared
    among the papers said "nothing changed" while a cold build failed at it."""
    papers = built_site / "content" / "papers"
    for make, said in (
        (lambda p: p.symlink_to("missing.md"), "cannot read"),
        (os.mkfifo, "not a file but a named pipe"),
    ):
        age_inputs(built_site)
        assert "nothing changed" in cli_build(built_site).stdout
        make(papers / "zz-new.md")
        os.utime(papers, (time.time() - 60,) * 2)  # only the new entry tells
        proc = cli_build(built_site)
        assert proc.returncode == 1 and said in proc.stderr, proc.stdout + proc.stderr
        assert "content/papers/zz-new.md" in proc.stderr
        (papers / "zz-new.md").unlink()
        cli_build(built_site)


def test_a_fragment_argument_named_like_a_jinja_global_is_keyed(
    built_site: Path, tmp_path: Path
) -> None:
    """A hunter's: `jinja2.meta` names no variable Jinja has as a global, so `range=` and
    `dict=` were left out of the fragment's key: every coauthor page showed the first one's
    years, even in a cold build, and a title edit left the 404 page's old title."""
    templates = built_site / "templates"
    (templates / "fragments").mkdir(parents=True)
    (templates / "fragments" / "years.html").write_text('<p class="yr">{{ range }}</p>\n')
    (templates / "fragments" / "t.html").write_text('<p class="t">{{ dict }}</p>\n')
    (templates / "coauthor.html").write_text(
        '{% extends "default/coauthor.html" %}{% block content %}{{ super() }}'
        '{{ fragment("fragments/years.html", range=coauthor.person.slug) }}{% endblock %}\n'
    )
    (templates / "404.html").write_text(
        '{% extends "default/404.html" %}{% block content %}{{ super() }}'
        '{{ fragment("fragments/t.html", dict=site_title) }}{% endblock %}\n'
    )
    (built_site / "sitegen.yaml").write_text("title: First Title\n")
    out = build(built_site).output
    for page in (out / "coauthors").glob("*/index.html"):
        assert f'<p class="yr">{page.parent.name}</p>' in page.read_text(), page
    (built_site / "sitegen.yaml").write_text("title: Second Title\n")
    build(built_site)
    assert '<p class="t">Second Title</p>' in (out / "404.html").read_text()
    assert_same_as_cold(built_site, tmp_path)


@pytest.mark.parametrize("shown", ["config.nav|reverse", 'cycler("a", "b")', 'joiner(",")'])
def test_what_prints_as_a_memory_address_is_refused(fresh_site: Path, shown: str) -> None:
    """`{{ config.nav|reverse }}` printed `<list_reverseiterator object at 0x7f...>`: every
    build differed, and an incremental one kept the old address."""
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "404.html").write_text(
        '{% extends "default/404.html" %}{% block content %}\n{{ ' + shown + " }}{% endblock %}\n"
    )
    proc = cli_build(fresh_site)
    assert proc.returncode == 1
    assert re.search(r"templates/404\.html:2: template error: a \w+ is not text", proc.stderr)
