"""`sitegen build` on real sites: pages, links, overrides, errors, reproducibility."""

from __future__ import annotations

import filecmp
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from conftest import BASE_URL, REPO, papers_site, run_cli
from htmlutil import parse

from sitegen.render import ReadOnlyEnvironment, make_env
from sitegen.state import builtin_themes_dir


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# the newest paper of the seed: the first paper page a build makes
NEWEST = "2026-small-vision-language-models-are-smart-compressors-for-long-video-understanding"


def build_error(site: Path) -> str:
    """The one line a build that must fail ends on: exit 1, and no traceback."""
    proc = run_cli("build", "--site", site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    return proc.stderr.strip().splitlines()[-1]


def test_example_site_has_every_page(example_output: Path) -> None:
    out = example_output
    assert len(list((out / "papers").glob("*/index.html"))) == 32
    assert len(list((out / "topics").glob("*/index.html"))) == 6
    # 41 distinct visible names on the seed, minus the owner
    assert len(list((out / "coauthors").glob("*/index.html"))) == 40
    for page in (
        "index.html",
        "timeline/index.html",
        "topics/index.html",
        "coauthors/index.html",
        "404.html",
        "sitemap.xml",
        "robots.txt",
        "favicon.svg",
        "feed.xml",
        "atom.xml",
    ):
        assert (out / page).is_file(), page


def _targets(page: Path) -> list[str]:
    doc = parse(page)
    refs = []
    for tag, attrs in doc.elements:
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "canonical"):
                refs.append(attrs[key])
    return refs


def resolve(out: Path, page: Path, ref: str) -> Path | None:
    """The file a relative link from `page` points at, or None for external links."""
    parts = urlsplit(ref)
    if parts.scheme or parts.netloc or ref.startswith("#"):
        return None
    path = unquote(parts.path)
    target = (out / path.lstrip("/")) if path.startswith("/") else (page.parent / path)
    target = Path(os.path.normpath(target))
    if ref.endswith("/") or target.is_dir():
        target = target / "index.html"
    return target


def test_every_internal_link_resolves(example_output: Path) -> None:
    out = example_output
    broken = []
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 80
    for page in pages:
        for ref in _targets(page):
            target = resolve(out, page, ref)
            if target is None:
                continue
            if not target.is_relative_to(out) or not target.is_file():
                broken.append(f"{page.relative_to(out)} -> {ref}")
    assert not broken, broken[:20]


def test_paper_page_content(example_output: Path) -> None:
    page = next((example_output / "papers").glob("2022-pathfusion*/index.html"))
    doc = parse(page)
    assert len(doc.find("h1")) == 1
    assert "PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion" in doc.text
    owner = [a for t, a in doc.elements if t == "strong" and a.get("class") == "owner"]
    assert owner, "the owner is highlighted"
    assert "et al." in doc.text
    assert "pku" in doc.text
    assert doc.find("a", href="../../topics/cv/")
    assert doc.find("math"), "the abstract's $\\text{AP}_{\\text{3D}}$ is MathML"
    assert doc.find("a", rel="prev") or doc.find("a", rel="next")


def test_hidden_owner_is_disclosed(example_output: Path) -> None:
    # MobileLLM-Flash lists Hanxian Huang, Igor Fedorov, Andrey Gromov et al.
    page = next((example_output / "papers").glob("*mobilellm-flash*/index.html"))
    assert "Lemeng Wu is among the authors not shown" in parse(page).text


def test_timeline_groups_by_year_newest_first(example_output: Path) -> None:
    doc = parse(example_output / "timeline" / "index.html")
    ids = [a.get("id") or "" for t, a in doc.elements if t == "h2"]
    years = [int(i[1:]) for i in ids if i.startswith("y")]
    assert years == sorted(years, reverse=True)
    assert years[0] == 2026 and years[-1] == 2018
    assert sum(len(doc.find("li", class_="paper-item t" + str(i))) for i in range(8)) == 32


def test_coauthor_index_sorted_and_owner_left_out(example_output: Path) -> None:
    html = (example_output / "coauthors" / "index.html").read_text()
    table = html.split('class="coauthor-table"')[1].split("</table>")[0]
    counts = [int(c) for c in re.findall(r'<td class="num">(\d+)</td>', table)]
    assert "Lemeng Wu" not in parse(table).text
    assert counts == sorted(counts, reverse=True)
    assert len(counts) == 40
    assert not (example_output / "coauthors" / "lemeng-wu").exists()


def test_reproducible(fresh_site: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    run_cli(
        "build",
        "--site",
        fresh_site,
        "--output",
        a,
        "--base-url",
        BASE_URL,
        "--no-search",
        check=True,
    )
    run_cli(
        "build",
        "--site",
        fresh_site,
        "--output",
        b,
        "--base-url",
        BASE_URL,
        "--no-search",
        check=True,
    )
    assert tree_bytes(a) == tree_bytes(b)


def test_failed_build_leaves_output_untouched(fresh_site: Path) -> None:
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    before = tree_bytes(fresh_site / "output")
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[3]
    text = paper.read_text()
    paper.write_text(text.replace("title:", "title: [unclosed", 1))
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith(f"content/papers/{paper.name}:"), line
    assert tree_bytes(fresh_site / "output") == before
    assert not [p for p in fresh_site.iterdir() if p.name.startswith(".output")]


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda t: t.replace("title:", "titel:", 1), "title: missing"),
        (
            lambda t: re.sub(r"title: .*", "title: '[](https://a.example/)'", t, count=1),
            "title: no text",
        ),
        # format characters only: a blank <title>, citation_title and coauthor page
        (lambda t: re.sub("title: .*", r'title: "\\u200b\\u2060\\xad"', t, count=1), "title: miss"),
        (
            lambda t: t.replace("authors:\n", 'authors:\n- "\\u200b"\n', 1),
            "each author is a name, not",
        ),
        (lambda t: re.sub(r"date: \S+", "date: 2022-02-30", t, count=1), "invalid date"),
        # Python's fromisoformat takes these too; the messages promise YYYY-MM-DD
        (lambda t: re.sub(r"date: \S+", "date: '20220201'", t, count=1), "invalid date"),
        (lambda t: re.sub(r"date: \S+", "date: '2022-W05-1'", t, count=1), "invalid date"),
        (lambda t: re.sub(r"code: \S+", "code: maybe", t, count=1), "must be true or false"),
        (lambda t: t.replace("---\n", "", 1), "missing front matter"),
        (lambda t: t.replace("---\n", "---\nvenue: [1]\n", 1), "venue: must be text, not [1]"),
        (lambda t: t.replace("---\n", "---\ndoi: {a: 1}\n", 1), "doi: must be text"),
    ],
)
def test_bad_paper_gives_file_and_line(fresh_site: Path, edit, message: str) -> None:
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(edit(paper.read_text()))
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert err.startswith(f"content/papers/{paper.name}:"), err
    assert err.split(":")[1].isdigit(), err
    assert message in err


def test_template_syntax_error_names_template_and_line(fresh_site: Path) -> None:
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "timeline.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n'
    )
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert "timeline.html:3:" in err and "template error" in err, err


def test_a_template_that_is_not_utf8_is_named_with_its_line(fresh_site: Path) -> None:
    """Saved in Latin-1 by an editor: Jinja's own error named neither file nor line."""
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "_macros.html").write_bytes(b"{# ok #}\n\n<p>caf\xe9</p>\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert err == f"{fresh_site}/templates/_macros.html:3: not UTF-8 text", err
    assert not (fresh_site / "output").exists()


def test_optional_include_may_be_missing_then_appear(fresh_site: Path) -> None:
    """`{% include "x" ignore missing %}` is valid Jinja: the build must not refuse it, and
    the pages that include it are redone when it appears or goes."""
    from sitegen.build import build_site

    templates = fresh_site / "templates"
    templates.mkdir()
    (templates / "timeline.html").write_text(
        '{% extends "base.html" %}\n{% block content %}'
        '[{% include "note.html" ignore missing %}]{% endblock %}\n'
    )
    page = fresh_site / "output" / "timeline" / "index.html"
    build_site(fresh_site, base_url=BASE_URL, search=False)
    assert "[]" in page.read_text()
    (templates / "note.html").write_text("a note")
    assert "timeline/index.html" in build_site(fresh_site, base_url=BASE_URL, search=False).written
    assert "[a note]" in page.read_text()
    (templates / "note.html").unlink()
    build_site(fresh_site, base_url=BASE_URL, search=False)
    assert "[]" in page.read_text()
    # without `ignore missing`, a missing template is still an error naming it
    (templates / "timeline.html").write_text('{% include "nowhere.html" %}\n')
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "template not found: nowhere.html" in proc.stderr


def test_values_templates_read_as_globals_are_in_page_keys(fresh_site: Path) -> None:
    """`config`, `profile`, `site`... are Jinja globals, which jinja2.meta does not count
    as undeclared: a change seen only through them must still redo the pages."""
    from sitegen.build import build_site

    build_site(fresh_site, base_url=BASE_URL, search=False)
    (fresh_site / "sitegen.yaml").write_text(
        "description: A second description\nnav:\n- {title: Elsewhere, url: /timeline/}\n"
    )
    build_site(fresh_site, base_url=BASE_URL, search=False)
    for page in ("index.html", "timeline/index.html", "404.html"):
        text = (fresh_site / "output" / page).read_text()
        assert "Elsewhere" in text, page
        # the site's sentence describes the home page (and any without a description)
        assert ("A second description" in text) == (page == "index.html"), page


def test_another_sitegen_redoes_every_file(fresh_site: Path, monkeypatch) -> None:
    """Keys cover inputs, not code: output written by another sitegen (or library
    version) is never reused, or an upgrade would leave files its fixes never reached."""
    from sitegen import build, cite, state

    build.build_site(fresh_site, base_url=BASE_URL, search=False)
    older = cite.bibtex_entry
    for module in (state, build):  # every cache is stamped with it
        monkeypatch.setattr(module, "code_stamp", lambda: "a newer sitegen")
    monkeypatch.setattr(cite, "bibtex_entry", lambda *a: older(*a) + "% newer\n")
    result = build.build_site(fresh_site, base_url=BASE_URL, search=False)
    assert len(result.written) == result.files
    bib = next((fresh_site / "output" / "papers").glob("*/*.bib"))
    assert bib.read_text().endswith("% newer\n")
    assert (fresh_site / "output" / "publications.bib").read_text().endswith("% newer\n")


def test_code_stamp_is_remembered_until_what_it_covers_changes(tmp_path: Path, monkeypatch) -> None:
    """The stamp (sitegen's files, library versions) is kept in the user's cache by the
    stats of sitegen's files and of the folders on sys.path: installing or upgrading a
    library there changes one of them, and the stamp is computed again."""
    from sitegen import state

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    kept = tmp_path / "cache" / "sitegen" / "code-stamp.txt"

    def stamp() -> str:
        state.code_stamp.cache_clear()
        return state.code_stamp()

    try:
        fresh = stamp()
        seen = kept.read_text().split()[0]
        kept.write_text(f"{seen} remembered\n")
        assert stamp() == "remembered"  # believed while nothing it covers changed
        lib = tmp_path / "lib"
        lib.mkdir()
        monkeypatch.syspath_prepend(str(lib))
        assert stamp() == fresh  # another folder on sys.path
        kept.write_text(f"{kept.read_text().split()[0]} remembered\n")
        assert stamp() == "remembered"
        time.sleep(0.01)
        (lib / "otherlib-1.0.dist-info").mkdir()  # a library installed there
        assert stamp() == fresh
        kept.write_text("damaged")
        assert stamp() == fresh
        kept.unlink()
        kept.parent.chmod(0o500)  # a read-only cache: computed each time, no error
        assert stamp() == fresh
    finally:
        kept.parent.chmod(0o700)
        state.code_stamp.cache_clear()


def test_a_new_code_stamps_template_notes_replace_the_other_stamps(
    fresh_site: Path, tmp_path: Path, monkeypatch
) -> None:
    """A templates-STAMP.pickle stayed in the user's cache for every code stamp ever
    built with (one per edit to sitegen): a stamp's first notes now replace the other
    stamps' files, and no other file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "cache" / "sitegen"
    folder.mkdir(parents=True)
    kept = {"templates-mine.pickle", "templates-0123456789abcdef.pickle.bak", "x.pickle"}
    for name in (*kept, "templates-0123456789abcdef.pickle"):
        (folder / name).write_bytes(b"old")
    assert run_cli("build", "--site", fresh_site, "--no-search").returncode == 0
    from sitegen.build import template_notes_file

    assert {p.name for p in folder.glob("*pickle*")} == {*kept, template_notes_file().name}


def test_unknown_config_key_is_named(fresh_site: Path) -> None:
    (fresh_site / "sitegen.yaml").write_text("title: My site\nfeed_sise: 10\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1
    assert "sitegen.yaml:2: unknown key 'feed_sise'" in proc.stderr


def test_a_key_yaml_reads_as_a_value_is_named_at_its_line(fresh_site: Path) -> None:
    """`null:` and `true:` load as None and True, which were looked up as 'None' and
    'True' in the text: not found, so reported at line 1 as "unknown key None"."""
    config = fresh_site / "sitegen.yaml"
    config.write_text("title: My site\nfeed_size: 10\n# a comment\n\nnull: 3\ntrue: 4\n0x10: 5\n")
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    for line, written in ((5, "null"), (6, "true"), (7, "16")):
        assert f"sitegen.yaml:{line}: a setting's name must be a word, not {written} (" in (
            proc.stderr
        )
    config.write_text("title: My site\n[a, b]: 3\n")  # YAML refuses it: no dict key
    proc = run_cli("check", "--site", fresh_site)
    assert "sitegen.yaml:2: invalid YAML: found unhashable key (a list or mapping" in proc.stderr


def test_site_template_overrides_theme_block(fresh_site: Path) -> None:
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1 class="mine">{{ paper.title }}</h1>'
        "{% endblock %}"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    page = next((fresh_site / "output" / "papers").glob("*/index.html"))
    doc = parse(page)
    assert doc.find("h1", class_="mine")
    assert doc.find("header", class_="site-header"), "the rest of base.html is inherited"
    # other templates still come from the theme
    assert parse(fresh_site / "output" / "timeline" / "index.html").find("section", class_="year")


def test_theme_prefix_nav_urls_and_undefined_text_from_a_theme_authors_hunt(
    fresh_site: Path,
) -> None:
    """A site's own themes/default is what `default/` names (the built-in one was
    extended instead); a protocol-relative nav URL became a relative link
    (`blog.example.org/`); `|plain` of an undefined value was a TypeError."""
    theme = fresh_site / "themes" / "default" / "templates"
    theme.mkdir(parents=True)
    built_in = builtin_themes_dir() / "default" / "templates" / "paper.html"
    extras = "{% block paper_extras %}{% endblock %}"
    assert extras in built_in.read_text()
    local = built_in.read_text().replace(extras, extras.replace("%}{%", "%}<!-- local theme -->{%"))
    (theme / "paper.html").write_text(local)
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "paper.html").write_text('{% extends "default/paper.html" %}')
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    page = next((fresh_site / "output" / "papers").glob("*/index.html"))
    assert "<!-- local theme -->" in page.read_text()
    (fresh_site / "sitegen.yaml").write_text('nav:\n- {title: Blog, url: "//blog.example.org/"}\n')
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "url '//blog.example.org/' must start with /" in proc.stderr
    # a browser reads a backslash as a slash: `/\\evil.example/` left the site
    (fresh_site / "sitegen.yaml").write_text('nav:\n- {title: Out, url: "/\\\\evil.example/"}\n')
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "no spaces or backslashes" in proc.stderr, proc.stderr
    assert run_cli("check", "--site", fresh_site).returncode == 1
    # `/javascript:...` became `javascript:...` on the home page, whose root is ""
    (fresh_site / "sitegen.yaml").write_text('nav:\n- {title: X, url: "/javascript:alert(1)"}\n')
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    for page in ("index.html", "timeline/index.html", "404.html"):
        html = (fresh_site / "output" / page).read_text()
        hrefs = re.findall(r'href="([^"]*javascript[^"]*)"', html)
        assert hrefs and all(h.startswith(("./", "../", "/")) for h in hrefs), (page, hrefs)
    (fresh_site / "sitegen.yaml").unlink()
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% block paper_extras %}'
        "{{ profile.extra.nosuch|plain }}{% endblock %}"
    )
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert "'dict object' has no attribute 'nosuch'" in proc.stderr, proc.stderr
    # a field the README gives as "or none" is no text, as `{{ none }}`-free pages expect:
    # it failed with "TypeError: expected string or bytes-like object, got 'NoneType'"
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% block paper_extras %}'
        "<p class=x>[{{ paper.language|plain }}|{{ paper.language|inline }}|{{ paper.year|plain }}]"
        "</p>{% endblock %}"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    page = next((fresh_site / "output" / "papers").glob("*/index.html")).read_text()
    assert re.search(r"<p class=x>\[\|\|\d{4}\]</p>", page)


def test_head_and_scripts_blocks_are_the_sites_on_every_page(fresh_site: Path) -> None:
    """The README says `head` and `scripts` are empty. Page templates filled them, so a
    site's base.html adding to them reached only some pages, and a paper.html that filled
    them dropped the paper's Google Scholar tags, JSON-LD and copy button without a word.
    And `owner` in them is the owner: the footer's own HTML of that name failed `owner.name`."""
    templates = fresh_site / "templates"
    templates.mkdir()
    (templates / "base.html").write_text(
        '{% extends "default/base.html" %}{% block head %}<meta name="x-site" content="1">'
        '{% endblock %}{% block scripts %}<script src="{{ asset("x.js") }}" defer'
        ' data-owner="{{ owner.name }}"></script>{% endblock %}'
    )
    (fresh_site / "static").mkdir()
    (fresh_site / "static" / "x.js").write_text("// site-wide\n")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    pages = sorted((fresh_site / "output").rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        doc = parse(page)
        srcs = [str(a.get("src")) for a in doc.find("script")]
        assert doc.find("meta", name="x-site") and any(
            s.split("/")[-1].startswith("x.") for s in srcs
        ), page
        # the footer's own `owner` (its HTML) stayed set for the blocks after it
        assert [a["data-owner"] for a in doc.find("script") if "data-owner" in a] == ["Lemeng Wu"]
    (templates / "base.html").unlink()
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% block head %}<meta name="x-paper" content="1">'
        "{% endblock %}{% block scripts %}<!-- mine -->{% endblock %}"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    doc = parse(next((fresh_site / "output" / "papers").glob("*/index.html")))
    assert doc.find("meta", name="x-paper") and doc.find("meta", name="citation_title")
    # a paper.html's own description reaches the link previews too, as on every other page
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% block description %}Mine: {{ paper.year }}'
        "{% endblock %}"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    doc = parse(next((fresh_site / "output" / "papers").glob("*/index.html")))
    said = {a.get("name") or a.get("property"): a.get("content") for a in doc.find("meta")}
    assert said["description"].startswith("Mine: ")
    assert said["og:description"] == said["twitter:description"] == said["description"]
    srcs = [str(a.get("src")) for a in doc.find("script")]
    assert doc.find("script", type="application/ld+json") and any("copy." in s for s in srcs)


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_sites_older_copy_of_the_macros_is_named_as_the_one_lacking_a_macro(
    fresh_site: Path,
) -> None:
    """A theme hunter's: a copy of the theme's _macros.html without a macro the theme now
    calls failed with "'jinja2.environment.TemplateModule object' has no attribute ...",
    Jinja's own words, at a line of the built-in theme."""
    theme_macros = REPO / "themes" / "default" / "templates" / "_macros.html"
    text = theme_macros.read_text()
    start = text.index("{% macro topic_chip")
    end = text.index("{%- endmacro %}", start) + len("{%- endmacro %}")
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "_macros.html").write_text(text[:start] + text[end:])
    for command in (("build", "--no-search"), ("check",)):
        proc = run_cli(*command, "--site", fresh_site)
        assert proc.returncode == 1 and "TemplateModule" not in proc.stderr, proc.stderr
        assert (
            "template error: the template imported here has no macro 'topic_chip': if it is"
            " a site's copy of a theme's file, the theme's may have more macros now"
        ) in proc.stderr, proc.stderr


def test_second_theme_selected_in_config(fresh_site: Path) -> None:
    theme = fresh_site / "themes" / "plain" / "templates"
    theme.mkdir(parents=True)
    (theme / "base.html").write_text(
        "<!doctype html><html lang=en><head><title>{% block title %}{% endblock %}</title>"
        "</head><body class=plain>{% block content %}{% endblock %}</body></html>\n"
    )
    (fresh_site / "sitegen.yaml").write_text("theme: plain\n")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    doc = parse(fresh_site / "output" / "index.html")
    assert doc.find("body", class_="plain")
    (fresh_site / "sitegen.yaml").write_text("theme: nosuch\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "theme 'nosuch' not found" in proc.stderr
    # a theme of static files only: the README's "a theme only needs what it changes"
    css = fresh_site / "themes" / "dark" / "static" / "extra.css"
    css.parent.mkdir(parents=True)
    css.write_text("body { color: red }\n")
    (fresh_site / "sitegen.yaml").write_text("theme: dark\n")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert list((fresh_site / "output" / "assets").glob("extra.*.css"))
    assert parse(fresh_site / "output" / "index.html").find("main")  # the default templates


def test_hostile_text_is_inert(fresh_site: Path) -> None:
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = paper.read_text()
    head, body = text.split("\n---\n", 1)
    head = re.sub(
        r"(?m)^title: .*$", 'title: "<script>alert(1)</script><img src=x onerror=alert(2)>"', head
    )
    paper.write_text(
        head + "\n---\n<script>alert(3)</script> <img src=x onerror=alert(4)> "
        "[x](javascript:alert(5)) & stray\n"
    )
    # an image in a title would be a link inside the link to the paper; an override left
    # open in a name would reverse the rest of the author list
    other = sorted((fresh_site / "content" / "papers").glob("*.md"))[1]
    text = re.sub(
        r"(?m)^title: .*$",
        'title: "Path ![logo](https://evil.example/x.png) Nets"',
        other.read_text(),
    )
    other.write_text(re.sub(r"(?m)^(authors:\n- )(\S+)", "\\1\\2 \u202e\u2067", text, count=1))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    for made in (fresh_site / "output").rglob("*.*"):
        assert "\u202e" not in made.read_text(errors="replace"), made
    for page in (fresh_site / "output").rglob("*.html"):
        assert 'href="https://evil.example' not in page.read_text(), page
        doc = parse(page)
        assert not any("alert" in s for s in doc.script_texts if s), page
        assert not any("</script" in s.lower() for s in doc.data_blocks), page
        assert not any("onerror" in a for _, a in doc.elements), page
        hrefs = [(a.get("href") or "").lower() for _, a in doc.elements]
        assert not any(h.startswith("javascript:") for h in hrefs)
    out = next(
        p
        for p in (fresh_site / "output" / "papers").glob("*/index.html")
        if "alert(1)" in p.read_text()
    )
    assert "<script>alert(1)</script>" in parse(out).text  # shown literally


def test_refuses_dangerous_output_folders(fresh_site: Path) -> None:
    for target in (fresh_site, fresh_site / "content", Path("/")):
        proc = run_cli("build", "--site", fresh_site, "--output", target, "--no-search")
        assert proc.returncode == 1 and "refusing to build into" in proc.stderr, target
    assert (fresh_site / "content" / "papers").is_dir()


def test_people_aliases_merge(fresh_site: Path) -> None:
    (fresh_site / "content" / "people.yaml").write_text(
        "- name: Lemeng Wu\n  aliases: [L. Wu]\n"
        "- name: Xingchao Liu\n  aliases: [X. Liu]\n  homepage: https://xc.example.org/\n"
    )
    paper = next(
        p
        for p in (fresh_site / "content" / "papers").glob("*.md")
        if "- Xingchao Liu" in p.read_text()
    )
    paper.write_text(
        paper.read_text().replace("- Xingchao Liu", "- X. Liu").replace("- Lemeng Wu", "- L. Wu")
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    out = fresh_site / "output"
    assert not (out / "coauthors" / "x-liu").exists()
    page = parse(out / "coauthors" / "xingchao-liu" / "index.html")
    assert page.find("a", href="https://xc.example.org/")
    slug = paper.stem
    doc = parse(out / "papers" / slug / "index.html")
    assert any(t == "strong" and a.get("class") == "owner" for t, a in doc.elements)
    assert doc.find("a", href="../../coauthors/xingchao-liu/")


def test_people_yaml_with_a_tab_after_a_colon_builds(fresh_site: Path) -> None:
    """libyaml accepts the tab; finding error lines once used a parser that did not."""
    (fresh_site / "content" / "people.yaml").write_text(
        "- name:\tXingchao Liu\n  homepage: https://xc.example.org/\n"
    )
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    page = parse(fresh_site / "output" / "coauthors" / "xingchao-liu" / "index.html")
    assert page.find("a", href="https://xc.example.org/")


def test_a_self_referencing_alias_in_profile_links_is_a_clear_error(fresh_site: Path) -> None:
    """Walking the value for its error line once recursed forever; a loop is now refused
    where the YAML is read, at the line of its key: as any anchor, since no file of a site
    needs one and `title: &Neural Mesh` lost a word to one."""
    profile = fresh_site / "content" / "profile.yaml"
    profile.write_text(profile.read_text() + "links: &x\n  - *x\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    line = profile.read_text().splitlines().index("links: &x") + 1
    message = rf"profile\.yaml:{line}: a value starting with & is a YAML anchor"
    assert re.search(message, proc.stderr, re.M), proc.stderr


def test_sub_path_base_url(fresh_site: Path) -> None:
    run_cli(
        "build",
        "--site",
        fresh_site,
        "--base-url",
        "https://uni.example.org/~lw/",
        "--no-search",
        check=True,
    )
    out = fresh_site / "output"
    notfound = parse(out / "404.html")
    assert notfound.find("link", rel="stylesheet")[0]["href"].startswith("/~lw/assets/")
    home = parse(out / "index.html")
    assert home.find("link", rel="canonical")[0]["href"] == "https://uni.example.org/~lw/"
    assert "https://uni.example.org/~lw/papers/" in (out / "sitemap.xml").read_text()


def test_output_refreshed_not_mixed(fresh_site: Path) -> None:
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    stray = fresh_site / "output" / "stray.html"
    stray.write_text("old")
    victim = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    victim.unlink()
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    # an incremental build removes what sitegen no longer makes; a file put into
    # output/ by hand is only cleared by a full rebuild (a full scan at 10,000
    # papers would cost more than the whole incremental build)
    assert not (fresh_site / "output" / "papers" / victim.stem).exists()
    run_cli("build", "--site", fresh_site, "--no-search", "--no-cache", check=True)
    assert not stray.exists()
    assert not (fresh_site / "output" / "papers" / victim.stem).exists()
    assert not filecmp.cmp(fresh_site / "output" / "index.html", fresh_site / "output" / "404.html")
    shutil.rmtree(fresh_site / "output")


def test_where_files_cannot_be_hard_linked_they_are_copied(
    fresh_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file system without hard links: the kept files are copied (into folders made for
    them), copies keep size and time, so a build after is a no-op, and the next edit's build
    starts from an old site of copies, none of them the current file: a cold build's bytes."""
    from sitegen.build import build_site

    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))

    def edit_and_build(paper: Path | None) -> Any:
        if paper is not None:
            paper.write_text(paper.read_text() + "\nOne more sentence.\n")
            os.utime(paper, (time.time() - 60,) * 2)  # older than the 2-second rule
        return build_site(fresh_site, base_url=BASE_URL, search=False, jobs=1)

    edit_and_build(None)

    def no_links(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    result = edit_and_build(papers[0])
    assert 0 < len(result.written) < result.files / 2
    assert (fresh_site / "output" / "favicon.svg").stat().st_nlink == 1  # a copy
    assert edit_and_build(None).written == ()
    assert 0 < len(edit_and_build(papers[1]).written) < result.files / 2
    monkeypatch.undo()
    shutil.copytree(fresh_site, tmp_path / "cold", ignore=shutil.ignore_patterns("output"))
    build_site(tmp_path / "cold", base_url=BASE_URL, search=False, jobs=1, use_cache=False)
    assert tree_bytes(fresh_site / "output") == tree_bytes(tmp_path / "cold" / "output")


def test_an_old_site_vanishing_from_the_trash_meanwhile_is_no_error(fresh_site: Path) -> None:
    """The last build deletes the replaced site in the background; a build that starts
    meanwhile sees it in the trash, then gone (a dangling link stands for that moment)."""
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    trash = fresh_site / ".sitegen-cache" / "trash"
    trash.mkdir(parents=True, exist_ok=True)
    (trash / "123-gone").symlink_to(trash / "nothing-here")
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text() + "\nOne more sentence.\n")
    result = run_cli("build", "--site", fresh_site, "--no-search")
    assert result.returncode == 0, result.stderr


def victim_folder(where: Path) -> tuple[Path, dict[str, bytes]]:
    """A folder outside the site, old enough for a build to take its entries for leftovers."""
    victim = where / "victim"
    for rel in ("papers/draft.tex", "photo/holiday/a.jpg", "old-project/f.txt", "notes.txt"):
        (victim / rel).parent.mkdir(parents=True, exist_ok=True)
        (victim / rel).write_text("mine")
    for p in [*victim.rglob("*"), victim]:
        os.utime(p, (time.time() - 7200,) * 2)
    return victim, tree_bytes(victim)


@pytest.mark.parametrize(
    "link, extra",
    [(".sitegen-cache", "--no-cache"), (".sitegen-cache/trash", ""), (".sitegen-cache/photo", "")],
)
def test_a_cache_linked_outside_the_site_is_refused_before_anything_is_deleted(
    fresh_site: Path, tmp_path: Path, link: str, extra: str
) -> None:
    """A site from a fork or a pull request may carry its cache as a link: builds delete in
    it (old sites, old photos, what --no-cache clears), so they deleted outside the site."""
    from PIL import Image

    Image.new("RGB", (300, 300)).save(fresh_site / "content" / "me.png")
    with (fresh_site / "content" / "profile.yaml").open("a") as f:
        f.write("photo: me.png\n")
    victim, before = victim_folder(tmp_path)
    (fresh_site / link).parent.mkdir(exist_ok=True)
    (fresh_site / link).symlink_to(victim, target_is_directory=True)
    why = "a symbolic link: sitegen deletes in its cache, so it must be a folder of the site's own"
    for command in ("build", "serve"):
        args = ["--no-search", *[extra][: bool(extra)]] if command == "build" else ["--port", "0"]
        proc = run_cli(command, "--site", fresh_site, *args)
        assert tree_bytes(victim) == before
        assert proc.returncode == 1 and proc.stderr.startswith(f"{fresh_site / link}: {why}")
    assert not (fresh_site / "output").exists()


@pytest.mark.slow  # about a second in the quick loop
def test_links_in_the_cache_s_folders_are_not_followed(fresh_site: Path, tmp_path: Path) -> None:
    """A link to elsewhere as an old site in the trash (the newest is walked, its files not
    kept deleted) or as a stale one (deleted in the background) is left as it is."""
    from sitegen.build import _old_sites

    def build() -> None:
        run_cli("build", "--site", fresh_site, "--no-search", check=True)

    victim, before = victim_folder(tmp_path)
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    build()
    papers[0].write_text(papers[0].read_text() + "\nOne more sentence.\n")
    build()  # an incremental build: the next starts from the newest old site
    trash = fresh_site / ".sitegen-cache" / "trash"
    newest = trash / f"{_old_sites(fresh_site / 'output')}{'9' * 20}"
    for name in (newest.name, "site-0123456789ab-1", "del-site-0123456789ab-2"):
        (trash / name).symlink_to(victim, target_is_directory=True)
        os.utime(trash / name, (time.time() - 7200,) * 2, follow_symlinks=False)
    papers[1].write_text(papers[1].read_text() + "\nAnother sentence.\n")
    build()
    time.sleep(0.5)  # old sites are deleted in the background
    assert tree_bytes(victim) == before


@pytest.mark.slow  # about a second in the quick loop
@pytest.mark.parametrize("where", [".x.999999.tmp", "photo/zz", "papers/x"])
def test_a_cache_folder_1000_deep_is_no_traceback(fresh_site: Path, where: str) -> None:
    """shutil.rmtree recurses: a folder 1,000 deep where a build deletes (a leftover it
    sweeps, an old photo, a cache --no-cache clears) was a RecursionError traceback."""
    from PIL import Image

    Image.new("RGB", (300, 300)).save(fresh_site / "content" / "me.png")
    with (fresh_site / "content" / "profile.yaml").open("a") as f:
        f.write("photo: me.png\n")
    (fresh_site / ".sitegen-cache" / where).mkdir(parents=True)
    fd = os.open(fresh_site / ".sitegen-cache" / where, os.O_RDONLY)
    for _ in range(1000):  # by file descriptor: the whole path is too long for the OS
        os.mkdir("d", dir_fd=fd)
        fd, above = os.open("d", os.O_RDONLY, dir_fd=fd), fd
        os.close(above)
    os.close(fd)
    extra = ["--no-cache"] if where.startswith("papers") else []
    try:
        proc = run_cli("build", "--site", fresh_site, "--no-search", *extra)
    finally:  # what stays would fail pytest's own cleanup of its temporary folders
        subprocess.run(["rm", "-rf", fresh_site / ".sitegen-cache"], check=True)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_the_photo_cache_writes_and_deletes_through_no_link(tmp_path: Path) -> None:
    from sitegen.photo import _store

    victim, before = victim_folder(tmp_path)
    cache = tmp_path / "photo"
    cache.mkdir()
    for name in ("this-photo", "an-older-one"):
        (cache / name).symlink_to(victim, target_is_directory=True)
    _store(cache / "this-photo", {"176x176.jpg": b"new"}, 1)
    _store(cache / "another", {"176x176.jpg": b"new"}, 1)  # the others are deleted
    assert tree_bytes(victim) == before and (cache / "another" / "files.json").exists()


def test_without_a_safe_shared_folder_templates_are_compiled_with_no_bytecode_cache(
    fresh_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The site's cache was the fallback: a bytecode file committed there (a fork's) would
    be code Jinja runs. Now none is read or written there: the build is only slower."""
    import jinja2

    real, folders = jinja2.FileSystemBytecodeCache, []

    def unsafe_shared_folder(directory: str | None = None, *args: str, **kw: str) -> object:
        if directory is None:  # as Jinja says when its per-user temp folder is not safe
            raise RuntimeError("Cannot determine safe temp directory")
        folders.append(directory)
        return real(directory, *args, **kw)

    monkeypatch.setattr(jinja2, "FileSystemBytecodeCache", unsafe_shared_folder)
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert folders == [] and not (fresh_site / ".sitegen-cache" / "jinja").exists()
    assert (fresh_site / "output" / "index.html").is_file()


def test_a_build_without_search_compiles_no_template_the_bytecode_cache_holds(
    fresh_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build without search (every preview's, every --no-search one) compiles search.html
    to name a broken search page; it did so before Jinja had its bytecode cache, so that
    page, base.html and the macros were compiled from source on every such build."""
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    real, compiled = ReadOnlyEnvironment.compile, []

    def counted(self: ReadOnlyEnvironment, source: Any, name: str | None = None, *a: Any) -> Any:
        compiled.append(name)
        return real(self, source, name, *a)

    monkeypatch.setattr(ReadOnlyEnvironment, "compile", counted)
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert compiled == []


def test_a_build_starting_from_the_last_old_site_writes_what_a_cold_build_writes(
    fresh_site: Path, tmp_path: Path
) -> None:
    """An incremental build starts from the site its last build replaced (kept in the
    cache's trash); whatever that old site holds, the result is exactly a cold build's."""

    def build(*extra: str) -> None:
        run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL, *extra,
                check=True)  # fmt: skip

    def dirs(root: Path) -> set[str]:
        return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_dir()}

    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    out = fresh_site / "output"
    build()
    papers[0].write_text(papers[0].read_text() + "\nOne more sentence.\n")
    build()
    (old,) = (fresh_site / ".sitegen-cache" / "trash").glob("site-*")
    # what an old site may hold: strays, a stale copy of a kept file, a link, an empty folder
    (old / "stray.html").write_text("stray")
    (old / "papers" / "gone-paper").mkdir()
    (old / "robots.txt").unlink()
    (old / "robots.txt").write_text("stale")
    css = next((old / "assets").glob("*.css"))
    css.unlink()
    css.symlink_to(out / css.relative_to(old))  # the current file itself, through a link
    unchanged = out / "favicon.svg"
    before, old_folder = unchanged.stat().st_ino, old.stat().st_ino
    papers[1].unlink()  # a deleted paper: its folder must go
    papers[2].write_text(papers[2].read_text() + "\nAnother sentence.\n")
    build()
    assert out.stat().st_ino == old_folder  # the old site became the new output
    assert not list((fresh_site / ".sitegen-cache" / "trash").glob("site-*"))[1:]
    assert unchanged.stat().st_ino == before  # kept files stay hard links to the same file
    assert not [p for p in out.rglob("*") if p.is_symlink()]
    shutil.copytree(fresh_site, tmp_path / "cold", ignore=shutil.ignore_patterns("output"))
    cold = tmp_path / "cold"
    run_cli("build", "--site", cold, "--no-search", "--base-url", BASE_URL, "--no-cache",
            check=True)  # fmt: skip
    assert tree_bytes(out) == tree_bytes(cold / "output")
    assert dirs(out) == dirs(cold / "output")


def test_a_site_fragment_is_shown_and_misuse_is_a_clear_error(fresh_site: Path) -> None:
    """A site's own fragment renders on the pages that call it, with links relative to each
    page; a name outside fragments/ or a call without the page's context names the template."""
    templates = fresh_site / "templates"
    (templates / "fragments").mkdir(parents=True)
    (templates / "fragments" / "mine.html").write_text(
        "<b>{{ p.title }}|{{ urls.paper(p.slug)|rel }}|{{ owner.name }}</b>"
    )
    (templates / "timeline.html").write_text(
        '{% extends "base.html" %}\n{% block content %}'
        "{% for y in years %}{% for p in y.papers %}"
        '{{ fragment("fragments/mine.html", p=p) }}{% endfor %}{% endfor %}{% endblock %}\n'
    )
    assert run_cli("build", "--site", fresh_site, "--no-search").returncode == 0
    page = parse(fresh_site / "output" / "timeline" / "index.html")
    papers = len(list((fresh_site / "content" / "papers").glob("*.md")))
    assert len(page.find("b")) == papers > 0
    assert len(re.findall(r"\|\.\./papers/[^|/]+/\|", page.text)) == papers, page.text

    for call, message, where in [
        ('fragment("mine.html", p=1)', "fragments are templates under fragments/", "timeline"),
        ('asset("nope.css")', "asset 'nope.css' is not in a static folder", "timeline.html:1:"),
    ]:
        (templates / "m.html").write_text(
            '{% macro item(p) %}{{ fragment("fragments/mine.html", p=p) }}{% endmacro %}\n'
            '{% macro link() %}{{ "timeline/"|rel }}{% endmacro %}\n'
        )
        (templates / "timeline.html").write_text(f'{{% import "m.html" as m %}}{{{{ {call} }}}}\n')
        proc = run_cli("build", "--site", fresh_site, "--no-search")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert message in proc.stderr and where in proc.stderr, proc.stderr
    # an import without `with context` is made with it: its macros reach `root` (they
    # stopped at "|rel needs the page's root"); an argument may be called `name`
    (templates / "fragments" / "named.html").write_text("<i>{{ name }}</i>")
    (templates / "m.html").write_text(
        '{% macro item(p) %}{{ fragment("fragments/mine.html", p=p) }}{% endmacro %}\n'
        '{% macro link() %}{{ "timeline/"|rel }}{% endmacro %}\n'
    )
    (templates / "timeline.html").write_text(
        '{% import "m.html" as m %}{% set p = site.papers[0] %}{{ m.link() }} {{ m.item(p) }}'
        '{{ fragment("fragments/named.html", name="Ada") }}\n'
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    shown = (fresh_site / "output" / "timeline" / "index.html").read_text()
    assert shown.startswith("../timeline/ <b>") and shown.endswith("<i>Ada</i>\n"), shown


def test_outputs_are_batched_costliest_first_in_batches_of_equal_cost() -> None:
    """The processes of a build take batches from a queue (make_outputs): the costly
    outputs come first, so that none is left to run alone at the end."""
    from sitegen.build import BATCHES, MOST_BATCHES, batches

    parts = 2
    costs = [1.0] * (BATCHES * parts * 3)  # a cold build: every cost the same guess
    made = batches(costs, parts)
    assert len(made) == BATCHES * parts and all(len(b) == 3 for b in made)
    assert [i for b in made for i in b] == list(range(len(costs)))  # equal costs: in order
    costs = [0.01] * 500 + [5.0, 3.0]
    made = batches(costs, parts)
    assert made[:2] == [[500], [501]]  # each costly output alone, before the rest
    assert sorted(i for b in made for i in b) == list(range(len(costs)))
    assert len(made) <= BATCHES * parts + 1
    assert batches([4.0, 1.0], 1) == [[0], [1]] and batches([], 2) == [[]]
    # `--jobs 1000`: the batch numbers must still fit a pipe before anyone reads it
    assert len(batches([1.0] * 100_000, 1000)) <= MOST_BATCHES + 1


def test_a_build_remembers_what_its_costliest_outputs_took(fresh_site: Path, monkeypatch) -> None:
    """The next build takes its costliest outputs first by these (batches); they name only
    outputs the site still has."""

    from sitegen import build
    from sitegen.state import read_cache, state_file

    monkeypatch.setattr(build, "COST_KEPT", 0.0)  # on a small site every output is quick
    build.build_site(fresh_site, search=False, jobs=1)
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    papers[0].unlink()
    build.build_site(fresh_site, search=False, jobs=1)
    state = read_cache(state_file(fresh_site, fresh_site / "output"))
    assert "timeline/index.html" in state.costs and "publications.json" in state.costs
    assert all(t > 0 for t in state.costs.values())
    assert set(state.costs) <= set(state.files)
    assert not any(papers[0].stem in name for name in state.costs)


def test_the_input_scan_follows_links_once_and_skips_what_it_is_told(tmp_path: Path) -> None:
    """One scanner serves the no-op check and the preview: a link back to a parent folder
    must not make it run forever, and a dangling link is no file: it counts as OTHER (a
    new one must not pass for "nothing changed"), which no reader takes for a file."""
    from sitegen.state import FOLDER, OTHER, scan

    site = tmp_path / "site"
    (site / "sub").mkdir(parents=True)
    (site / "sub" / "a.md").write_text("a")
    (site / "sub" / "loop").symlink_to(site, target_is_directory=True)
    (site / ".#lock.md").symlink_to(tmp_path / "nowhere")
    (site / "skipped").mkdir()
    (site / "skipped" / "b.md").write_text("b")
    found = scan([site, tmp_path / "missing"], lambda name: name == "skipped")
    a = site / "sub" / "a.md"
    folders = {str(p): FOLDER for p in (site, site / "sub", site / "sub" / "loop")}
    lock = str(site / ".#lock.md")
    assert found == {str(a): (1, a.stat().st_mtime_ns), lock: OTHER, **folders}


def test_a_folder_linked_twice_under_static_is_copied_under_both_names(fresh_site: Path) -> None:
    """The scanner entered each folder once, whatever its name: static/b/ was left out."""
    shared = fresh_site.parent / "shared"
    shared.mkdir()
    (shared / "doc.txt").write_text("slides\n")
    (fresh_site / "static").mkdir(exist_ok=True)
    for name in ("a", "b"):
        (fresh_site / "static" / name).symlink_to(shared, target_is_directory=True)
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    for name in ("a", "b"):
        assert (fresh_site / "output" / "assets" / name / "doc.txt").read_text() == "slides\n"


def test_a_static_file_that_is_a_link_to_nothing_is_an_error(fresh_site: Path) -> None:
    """A preview hunter's: a site's static/style.css linked to a file since moved was left
    out in silence, and the theme's stylesheet served in its place; a paper's dead link
    was an error already. An editor's lock link (emacs' `.#name`) is no file of the site."""
    static = fresh_site / "static"
    static.mkdir()
    (static / ".#notes.txt").symlink_to("user@host.1234:1700000000")  # emacs's: left out
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    (static / "style.css").symlink_to(fresh_site / "nowhere" / "style.css")
    for args in (("build", "--no-search"), ("check",)):
        proc = run_cli(*args, "--site", fresh_site)
        assert proc.returncode == 1, proc.stderr
        assert f"{static / 'style.css'}: cannot publish: a link to nothing" in proc.stderr


def test_editor_droppings_in_static_are_not_published(fresh_site: Path) -> None:
    """The preview does not watch swap and backup files, so the build must not copy them
    either (a stale `*.tmp` in output/ would differ from a preview's); and a deployed
    `notes.txt~` or `.#notes.txt` is a leak. `.well-known/` is the site and is copied."""
    static = fresh_site / "static"
    (static / ".well-known").mkdir(parents=True)
    (static / ".well-known" / "security.txt").write_text("Contact: x\n")
    names = ["notes.txt", "notes.txt~", "notes.txt.swp", "upload.tmp", "#notes.txt#", "4913"]
    for name in names:
        (static / name).write_text("n\n")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assets = fresh_site / "output" / "assets"
    copied = {p.name for p in assets.iterdir()}
    assert "notes.txt" in copied and not copied & set(names[1:])
    assert (assets / ".well-known" / "security.txt").is_file()


def test_a_syntax_error_in_a_template_a_page_reaches_is_named(fresh_site: Path) -> None:
    """base.html, _macros.html and fragments are parsed when the build finds what each page
    reaches: an error there names the file and line too, never a traceback."""
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "base.html").write_text(
        "<html>\n{% block content %}{% endblock %\n"
    )
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert "templates/base.html:2: template error" in err, err
    assert not (fresh_site / "output").exists()


def test_an_output_that_is_a_symbolic_link_is_refused(fresh_site: Path, tmp_path: Path) -> None:
    """A build replaces its output folder: through a link it replaced the link, left the
    folder it pointed to stale, and a later build into that folder destroyed it."""
    www = tmp_path / "www"
    assert run_cli("build", "--site", fresh_site, "--no-search", "--output", www).returncode == 0
    before = sorted(p.relative_to(www) for p in www.rglob("*"))
    link = fresh_site / "output"
    link.symlink_to(www)
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"refusing to build into {link}: it is a symbolic link" in proc.stderr
    assert f"--output {www}" in proc.stderr
    assert link.is_symlink() and sorted(p.relative_to(www) for p in www.rglob("*")) == before


def test_output_folders_that_are_not_earlier_builds_are_refused(
    fresh_site: Path, tmp_path: Path
) -> None:
    """A build replaces its output folder whole. A folder with an index.html of someone
    else's (a gh-pages checkout), or a history, is not a build's; one inside a linked
    content/ is the content; `--output .` and `x/..` are folders too."""
    pages = tmp_path / "gh-pages"
    pages.mkdir()
    (pages / "index.html").write_text("<p>my old site</p>\n")
    (pages / "CNAME").write_text("ada.example.org\n")
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / ".git").mkdir()
    shutil.copytree(fresh_site / "content", tmp_path / "real-content")
    shutil.rmtree(fresh_site / "content")
    (fresh_site / "content").symlink_to(tmp_path / "real-content")
    shared = tmp_path / "shared-theme"  # linked in as the README shares a theme: each
    (shared / "static").mkdir(parents=True)  # build read the last one back, nested
    (fresh_site / "themes").mkdir()
    (fresh_site / "themes" / "shared").symlink_to(shared)
    for target, why in (
        (pages, "it is not empty and holds no earlier build"),
        (kept, "it holds .git/"),
        (fresh_site / "content" / "papers" / "x", "it is inside content/"),
        (shared / "static" / "out", "it is inside themes/"),
    ):
        proc = run_cli("build", "--site", fresh_site, "--no-search", "--output", target)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert f"refusing to build into {target}: {why}" in proc.stderr, proc.stderr
    assert sorted(p.name for p in pages.iterdir()) == ["CNAME", "index.html"]
    assert (kept / ".git").is_dir()
    assert not (tmp_path / "real-content" / "papers" / "x").exists()
    here = tmp_path / "here"
    here.mkdir()
    run_cli("build", "--site", fresh_site, "--no-search", "--output", ".", cwd=here, check=True)
    assert (here / "index.html").is_file()
    up = tmp_path / "up"
    run_cli("build", "--site", fresh_site, "--no-search", "--output", up / "sub" / "..", check=True)
    assert (up / "index.html").is_file()
    shutil.rmtree(fresh_site / ".sitegen-cache")  # always safe: the home page tells it is ours
    run_cli("build", "--site", fresh_site, "--no-search", "--output", up, check=True)
    for jobs in ("-1", "²"):  # a superscript two is a digit to str.isdigit, not to int()
        proc = run_cli("build", "--site", fresh_site, "--jobs", jobs)
        assert proc.returncode == 2 and "not a number of processes from 1 to 64" in proc.stderr
    for port in ("99999", "-1"):  # a usage error, as --port abc was: exit 1 without usage
        proc = run_cli("serve", "--site", fresh_site, "--port", port)
        assert proc.returncode == 2 and "not a port from 0 to 65535" in proc.stderr


def test_a_home_page_deleted_by_hand_is_redone(fresh_site: Path) -> None:
    """The output folder is known as a build's by its state, not only by its index.html."""
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    home = fresh_site / "output" / "index.html"
    made = home.read_bytes()
    home.unlink()
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 0, proc.stderr
    assert home.read_bytes() == made


def test_a_link_put_in_the_output_by_hand_goes_with_the_next_build(fresh_site: Path) -> None:
    """A cold build has no such link; an incremental one must not carry it over either."""
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    elsewhere = fresh_site.parent / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not the site's\n")
    (fresh_site / "output" / "extra").symlink_to(elsewhere)
    paper = next((fresh_site / "content" / "papers").glob("*.md"))
    paper.write_text(paper.read_text() + "\nOne more line.\n")
    for _ in range(3):  # the old sites the builds start from must not bring it back
        run_cli("build", "--site", fresh_site, "--no-search", check=True)
        assert not os.path.lexists(fresh_site / "output" / "extra")
        paper.write_text(paper.read_text() + "Again.\n")
    assert (elsewhere / "keep.txt").read_text() == "not the site's\n"


@pytest.mark.slow  # about a second in the quick loop
def test_editor_files_among_the_fragments_change_nothing(fresh_site: Path, tmp_path: Path) -> None:
    """Every fragment template is read for the key of a page that calls `fragment`, and a
    dynamic include reads every template: a swap file that is not text, or not a template,
    is keyed as it is, and used by no page."""
    run_cli(
        "build", "--site", fresh_site, "--no-search", "--output", tmp_path / "before", check=True
    )
    fragments = fresh_site / "templates" / "fragments"
    fragments.mkdir(parents=True)
    (fragments / ".paper_item.html.swp").write_bytes(b"b0VIM 9.0\x00\xff\xfe{% if")
    (fragments / "paper_item.html~").write_text("{% if %}\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--output", tmp_path / "after")
    assert proc.returncode == 0, proc.stderr
    assert run_cli("check", "--site", fresh_site).returncode == 0
    before, after = tmp_path / "before", tmp_path / "after"
    files = sorted(p.relative_to(before) for p in before.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(after) for p in after.rglob("*") if p.is_file())
    assert all((before / f).read_bytes() == (after / f).read_bytes() for f in files)


def test_a_template_saved_during_a_build_is_rendered_as_it_was_keyed(tmp_path: Path) -> None:
    """Keys read each template's source; rendering compiles it later. Both must see the
    same text, or the state would record the old key for a page made from the new one."""
    (tmp_path / "page.html").write_text("one\n")
    env = make_env([tmp_path])
    assert env.loader.get_source(env, "page.html")[0] == "one\n"  # as keys.Templates reads it
    (tmp_path / "page.html").write_text("two\n")
    assert env.get_template("page.html").render() == "one\n"
    assert make_env([tmp_path]).get_template("page.html").render() == "two\n"  # the next build


def test_an_output_that_is_a_file_is_refused(fresh_site: Path) -> None:
    """A build replaces its output folder whole: a file there would be lost."""
    notes = fresh_site / "notes.txt"
    notes.write_text("keep me\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--output", notes)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "it is a file, not a folder" in proc.stderr
    assert notes.read_text() == "keep me\n"


def test_the_home_page_counts_the_papers_on_the_site(fresh_site: Path) -> None:
    """The profile text's count ("32 papers") went stale beside the site's own once a
    BibTeX import added papers: "Papers 32" on a home page listing 33."""
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    text = papers[0].read_text().replace("title: ", "title: Another look at ", 1)
    (papers[0].parent / f"{papers[0].stem}-again.md").write_text(text)
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    html = (fresh_site / "output" / "index.html").read_text()
    assert f"<dt>Papers</dt><dd>{len(papers) + 1}</dd>" in html


@pytest.mark.parametrize(
    "metric, message",
    [(r"\1: .nan", "must be a number, not nan"), ("  2024: 5", "2024: must be named in text")],
)
def test_non_finite_metrics_and_unnamed_ones_are_refused(
    fresh_site: Path, metric: str, message: str
) -> None:
    """JSON has no NaN or Infinity: the home page's JSON-LD would not parse; a metric's
    name is shown as words (a year or `true` as a name crashed the build). Named at its
    own line."""
    profile = fresh_site / "content" / "profile.yaml"
    text = profile.read_text(encoding="utf-8")
    found = re.search(r"(?m)^(  \w+): [\d.]+$", text)
    assert found
    profile.write_text(text[: found.start()] + found.expand(metric) + text[found.end() :])
    line = text.count("\n", 0, found.start()) + 1
    for command in ("build", "check"):
        proc = run_cli(command, "--site", fresh_site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert f"content/profile.yaml:{line}: metrics: " in proc.stderr, proc.stderr
        assert message in proc.stderr


def test_a_config_that_is_a_broken_link_is_an_error(fresh_site: Path) -> None:
    """Not the defaults in silence: the user meant a sitegen.yaml to be there."""
    (fresh_site / "sitegen.yaml").symlink_to("sitegen.yaml")  # a loop
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.endswith("sitegen.yaml: cannot read: Too many levels of symbolic links"), last


def test_a_missing_template_names_the_template_and_line_that_asks_for_it(
    fresh_site: Path,
) -> None:
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n{% include "part.html" %}\n'
        "{% endblock %}\n"
    )
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.endswith("templates/404.html:3: template not found: part.html (making /404.html)")


def test_fragments_tell_equal_arguments_of_other_types_apart() -> None:
    """A fragment is reused for equal arguments; 1, 1.0, True, 0.0 and -0.0 are equal in
    Python, inside a tuple too, but render differently."""
    import jinja2

    from sitegen.build import Pieces, fragment_function
    from sitegen.keys import Digests, Templates

    env = jinja2.Environment(loader=jinja2.DictLoader({"fragments/v.html": "{{ v }}"}))
    env.globals["fragment"] = fragment_function(env, Templates(env), Digests(), Pieces())
    page = env.from_string('{{ fragment("fragments/v.html", v=a) }}')
    values = [(1,), (1.0,), (True,), 0.0, -0.0, [1], [1.0], {"k": 1}, {"k": 1.0}]
    assert [page.render(root="", a=a) for a in values] == list(map(str, values))


def test_a_name_with_a_contribution_marker_is_the_same_person(fresh_site: Path) -> None:
    """`Lemeng Wu*` (equal contribution) is still the owner, shown as written, and
    `Ann Lee†` and `Ann Lee` are one coauthor, not two pages."""
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    for paper, authors in (
        (papers[0], "[Lemeng Wu*, Ann Lee†]"),
        (papers[1], "[Ann Lee, Lemeng Wu]"),
    ):
        text = re.sub(r"(?m)^authors:.*\n(?:[ -].*\n)*", "", paper.read_text())
        paper.write_text(text.replace("---\n", f"---\nauthors: {authors}\n", 1))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    out = fresh_site / "output"
    page = (out / "papers" / papers[0].stem / "index.html").read_text()
    assert '<strong class="owner">Lemeng Wu*</strong>' in page
    coauthors = {p.name for p in (out / "coauthors").iterdir() if p.is_dir()}
    assert "ann-lee" in coauthors and not {"ann-lee-2", "lemeng-wu"} & coauthors


def test_a_topic_spelt_in_two_cases_is_one_topic(fresh_site: Path) -> None:
    """`topic: lg` on one paper and `LG` on the others: one topic, spelt as most are."""
    papers = [
        p
        for p in sorted((fresh_site / "content/papers").glob("*.md"))
        if "\ntopic: LG\n" in p.read_text()
    ]
    papers[0].write_text(papers[0].read_text().replace("\ntopic: LG\n", "\ntopic: lg\n"))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    topics = fresh_site / "output" / "topics"
    assert (topics / "lg").is_dir() and not (topics / "lg-2").exists()
    page = (topics / "lg" / "index.html").read_text()
    assert page.count('class="paper-item') == len(papers)


@pytest.mark.slow  # three builds
def test_a_topic_written_with_its_arxiv_archive_is_the_bare_codes_topic(fresh_site: Path) -> None:
    """`topic: cs.LG` (arXiv's own spelling) on one paper where the others write `LG`: one
    topic, Machine Learning at /topics/lg/, as the BibTeX already had it (cs.LG for both)."""
    out = fresh_site / "output"
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    subjects = re.search(r"across \d+ arXiv subjects", (out / "topics/index.html").read_text())
    papers = sorted((fresh_site / "content/papers").glob("*.md"))
    lg = [p for p in papers if "\ntopic: LG\n" in p.read_text()]
    lg[0].write_text(lg[0].read_text().replace("\ntopic: LG\n", "\ntopic: cs.LG\n"))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert sorted(p.name for p in (out / "topics").iterdir() if "lg" in p.name) == ["lg"]
    assert subjects and subjects[0] in (out / "topics/index.html").read_text()
    page = (out / "topics" / "lg" / "index.html").read_text()
    assert "Machine Learning" in parse(page).text and page.count('class="paper-item') == len(lg)
    chips = parse(out / "papers" / lg[0].stem / "index.html").find("a", class_="chip t0")
    assert {c["href"] for c in chips} == {"../../topics/lg/"}  # its own, and related papers'
    # most papers writing cs.LG (a regression hunter's): the topic kept `cs.LG`, and lost its
    # name, colour and URL, which moved back with the counts
    for path in lg[1:-1]:
        path.write_text(path.read_text().replace("\ntopic: LG\n", "\ntopic: cs.LG\n"))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert sorted(p.name for p in (out / "topics").iterdir() if "lg" in p.name) == ["lg"]
    page = (out / "topics" / "lg" / "index.html").read_text()
    assert "Machine Learning" in parse(page).text and page.count('class="paper-item') == len(lg)


def test_a_tag_spelt_in_two_cases_is_one_tag(fresh_site: Path) -> None:
    """`LLM` on two papers and `llm` on a third: one tag page at /tags/llm/ listing all
    three, shown as most papers spell it, and every paper's chip links there."""
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    spellings = {papers[0]: "[LLM, Agents]", papers[1]: "[llm]", papers[2]: "[LLM, RL, llm]"}
    for path, tags in spellings.items():
        path.write_text(path.read_text().replace("---\n", f"---\ntags: {tags}\n", 1))
    run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL, check=True)
    out = fresh_site / "output"
    assert sorted(p.name for p in (out / "tags").iterdir() if p.is_dir()) == ["agents", "llm", "rl"]
    page = parse(out / "tags" / "llm" / "index.html")
    assert "LLM" in page.text and "llm" not in page.text.replace("LLM", "")
    listed = {a["href"] for a in page.find("a") if (a["href"] or "").startswith("../../papers/")}
    assert {f"../../papers/{p.stem}/" for p in spellings} <= listed
    for path in spellings:  # each paper's tag chips link to the merged pages
        page = parse(out / "papers" / path.stem / "index.html")
        tags = [a["href"] for a in page.find("a") if "/tags/" in (a["href"] or "")]
        assert tags and set(tags) <= {"../../tags/llm/", "../../tags/agents/", "../../tags/rl/"}, (
            tags
        )
        assert len(tags) == len(set(tags)), tags  # `[LLM, llm]` on one paper: one chip
        keywords = [m["content"] for m in page.find("meta", name="citation_keywords")]
        assert keywords and keywords[0].lower().count("llm") == 1, keywords
        if path == papers[2]:  # where the first spelling is: the author's order (a reviewer's)
            assert keywords[0].endswith("LLM; RL"), keywords
    assert "LLM" in parse(out / "tags" / "index.html").text


def test_a_relative_link_in_an_abstract_is_a_warning_with_its_file(fresh_site: Path) -> None:
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text() + "\nSlides: [pdf](slides.pdf), [again](slides.pdf).\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL)
    assert proc.returncode == 0, proc.stderr
    rel = f"content/papers/{paper.name}"
    # once, however often the link is given (each was a line, at every build)
    assert proc.stderr.count(f"{rel}: warning: relative link 'slides.pdf'") == 1, proc.stderr


@pytest.mark.slow
def test_a_nav_entry_to_no_page_is_a_warning_at_its_line_in_build_and_check(
    fresh_site: Path,
) -> None:
    """A `/` nav url was never checked: once the last news item was deleted, the
    `/news/` entry the README suggests linked every page to a 404, as a typo did.
    A fragment, a query, a percent-encoding or a missing slash still name a made page;
    an external url is not checked."""
    (fresh_site / "sitegen.yaml").write_text(
        "nav:\n- {title: News, url: /news/}\n- {title: Timeline, url: /timline/}\n"
        '- {title: Topics, url: "/topics/#cl"}\n- {title: T, url: "/time%6Cine/?y=1"}\n'
        "- {title: People, url: /coauthors}\n- {title: Blog, url: https://b.example.org/x/}\n"
    )
    why = "which no page of the site is made for"
    news = f"{fresh_site}/sitegen.yaml:2: warning: nav entry 'News' links to /news/, {why}"
    typo = f"{fresh_site}/sitegen.yaml:3: warning: nav entry 'Timeline' links to /timline/, {why}"

    def nav_warnings(*args: str | Path) -> list[str]:
        proc = run_cli(*args, "--site", fresh_site, check=True)
        return [line for line in proc.stderr.splitlines() if "nav entry" in line]

    build = ("build", "--no-search", "--base-url", BASE_URL)
    assert nav_warnings(*build) == [news, typo]
    assert nav_warnings(*build) == nav_warnings("check") == nav_warnings(*build, "--no-cache")
    (fresh_site / "content" / "news").mkdir()
    (fresh_site / "content" / "news" / "2026-01-02-hi.md").write_text(
        "---\ndate: 2026-01-02\n---\nHello.\n"
    )
    assert nav_warnings(*build) == [typo]  # incremental
    assert nav_warnings(*build) == nav_warnings("check") == nav_warnings(*build, "--no-cache")


@pytest.mark.parametrize(
    ("year", "said"), [("0202", "202 is before 1900"), ("2202", "2202 is after 2100")]
)
def test_a_year_far_from_now_is_a_warning_with_its_line(
    fresh_site: Path, year: str, said: str
) -> None:
    """`0202` or `2202` for `2022` builds (a historian may list old work) but is named:
    the timeline's chart would otherwise silently draw every year between."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = re.sub(r"(?m)^date: \d{4}", f"date: {year}", paper.read_text(), count=1)
    paper.write_text(text)
    line = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("date:")))
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL)
    assert proc.returncode == 0, proc.stderr
    warning = f"content/papers/{paper.name}:{line + 1}: warning: date: the year {said}"
    assert warning in proc.stderr, proc.stderr


def test_a_site_folder_where_no_cache_can_be_written_still_builds(
    fresh_site: Path, tmp_path: Path
) -> None:
    """A read-only checkout built elsewhere: the cache only makes builds faster, so one
    that cannot be written is done without (here `.sitegen-cache` is a file)."""
    (fresh_site / ".sitegen-cache").write_text("not a folder\n")
    out = tmp_path / "out"
    for _ in range(2):  # the second replaces the first without the cache's trash
        run_cli("build", "--site", fresh_site, "--no-search", "--output", out, check=True)
    run_cli("build", "--site", fresh_site, "--no-search", "--output", tmp_path / "cold", check=True)
    cold = tmp_path / "cold"
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == {
        p.relative_to(cold): p.read_bytes() for p in cold.rglob("*") if p.is_file()
    }


def test_an_unknown_filter_is_named_at_its_file_in_an_incremental_build_too(
    fresh_site: Path,
) -> None:
    """Keying compiles a template to find its names: an unknown filter failed there first,
    named `<introspection>:2`, where a cold build names the file."""
    args = ("build", "--site", fresh_site, "--no-search")
    run_cli(*args, check=True)
    (fresh_site / "templates").mkdir(exist_ok=True)
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "default/paper.html" %}\n'
        "{% block paper_extras %}{{ paper.title|nosuch }}{% endblock %}\n"
    )
    for extra in ((), ("--no-cache",)):
        proc = run_cli(*args, *extra)
        assert proc.returncode == 1, proc.stderr
        err = proc.stderr.strip().splitlines()[-1]
        assert err.endswith("templates/paper.html:2: template error: No filter named 'nosuch'.")


def test_an_earlier_build_with_a_base_html_of_its_own_is_known_without_the_cache(
    fresh_site: Path,
) -> None:
    """The README invites a base.html of one's own, which need not name sitegen as its
    generator: the earlier build was then known only by the cache, and deleting the cache
    (always safe, says the README) made the next build refuse its own output folder."""
    base = builtin_themes_dir() / "default" / "templates" / "base.html"
    mine = re.sub(r'<meta name="generator"[^>]*>\n?', "", base.read_text(encoding="utf-8"))
    (fresh_site / "templates").mkdir(exist_ok=True)
    (fresh_site / "templates" / "base.html").write_text(mine, encoding="utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert "generator" not in (fresh_site / "output" / "index.html").read_text()
    shutil.rmtree(fresh_site / ".sitegen-cache")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)


def test_an_older_builds_output_is_known_by_its_feed_without_the_cache(
    fresh_site: Path, tmp_path: Path
) -> None:
    """Builds before the sitemap's mark (c7dbc23) with a base.html of one's own left nothing
    but the cache to know their output by: with it deleted (always safe, says the README),
    the next build refused the site's own output/. Every build's site feed names sitegen;
    a folder whose feed is someone else's is still refused."""

    def old_output(folder: Path, generator: str) -> Path:  # as such a build laid it out
        folder.mkdir()
        (folder / "index.html").write_text("<!DOCTYPE html>\n<title>Ada Lovelace</title>\n")
        (folder / "sitemap.xml").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n'
        )
        (folder / "feed.xml").write_text(
            "<?xml version='1.0' encoding='UTF-8'?>\n<rss version=\"2.0\">\n  <channel>\n"
            f"    <generator>{generator}</generator>\n  </channel>\n</rss>\n"
        )
        return folder

    theirs = old_output(tmp_path / "theirs", "Hugo")
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--output", theirs)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip() == (
        f"error: refusing to build into {theirs}: it is not empty and holds no earlier build "
        "(a build replaces the whole folder)"
    )
    assert sorted(p.name for p in theirs.iterdir()) == ["feed.xml", "index.html", "sitemap.xml"]
    shutil.rmtree(fresh_site / ".sitegen-cache", ignore_errors=True)
    ours = old_output(fresh_site / "output", "sitegen")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert (ours / "papers").is_dir()


def test_a_file_named_like_the_state_is_no_proof_of_an_earlier_build(
    fresh_site: Path, tmp_path: Path
) -> None:
    """The guard took any file under the state's name for an earlier build into that
    output: planted there (its name is a digest of the output's path), a folder of the
    user's own files was replaced by the site. Only a state this user signed counts."""
    from sitegen.state import state_file

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "thesis.txt").write_text("my thesis\n")
    (fresh_site / ".sitegen-cache").mkdir(exist_ok=True)
    state_file(fresh_site, theirs).write_text("planted\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--output", theirs)
    assert proc.returncode == 1 and "holds no earlier build" in proc.stderr, proc.stderr
    assert [p.name for p in theirs.iterdir()] == ["thesis.txt"]


def test_an_output_replaced_by_the_users_own_files_is_refused(fresh_site: Path) -> None:
    """The state of the build that made output/ outlives the folder: a folder of the
    user's own files put in its place was replaced by the site, and its files deleted."""
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    output = fresh_site / "output"
    shutil.rmtree(output)
    output.mkdir()
    (output / "thesis.txt").write_text("my thesis\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "it is not empty and holds no earlier build" in proc.stderr, proc.stderr
    assert [p.name for p in output.iterdir()] == ["thesis.txt"]
    (output / "thesis.txt").unlink()  # emptied: the build goes ahead, and so with a file left
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    (output / "sitemap.xml").unlink()
    (output / "index.html").unlink()
    (output / "feed.xml").unlink()
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert (output / "index.html").is_file()


def test_a_template_may_not_change_the_data_pages_share(fresh_site: Path) -> None:
    """A page that appended to a list it shares changed what the pages after it showed, so
    an incremental build differed from a cold one; a list of its own it may build in a
    namespace()."""
    (fresh_site / "templates").mkdir(exist_ok=True)
    page = fresh_site / "templates" / "paper.html"
    page.write_text(
        '{% extends "default/paper.html" %}\n{% block paper_extras %}\n'
        "{% set ns = namespace(seen=[]) %}{% set ns.seen = ns.seen + [paper.slug] %}\n"
        "{% set _ = profile.extra.setdefault('seen', []).append(paper.slug) %}\n"
        "{% endblock %}\n"
    )
    assert build_error(fresh_site).endswith(
        "templates/paper.html:4: template error: templates may not "
        "change the site's data (dict.setdefault): make a new value instead, with `+` or in "
        f"a namespace() (making the page of content/papers/{NEWEST}.md)"
    )


def test_an_error_in_a_template_of_any_name_is_named_at_its_own_line(fresh_site: Path) -> None:
    """Only .html, .xml, .txt and .j2 frames were taken for templates: an error inside an
    included `box.jinja` was blamed on the line that included it."""
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "box.jinja").write_text("<p>\n{{ paper.title }}\n{{ papr.title }}\n</p>\n")
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}\n'
        '{% block paper_extras %}{% include "box.jinja" %}{% endblock %}\n'
    )
    assert build_error(fresh_site).endswith(
        "templates/box.jinja:3: template error: 'papr' is undefined (making the page of "
        f"content/papers/{NEWEST}.md)"  # the first paper page made
    )


def test_a_template_error_only_some_pages_meet_names_the_page(fresh_site: Path) -> None:
    """A hunter's: `paper.extra.slides`, given in a few papers' files, stopped the build at
    the template's line, and nothing said which of 32 papers lacked it."""
    (fresh_site / "templates").mkdir(exist_ok=True)
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "default/paper.html" %}\n'
        '{% block paper_extras %}<a href="{{ paper.extra.slides }}">Slides</a>{% endblock %}\n'
    )
    newest = fresh_site / "content" / "papers" / f"{NEWEST}.md"
    newest.write_text(newest.read_text().replace("---\n", "---\nslides: https://x.org/s\n", 1))
    err = build_error(fresh_site)
    found = re.fullmatch(
        r".*/templates/paper\.html:2: template error: 'dict object' has no attribute 'slides' "
        r"\(making the page of (content/papers/[\w-]+\.md)\)",
        err,
    )
    assert found, err
    assert "slides:" not in (fresh_site / found[1]).read_text()  # the paper to look at


def test_an_error_the_sites_template_causes_in_a_default_macro_is_named_in_the_site(
    fresh_site: Path,
) -> None:
    """The innermost template frame was taken: an undefined name the site's 404.html passes
    to a default macro was reported in the built-in theme's _macros.html, not the user's."""
    (fresh_site / "templates").mkdir(exist_ok=True)
    (fresh_site / "templates" / "404.html").write_text(
        '{% extends "base.html" %}{% import "_macros.html" as m with context %}'
        "{% block content %}\n\n{{ m.paper_list(recent) }}\n{% endblock %}\n"
    )
    err = build_error(fresh_site)
    assert err == (
        f"{fresh_site}/templates/404.html:3: template error: 'recent' is undefined "
        "(making /404.html)"
    )


def test_control_characters_in_sitegen_yaml_reach_no_page(fresh_site: Path) -> None:
    """Titles and names from content/ are cleaned; the site's title, description, nav and
    topic names from sitegen.yaml went into every page's <head> and header raw, and so did
    a front-matter value a template shows with |inline or |plain, when it had no markup."""
    (fresh_site / "sitegen.yaml").write_text(
        'title: "A\\x01B\\x7fC\\u0085D\\u202eE"\ndescription: "d\\x02e"\n'
        'nav:\n- {title: "T\\x03i", url: "/timeline/\\x04"}\n'
        'topic_names: {CV: "Vis\\x03ion"}\n',
        encoding="utf-8",
    )
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(
        paper.read_text().replace("---\n", '---\nnote: "plain\\x01 text\\x7f end"\n', 1)
    )
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% block paper_extras %}'
        '{% set note = paper.extra.get("note", "") %}'
        '<p title="{{ note|plain }}">{{ note|inline }}</p>{% endblock %}'
    )
    run_cli("build", "--site", fresh_site, "--no-search", "--base-url", BASE_URL, check=True)
    noted = f"papers/{paper.stem}/index.html"
    for page in ("index.html", "timeline/index.html", "feed.xml", noted):
        text = (fresh_site / "output" / page).read_text(encoding="utf-8")
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e]", text), page
        assert "ABCDE" in text, page
    assert 'href="../timeline/"' in (fresh_site / "output" / "timeline/index.html").read_text()


def test_a_named_pipe_in_static_is_no_file_and_a_template_bom_no_text(fresh_site: Path) -> None:
    """Reading a FIFO found in static/ waited for ever; a template saved with a byte-order
    mark put U+FEFF into every page that used it."""
    (fresh_site / "static").mkdir(exist_ok=True)
    os.mkfifo(fresh_site / "static" / "pipe.css")
    fragments = fresh_site / "templates" / "fragments"
    fragments.mkdir(parents=True)
    item = builtin_themes_dir() / "default" / "templates" / "fragments" / "paper_item.html"
    (fragments / "paper_item.html").write_bytes(b"\xef\xbb\xbf" + item.read_bytes())
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert "\ufeff" not in (fresh_site / "output" / "timeline" / "index.html").read_text()
    assert not list((fresh_site / "output" / "assets").glob("pipe*"))


def test_unicode_noncharacters_reach_no_page(fresh_site: Path) -> None:
    """HTML forbids U+FDD0-U+FDEF and the last two code points of every plane; only U+FFFE
    and U+FFFF were dropped, so a pasted one made the pages invalid."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = paper.read_text(encoding="utf-8").replace("title: ", "title: \ufdd0X\U0001fffe", 1)
    paper.write_text(text + "\nBody \ufdef and \U0010ffff.\n", encoding="utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    odd = re.compile("[\ufdd0-\ufdef\U0001fffe\U0010ffff]")
    for page in (fresh_site / "output").rglob("*.html"):
        assert not odd.search(page.read_text(encoding="utf-8")), page


def test_a_tag_or_topic_typed_composed_or_decomposed_is_one_page(fresh_site: Path) -> None:
    """`é` may be stored as one code point or as `e` and an accent (macOS file names and
    some editors): the two spellings made two pages both headed "Café"."""
    import unicodedata

    from sitegen.slugs import title_words

    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))[:2]
    for paper, form in zip(papers, ("NFC", "NFD"), strict=True):
        cafe = unicodedata.normalize(form, "Café")
        text = paper.read_text(encoding="utf-8").replace("---\n", f"---\ntags: [{cafe}]\n", 1)
        paper.write_text(text, encoding="utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert [p.name for p in (fresh_site / "output" / "tags").iterdir() if p.is_dir()] == ["cafe"]
    assert title_words(unicodedata.normalize("NFD", "Über Café")) == title_words("über café")


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("aux", "'aux' is a name Windows keeps for a device"),
        ("a" * 152, "it is longer than 151 characters"),
        ("My Paper", "use lower-case letters, digits and '-'"),
    ],
)
def test_a_paper_file_name_no_url_can_have_names_the_rule_it_breaks(
    fresh_site: Path, name: str, said: str
) -> None:
    """A hunter's: `aux.md` and a 152-letter name were told to use lower-case letters,
    digits and '-', which they do."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.rename(paper.with_name(f"{name}.md"))
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1
    assert proc.stderr == (
        f"content/papers/{name}.md:1: file name is not a valid slug ({said}), "
        "or set `slug:` in the front matter\n"
    )


def test_a_paper_saved_with_a_classic_macs_line_ends_is_read(fresh_site: Path) -> None:
    """`\\r` alone ends no `---` line: "missing front matter", of a file that has one."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    want = parse_out(fresh_site)
    paper.write_bytes(paper.read_bytes().replace(b"\n", b"\r"))
    assert parse_out(fresh_site) == want


def parse_out(site: Path) -> dict[str, bytes]:
    run_cli("build", "--site", site, "--no-search", "--no-cache", check=True)
    return {str(p.relative_to(site)): p.read_bytes() for p in (site / "output").rglob("*.html")}


def test_no_folder_is_named_as_windows_devices_and_assets_are_quoted(fresh_site: Path) -> None:
    """A coauthor "Con" or a tag "aux" made folders a Windows checkout cannot hold; a
    static file `slides #1.txt` was linked as `slides ` with a fragment."""
    from sitegen.index import unique_slugs

    assert unique_slugs(["Con", "Nul", "Ada"], "person") == {
        "Ada": "ada",
        "Con": "con-2",
        "Nul": "nul-2",
    }
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("---\n", "---\nslug: con\n", 1), encoding="utf-8")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "'con' is not a valid slug" in proc.stderr, proc.stderr
    paper.write_text(text.replace("---\n", "---\ntags: [aux]\n", 1), encoding="utf-8")
    (fresh_site / "static").mkdir(exist_ok=True)
    (fresh_site / "static" / "slides #1.txt").write_text("slides\n")
    (fresh_site / "templates").mkdir(exist_ok=True)
    (fresh_site / "templates" / "paper.html").write_text(
        '{% extends "default/paper.html" %}'
        "{% block paper_extras %}<a href=\"{{ asset('slides #1.txt') }}\">s</a>{% endblock %}"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert (fresh_site / "output" / "tags" / "aux-2").is_dir()
    page = next((fresh_site / "output" / "papers").glob("*/index.html")).read_text()
    assert 'href="../../assets/slides%20%231.txt"' in page


def test_templates_that_include_each_other_in_a_loop_say_so(fresh_site: Path) -> None:
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "a.html").write_text('{% include "b.html" %}\n')
    (templates / "b.html").write_text('x\n{% include "a.html" %}\n')
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}'
        '{% block paper_extras %}{% include "a.html" %}{% endblock %}\n'
    )
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert re.search(
        r"templates/[ab]\.html:\d: template error: templates or macros include or call each "
        r"other in a loop, or nest too deep "
        rf"\(making the page of content/papers/{NEWEST}\.md\)\n\Z",
        proc.stderr,
    ), proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_template_python_cannot_compile_is_named_without_a_traceback(fresh_site: Path) -> None:
    """Jinja compiles a template to Python, whose limits it may pass: 200 `or`s nested too
    many parentheses, a 5,000-digit number is more than Python reads. `check` printed a
    traceback, and the build named a line of the generated code."""
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    many = " or ".join(f'page_url == "x{i}"' for i in range(200))
    for body, problem in (
        (f"{{% if {many} %}}x{{% endif %}}", "too complex to compile (too many nested"),
        ("{{ 10**5000 }}", "template error: ValueError: Exceeds the limit"),
        ("{{ " + "(" * 300 + "1" + ")" * 300 + " }}", "template error: "),
    ):
        (templates / "404.html").write_text(
            f'{{% extends "base.html" %}}{{% block content %}}{body}{{% endblock %}}\n'
        )
        for command in (("check",), ("build", "--no-search")):
            proc = run_cli(*command, "--site", fresh_site)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
            assert "404.html" in proc.stderr and problem in proc.stderr, proc.stderr
            assert "line 26" not in proc.stderr


def test_a_static_folder_named_as_a_theme_file_is_named(fresh_site: Path) -> None:
    """static/icons.svg/ beside the theme's icons.svg failed writing into the temporary
    folder, named in the error instead of the two sources."""
    (fresh_site / "static" / "icons.svg").mkdir(parents=True)
    (fresh_site / "static" / "icons.svg" / "a.txt").write_text("x\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("error: icons.svg is a file in one static folder and a folder")
    assert proc.stderr.rstrip().endswith(f"{fresh_site / 'static' / 'icons.svg'}"), proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_topic_name_for_no_topic_is_warned_of_at_its_line(fresh_site: Path) -> None:
    """A settings hunter's: `lg: Learning` for the topic `LG`, or a code no paper has, was
    a name that never showed, without a word, where a misspelt setting is always said."""
    (fresh_site / "sitegen.yaml").write_text(
        "topic_names:\n  LG: Learning\n  lg: Learning\n  XX: Nothing\n"
    )
    for command in (("build", "--no-search"), ("check",)):
        proc = run_cli(*command, "--site", fresh_site)
        assert proc.returncode == 0, proc.stderr
        said = [line for line in (proc.stderr + proc.stdout).splitlines() if "topic_names" in line]
        assert said == [
            f"{fresh_site / 'sitegen.yaml'}:3: warning: topic_names: 'lg' names no topic or tag:"
            " did you mean 'LG'? codes are case-sensitive",
            f"{fresh_site / 'sitegen.yaml'}:4: warning: topic_names: 'XX' names no topic or tag:"
            " no paper has it",
        ], proc.stderr + proc.stdout


def test_dunder_names_namespaces_in_fragments_and_decomposed_topic_names(fresh_site: Path) -> None:
    """Three ways an incremental build could differ from a cold one, or a page be wrong:
    `x.__setitem__` or `x.__dict__` reached past the refusal of `update` and `append`; a
    namespace() handed to fragment() was taken for a value that cannot change (hashable),
    so every call showed the first rendering; a decomposed `topic_names` key stopped
    naming its topic once topics were read composed."""
    import unicodedata

    templates = fresh_site / "templates"
    (templates / "fragments").mkdir(parents=True)
    (templates / "fragments" / "count.html").write_text("<b>n={{ ns.n }}</b>")
    (templates / "404.html").write_text(
        '{% extends "default/404.html" %}{% block content %}{% set ns = namespace(n=0) %}'
        '{% for _ in range(3) %}{% set ns.n = ns.n + 1 %}{{ fragment("fragments/count.html",'
        " ns=ns) }}{% endfor %}{% endblock %}\n"
    )
    topic = unicodedata.normalize("NFD", "Écologie")
    (fresh_site / "sitegen.yaml").write_text(
        f"topic_names:\n  {topic}: Ecology\n", encoding="utf-8"
    )
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = re.sub(r"(?m)^topic: .*$", f"topic: {topic}", paper.read_text(encoding="utf-8"))
    paper.write_text(text, encoding="utf-8")
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert re.findall(r"n=\d", (fresh_site / "output" / "404.html").read_text()) == [
        "n=1",
        "n=2",
        "n=3",
    ]
    assert (
        "<h1>Ecology</h1>"
        in (fresh_site / "output" / "topics" / "ecologie" / "index.html").read_text()
    )
    # `_` names reach past the refusal, or values the page's key does not hold; an unbound
    # method changes a shared dict as a bound one would
    for reach, said in (
        ("owner.__dict__", "may not use names that start with `_` (Person.__dict__)"),
        ("profile.extra['__setitem__']('k', 1)", "'dict object' has no attribute '__setitem__'"),
        ("self._TemplateReference__context", "may not use names that start with `_`"),
        ("dict.update(profile.extra, {'n': 1})", "may not change the site's data (type.update)"),
    ):
        (templates / "index.html").write_text(
            f'{{% extends "default/index.html" %}}{{% set x = {reach} %}}'
        )
        proc = run_cli("build", "--site", fresh_site, "--no-search")
        assert proc.returncode == 1 and said in proc.stderr, proc.stderr
        assert proc.stderr.startswith(f"{templates / 'index.html'}:1: template error"), proc.stderr


def _in_404(page: Path, body: str) -> None:
    """The site's 404 page (`page`) showing `body` on its line 2, in the content block."""
    page.parent.mkdir(exist_ok=True)
    page.write_text(
        f'{{% extends "default/404.html" %}}{{% block content %}}\n{body}{{% endblock %}}\n'
    )


@pytest.mark.slow
def test_a_format_string_may_not_look_up_attributes_or_items(fresh_site: Path) -> None:
    """str.format does its own lookups, past the refusal of `_` names: a site's template
    published an environment variable, and `sitegen check` said nothing. Fields that only
    place the arguments still format, Markup's too."""
    page = fresh_site / "templates" / "404.html"
    page.parent.mkdir(exist_ok=True)

    def render(expression: str) -> None:
        _in_404(page, f"<pre>{{{{ {expression} }}}}</pre>")

    render('"{} of {}".format(1, 2) ~ "{n}".format(n=3) ~ ("<b>{}</b>"|safe).format("&")')
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert "<pre>1 of 23<b>&amp;</b></pre>" in (fresh_site / "output" / "404.html").read_text()
    for reach, field in (
        ('"{0.__init__.__globals__[os].environ[CI_TOKEN]}".format(cycler)', "0.__init__"),
        ('("{0.__init__}"|safe).format(cycler)', "0.__init__"),
        ('"{p[0]}".format_map({"p": [1]})', "p[0]"),
        ('"{0:{1.real}}".format(1, 2)', "1.real"),
    ):
        render(reach)
        said = f"{page}:2: template error: templates may not look up attributes or items in a"
        for command in (["build", "--no-search"], ["check"]):
            proc = run_cli(*command, "--site", fresh_site, env={"CI_TOKEN": "s3cr3t"})
            assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
            assert f"{said} format field ({{{field}" in proc.stderr, proc.stderr
            assert "s3cr3t" not in proc.stdout + proc.stderr


def test_a_fragment_given_a_namespace_or_loop_in_a_tuple_renders_afresh(
    fresh_site: Path,
) -> None:
    """A namespace() or loop passed in a tuple was cached by identity: the second call, after
    the namespace changed, and each turn of a loop showed the first rendering."""
    templates = fresh_site / "templates"
    (templates / "fragments").mkdir(parents=True)
    (templates / "fragments" / "ns.html").write_text("v={{ a[0].v }}\n")
    (templates / "fragments" / "turn.html").write_text("i={{ a[0].index }}\n")
    (templates / "404.html").write_text(
        '{% extends "default/404.html" %}{% block content %}\n'
        "{% set ns = namespace(v=1) %}{{ fragment('fragments/ns.html', a=(ns,)) }}"
        "{% set ns.v = 2 %}{{ fragment('fragments/ns.html', a=(ns,)) }}"
        "{% for x in range(3) %}{{ fragment('fragments/turn.html', a=(loop,)) }}{% endfor %}"
        "{% endblock %}\n"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    shown = (fresh_site / "output" / "404.html").read_text()
    assert re.findall(r"[vi]=\d", shown) == ["v=1", "v=2", "i=1", "i=2", "i=3"], shown


@pytest.mark.slow
def test_dice_and_the_clock_are_refused_in_templates(fresh_site: Path) -> None:
    """`|random`, `lipsum()` and a date's `today()` made two builds of one site differ, and
    an incremental build kept the last one's output: its key covers inputs, not dice."""
    page = fresh_site / "templates" / "404.html"
    page.parent.mkdir(exist_ok=True)
    for reach, said in (
        ("range(9)|random", "|random would make every build differ"),
        ("lipsum(1)", "lipsum() would make every build differ"),
        ("site.papers[0].date.today()", "may not read the clock (date.today)"),
    ):
        _in_404(page, f"<pre>{{{{ {reach} }}}}</pre>")
        for command in (["build", "--no-search"], ["check"]):
            proc = run_cli(*command, "--site", fresh_site)
            assert proc.returncode == 1 and f"{page}:2: template error: " in proc.stderr
            assert said in proc.stderr, proc.stderr


@pytest.mark.slow  # about a second in the quick loop
def test_a_page_is_the_same_on_any_machine_and_run(fresh_site: Path) -> None:
    """Found by the second template hunt: a set in hash order (`d.keys() - x`), a printed
    generator or module (an address, the install path), the machine's time zone, and a
    template in templates/.git/ (never scanned, so stale) each made output depend on the
    run or the machine, and an incremental build keep it."""
    templates = fresh_site / "templates"
    (templates / ".git").mkdir(parents=True)
    (templates / ".git" / "inc.html").write_text("AAA\n")
    page = templates / "404.html"

    def build(expression: str, env: dict | None = None) -> object:
        _in_404(page, f"<pre>{{{{ {expression} }}}}</pre>")
        return run_cli("build", "--site", fresh_site, "--no-search", env=env)

    for expression, said in (
        ('(topic_labels.keys() - ["LG"])|join(",")', "unsupported operand type(s) for -"),
        # unbound, as Jinja's `dict` global reaches it: an AttributeError named no template
        ('(dict.keys(topic_labels) - ["LG"])|join(",")', "unsupported operand type(s) for -"),
        ("dict.items", "a function is not text"),
        ('site.papers|map(attribute="slug")', "a generator is not text: add |list or |join"),
        ("urls", "a module is not text"),
    ):
        proc = build(expression)
        assert proc.returncode == 1 and f"{page}:2: template error: " in proc.stderr
        assert said in proc.stderr, proc.stderr
    _in_404(page, '{% include ".git/inc.html" %}')
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and "404.html:2: template not found: .git/inc.html" in proc.stderr
    # an absolute name is looked up inside the template folders, as Jinja does: a file
    # there that is not UTF-8 is named (the error named a file outside, or StopIteration)
    (templates / "zz").mkdir()
    (templates / "zz" / "bad.html").write_bytes(b"fine\nnot \xff UTF-8\n")
    _in_404(page, '{% include "/zz/bad.html" %}')
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.returncode == 1 and f"{templates / 'zz' / 'bad.html'}:2: " in proc.stderr
    (templates / "zz" / "bad.html").unlink()
    # 2026-04-09 at midnight UTC, as the epoch's seconds: the same under any TZ
    proc = build('site.papers[0].date.replace(2026, 4, 9).strftime("%s")', {"TZ": "Asia/Tokyo"})
    assert proc.returncode == 0, proc.stderr
    assert "<pre>1775692800</pre>" in (fresh_site / "output" / "404.html").read_text()


@pytest.mark.slow
def test_a_generator_s_frame_is_out_of_a_template_s_reach(fresh_site: Path) -> None:
    """Jinja's map filter returns a generator, whose `gi_frame.f_globals` are a module's
    globals (and `["__builtins__"]` there, a dict's key, Python's builtins): reached without
    one `_`; a Markup key went past the `_` rule; a class's function changed a module for
    every later page. Refused however spelt; a dict's own key of that name is still a key."""
    page = fresh_site / "templates" / "404.html"
    page.parent.mkdir(exist_ok=True)
    (fresh_site / "content" / "profile.yaml").open("a").write("mro: a key like any other\n")
    for reach, what in (
        ('(site.papers|map(attribute="title")).gi_frame.f_globals', "generator.gi_frame"),
        ('(site.papers|map(attribute="title"))["gi_code"]', "generator.gi_code"),
        ('(site.papers|map(attribute="title"))|attr("gi_frame")', "generator.gi_frame"),
        ("dict.mro()", "type.mro"),
        # a Markup key is a str too: it went past the `_` rule to the attribute
        ('(site.papers|map(attribute="title"))["gi_frame"|safe]', "generator.gi_frame"),
        ('lipsum["__globals__"|safe]', "function.__globals__"),
        ('[lipsum]|map(attribute="__globals__.os"|e)|first', "function.__globals__"),
        # a plain function taken from a class, called on shared data: `urls.pos = 0`
        ("cycler.reset(urls)", "type.reset"),
        ('cycler["reset"](urls)', "type.reset"),
    ):
        _in_404(page, f"<pre>{{{{ {reach} }}}}</pre>")
        for command in (["build", "--no-search"], ["check"]):
            proc = run_cli(*command, "--site", fresh_site)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
            said = f"{page}:2: template error: templates may not "
            assert said in proc.stderr and f"({what})" in proc.stderr, proc.stderr
    page.write_text(
        '{% extends "default/404.html" %}{% block content %}{{ profile.extra.mro }}{% endblock %}\n'
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert "a key like any other" in (fresh_site / "output" / "404.html").read_text()


def test_a_namespace_in_an_imported_template_starts_afresh_on_every_page(
    fresh_site: Path,
) -> None:
    """Jinja keeps a module imported without context for the environment's life: a
    namespace() at its top level counted on from page to page, so each paper page showed
    how many pages its process had made before it (and an incremental build, which makes
    fewer, differed from a cold one). Imports are made with context now."""
    templates = fresh_site / "templates"
    templates.mkdir()
    (templates / "counter.html").write_text(
        "{% set ns = namespace(n=0) %}"
        "{% macro bump() %}{% set ns.n = ns.n + 1 %}{{ ns.n }}{% endmacro %}"
    )
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}{% import "counter.html" as c %}'
        "{% block paper_extras %}<p>page {{ c.bump() }}</p>{% endblock %}"
    )
    run_cli("build", "--site", fresh_site, "--no-search", "--jobs", "1", check=True)
    shown = {
        re.search(r"<p>page (\d+)</p>", p.read_text()).group(1)
        for p in (fresh_site / "output" / "papers").glob("*/index.html")
    }
    assert shown == {"1"}


def test_a_named_pipe_among_the_papers_is_an_error_not_a_hang(fresh_site: Path) -> None:
    """Reading a FIFO named like a paper waited forever, in build and in check."""
    os.mkfifo(fresh_site / "content" / "papers" / "2024-pipe.md")
    for command in ("build", "check"):
        proc = run_cli(command, "--site", fresh_site)
        assert proc.returncode == 1, proc.stderr
        assert "content/papers/2024-pipe.md: not a file but a named pipe" in proc.stderr


@pytest.mark.parametrize(
    "where",
    [
        "content/news/2030-01-pipe.md",
        "content/people.yaml",
        "content/profile.yaml",
        "content/resume.yaml",
        "content/resume.json",
        "sitegen.yaml",
    ],
)
@pytest.mark.slow
def test_a_named_pipe_where_a_file_is_read_is_an_error_not_a_hang(
    fresh_site: Path, where: str
) -> None:
    """Only the papers were looked at: a FIFO for any other file sitegen reads waited
    forever for a writer, in build and check (and froze serve). In a process of its own,
    with a timeout, so that a hang fails the test."""
    (fresh_site / where).parent.mkdir(exist_ok=True)
    (fresh_site / where).unlink(missing_ok=True)
    os.mkfifo(fresh_site / where)
    for command in ("build", "check"):
        proc = run_cli(command, cwd=fresh_site, fresh=True, timeout=60)
        assert proc.returncode == 1, proc.stderr
        problems = [ln for ln in proc.stderr.splitlines() if "warning:" not in ln]
        assert problems == [
            f"{where}: not a file but a named pipe or a device: reading it would wait forever"
        ]


def test_a_slug_clash_is_named_at_the_slug_line(fresh_site: Path) -> None:
    """Two papers at one URL: the second file's `slug:` line, where the fix goes (it was
    line 1), in build as in check."""
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    copy = fresh_site / "content" / "papers" / "zz-copy.md"
    text = papers[0].read_text(encoding="utf-8")
    copy.write_text(text.replace("title:", f"slug: {papers[0].stem}\ntitle:", 1), encoding="utf-8")
    line = copy.read_text(encoding="utf-8").splitlines().index(f"slug: {papers[0].stem}") + 1
    for command in ("build", "check"):
        proc = run_cli(command, "--site", fresh_site)
        assert (
            f"content/papers/zz-copy.md:{line}: slug '{papers[0].stem}' is also used" in proc.stderr
        )


def test_a_coauthor_printed_twice_is_one_search_filter(fresh_site: Path) -> None:
    """people.yaml makes `Li Ming` and `李明` one person: a paper printing both gave
    Pagefind two coauthor filters for them, and the search page counted the paper twice."""
    (fresh_site / "content" / "people.yaml").write_text("- name: Li Ming\n  aliases: [李明]\n")
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("authors:\n", "authors:\n- Li Ming\n- 李明\n", 1))
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    page = (fresh_site / "output" / "papers" / paper.stem / "index.html").read_text()
    assert page.count('data-pagefind-filter="coauthor:li-ming"') == 1
    assert "coauthor:李明" not in page


def test_a_coauthor_spelt_like_the_owner_is_warned_of_until_people_yaml_says(
    fresh_site: Path,
) -> None:
    """A hand-written paper printing the owner as `Q. Liu`: the build made that a coauthor
    of the owner's, with a page, and said nothing; an import would have taken it for them."""
    import yaml

    owner = yaml.safe_load((fresh_site / "content" / "profile.yaml").read_text())["name"]
    initial = f"{owner.split()[0][0]}. {owner.split()[-1]}"
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("authors:\n", f"authors:\n- {initial}\n", 1))
    said = f"content/people.yaml: warning: {initial!r} looks like {owner!r}, the site's owner"
    for people, warned in (
        (None, True),
        (f"- name: {owner}\n  aliases: [{initial}]\n  owner: true\n", False),
        (f"- name: {initial}\n", False),  # someone else
    ):
        if people is not None:
            (fresh_site / "content" / "people.yaml").write_text(people)
        proc = run_cli("build", "--site", fresh_site, "--no-search", check=True)
        assert (said in proc.stderr) == warned, (people, proc.stderr)


def test_the_cv_and_a_paper_page_punctuate_what_ends_in_its_own_stop(fresh_site: Path) -> None:
    """A hunter's: the CV wrote "... Networks?. Lemeng Wu, Martin Luther King Jr.. *Proc.
    Natl. Acad. Sci. U.S.A.*.", and a paper's affiliations, themselves full of commas, were
    joined by commas."""
    paper = fresh_site / "content" / "papers" / f"{NEWEST}.md"
    text = re.sub(
        r"(?m)^title: .*$", "title: Do Transformers See Like Networks?", paper.read_text()
    )
    text = re.sub(r"(?m)^et_al: .*$", "et_al: false", text)
    text = re.sub(r"(?m)^affiliations:.*$", "affiliations: [MIT, Cambridge, CERN, Geneva]", text)
    text = re.sub(
        r"(?m)^authors:\n(- .*\n)+", "authors:\n- Lemeng Wu\n- Martin Luther King Jr.\n", text
    )
    paper.write_text(text.replace("---\n", "---\nvenue: Proc. Natl. Acad. Sci. U.S.A.\n", 1))
    out = fresh_site / "output"
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    cv = (out / "cv" / "index.html").read_text()
    item = next(li for li in cv.split("<li>") if "Like Networks?" in li)
    assert "Networks?</a> " in item and "King Jr.</bdi></span> <em>" in item, item
    assert "?." not in item and "Jr.." not in item and "U.S.A.</em>." not in item, item
    page = parse(out / "papers" / NEWEST / "index.html")
    assert "Affiliations: MIT; Cambridge; CERN; Geneva" in page.text


def test_a_collaboration_paper_makes_no_coauthors(fresh_site: Path) -> None:
    """A hunter's: a physicist's papers of 3,000 authors made a page and two feeds for each
    of 4,000 coauthors, each page listing every joint paper: 2.1 GB for 300 papers. A paper
    of more than `collaboration_authors` authors makes no coauthor, nor a joint paper; its
    names are not links, and its structured data gives them no page."""
    (fresh_site / "sitegen.yaml").write_text("collaboration_authors: 20\n")
    papers = fresh_site / "content" / "papers"
    big = "".join(f"- Member {i} Physicist\n" for i in range(24)) + "- Yan Zheng\n"
    (papers / "2012-atlas.md").write_text(
        f"---\ntitle: A Collaboration's Paper\ndate: 2012-07-31\nauthors:\n{big}"
        "- Lemeng Wu\n---\nWe observe.\n"
    )
    run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search", check=True)
    out = fresh_site / "output"
    coauthors = {p.name for p in (out / "coauthors").iterdir() if p.is_dir()}
    assert not any(c.startswith("member-") for c in coauthors)
    assert "yan-zheng" in coauthors  # from her other papers, which alone it lists
    yan = (out / "coauthors" / "yan-zheng" / "index.html").read_text()
    assert "A Collaboration" not in yan
    page = out / "papers" / "2012-atlas" / "index.html"
    doc = parse(page)
    assert not [a for a in doc.find("a") if re.search(r"coauthors/.", a.get("href") or "")]
    assert "Member 23 Physicist" in doc.text  # every name, still
    ld = json.loads(doc.data_blocks[0])
    assert all("url" not in a for a in ld["author"] if a["name"] != "Lemeng Wu")
    assert "coauthor:" not in page.read_text()  # no search filter for them either
    assert not list(out.glob("coauthors/member-*/feed.xml"))


@pytest.mark.browser
def test_a_collaboration_papers_authors_are_one_tab_stop_before_its_links(
    fresh_site: Path, chromium
) -> None:
    """A hunter's: a paper of 3,000 authors (ATLAS, CMS) listed them all before the abstract:
    42,594 px on a phone, and 3,008 tab stops before its arXiv and DOI links. The byline
    shows what lists show, and every name is one click away (and in the page)."""
    from siteserver import serve

    names = "".join(f"- Author Number{i} Physicist\n" for i in range(2999))
    paper = fresh_site / "content" / "papers" / "2012-atlas.md"
    paper.write_text(
        f"---\ntitle: Observation of a new particle\ndate: 2012-07-31\nauthors:\n{names}"
        "- Lemeng Wu\narxiv: '1207.7214'\n---\nWe observe a particle.\n"
    )
    run_cli("build", "--site", fresh_site, "--no-search", check=True)
    html = (fresh_site / "output" / "papers" / "2012-atlas" / "index.html").read_text()
    assert html.count("Author Number2998 Physicist</bdi>") == 1  # every name, once in the page
    with serve(fresh_site / "output", REPO / "netlify.toml") as base:
        page = chromium.new_page(viewport={"width": 390, "height": 900})
        page.goto(base + "papers/2012-atlas/")
        presses = 0
        while presses < 60 and page.evaluate("document.activeElement.textContent") != "arXiv":
            page.keyboard.press("Tab")
            presses += 1
        height = page.evaluate("document.body.scrollHeight")
        page.close()
    assert presses < 40 and height < 3000, (presses, height)


def test_coauthors_spelt_alike_are_said_to_be_perhaps_one(fresh_site: Path) -> None:
    """A migration hunter's: Scholar's 'Jason D Lee' and DBLP's 'Jason D. Lee' made two
    coauthor pages, each with half the joint papers, without a word."""
    a, b = sorted((fresh_site / "content" / "papers").glob("*.md"))[:2]
    a.write_text(a.read_text().replace("\nauthors:\n", "\nauthors:\n- Jason D Lee\n", 1))
    b.write_text(b.read_text().replace("\nauthors:\n", "\nauthors:\n- Jason D. Lee\n", 1))
    said = "may be one person, with a page each: if so, list one as the other's alias"
    proc = run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert said in proc.stderr and "'Jason D Lee'" in proc.stderr, proc.stderr
    people = fresh_site / "content" / "people.yaml"
    people.write_text("- name: Jason D. Lee\n  aliases: [Jason D Lee]\n")  # one person
    proc = run_cli("build", "--site", fresh_site, "--no-search", check=True)
    assert said not in proc.stderr
    assert not (fresh_site / "output" / "coauthors" / "jason-d-lee-2").exists()
    people.write_text("- name: Jason D. Lee\n- name: Jason D Lee\n")  # two people: said so
    assert said not in run_cli("build", "--site", fresh_site, "--no-search", check=True).stderr


def test_a_static_name_too_long_with_its_hash_is_named_as_the_users_file(
    fresh_site: Path,
) -> None:
    """A hunter's: a 250-letter stylesheet name failed the build at a temporary folder's
    path ("File name too long"), once its content hash made it longer, and check said ok."""
    (fresh_site / "static").mkdir(exist_ok=True)
    css = fresh_site / "static" / ("x" * 250 + ".css")
    css.write_text("a {}\n")
    said = f"{css}: file name too long once its content hash is added: shorten it\n"
    for command in ("check", "build"):
        proc = run_cli(command, "--site", fresh_site)
        assert proc.returncode == 1 and proc.stderr.endswith(said), proc.stderr


def test_the_topics_page_counts_no_other_as_an_arxiv_subject(tmp_path: Path) -> None:
    """A visual hunter's: a site of papers without topics (from BibTeX alone) said
    "3 papers across 1 arXiv subject.", "Other" counted as one."""
    paper = (
        "---\ntitle: Paper {0}\ndate: 2021-05-0{1}\nauthors: [Ada Lovelace]\n---\nAn abstract.\n"
    )
    site = papers_site(tmp_path / "site", [paper.format(i, i + 1) for i in range(3)])

    def lede() -> str:
        run_cli("build", "--site", site, "--no-search", "--base-url", BASE_URL, check=True)
        page = (site / "output" / "topics" / "index.html").read_text(encoding="utf-8")
        found = re.search(r'<p class="lede">(.*?)</p>', page)
        assert found, page
        return found[1]

    assert lede() == "3 papers."
    paper = site / "content" / "papers" / "p0.md"
    paper.write_text(paper.read_text().replace("authors:", "topic: LG\nauthors:"))
    assert lede() == "3 papers across 1 arXiv subject."
