"""`sitegen new` makes a site that builds and deploys; `sitegen check` names every problem."""

from __future__ import annotations

import os
import re
import shutil
import tomllib
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from conftest import AS_OF, REPO, SEED, disk_full_at_write, run_cli, seed_profile

from sitegen.config import SiteConfig, load_config

SOURCES = Path(__file__).parent / "fixtures" / "sources"


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and mtime: proves a command wrote nothing."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    } | {p.relative_to(root).as_posix() + "/": (b"", 0) for p in root.rglob("*") if p.is_dir()}


# ---------------------------------------------------------------- sitegen new


def test_new_without_profile_builds(tmp_path: Path) -> None:
    site = tmp_path / "my-site"
    proc = run_cli("new", site, check=True)
    for rel in (
        "sitegen.yaml",
        ".gitignore",
        "netlify.toml",
        "requirements.txt",
        "content/profile.yaml",
        "content/papers",
        "templates",
    ):
        assert (site / rel).exists(), rel
        assert f"created {rel}" in proc.stdout or (site / rel).is_dir()
    # templates/ is there for overrides and holds none yet
    assert not [p for p in (site / "templates").iterdir() if p.suffix == ".html"]
    gitignore = (site / ".gitignore").read_text().splitlines()
    assert "output/" in gitignore and ".sitegen-cache/" in gitignore
    assert "sitegen build" in proc.stdout
    assert f"  set name: in {site / 'content' / 'profile.yaml'}\n" in proc.stdout

    # the placeholder name would be published on every page: each run says so, at its line
    warning = "content/profile.yaml:4: warning: name: is still the new site's placeholder"
    check = run_cli("check", "--site", site)
    assert check.returncode == 0 and warning in check.stderr
    for _ in ("build", "no-op build"):
        built = run_cli("build", "--site", site, "--no-search", check=True)
        assert warning in built.stderr
    assert (site / "output" / "index.html").is_file()
    # the example paper is a draft: it documents the format without showing up
    assert not (site / "output" / "papers").exists()


@pytest.mark.parametrize(
    "source", ["refs.bib", "works.json", "publication", "orcid:0000-0002-1825-0097"]
)
def test_new_with_another_source_says_how_to_start(tmp_path: Path, source: str) -> None:
    """A BibTeX-only researcher's first command: the import wanted profile.yaml's name,
    and told them to start the site with `sitegen new`, which they had just run."""
    shutil.copy(SOURCES / "scholar.bib", tmp_path / "refs.bib")
    shutil.copy(SOURCES / "orcid-works.json", tmp_path / "works.json")
    (tmp_path / "publication").mkdir()
    proc = run_cli("new", "s6", "--profile", source, cwd=tmp_path)
    assert proc.returncode == 2 and not (tmp_path / "s6").exists()
    steps = (
        "start the site with `sitegen new s6`, set `name:` in s6/content/profile.yaml, "
        f"then `sitegen import {source} --site s6`"
    )
    assert proc.stderr.startswith(f"{source}: --profile takes a profile text, not ")
    assert proc.stderr.endswith(f": {steps}\n")
    if source != "refs.bib":
        return
    run_cli("new", "s6", cwd=tmp_path, check=True)  # the steps, as said, work
    profile = tmp_path / "s6" / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("Your Name", "Lemeng Wu"))
    run_cli("import", "refs.bib", "--site", "s6", "--as-of", AS_OF, cwd=tmp_path, check=True)
    built = run_cli("build", "--site", "s6", "--no-search", cwd=tmp_path, check=True)
    assert "Your Name" not in built.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_new_with_profile_imports_it(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = run_cli("new", site, "--profile", seed_profile(), "--as-of", AS_OF, check=True)
    assert "import: 32 added" in proc.stdout
    assert len(list((site / "content" / "papers").glob("*.md"))) == 32
    assert not (site / "content" / "papers" / "example-paper.md").exists()
    assert "sitegen import" not in proc.stdout  # already done
    check = run_cli("check", "--site", site)
    assert check.returncode == 0, check.stderr
    assert "checked 32 paper files" in check.stdout
    run_cli("build", "--site", site, check=True)
    assert len(list((site / "output" / "papers").glob("*/index.html"))) == 32


def test_new_reads_a_profile_from_a_pipe_as_import_does(tmp_path: Path) -> None:
    """`sitegen new site --profile <(curl ...)` said "no such profile file": a pipe is no
    regular file, but `sitegen import` reads one."""
    import threading

    pipe = tmp_path / "profile.fifo"
    os.mkfifo(pipe)
    text = seed_profile().read_bytes()
    writer = threading.Thread(target=lambda: pipe.write_bytes(text))  # waits for the reader
    writer.start()
    try:
        proc = run_cli("new", tmp_path / "site", "--profile", pipe, "--as-of", AS_OF)
    finally:
        if writer.is_alive():  # not read: open the pipe, so the writer ends
            with open(pipe, "rb") as f:
                f.read()
        writer.join()
    assert proc.returncode == 0 and "import: 32 added" in proc.stdout, proc.stderr


def setting_blocks(text: str) -> dict[str, str]:
    """The first commented-out block of each setting, uncommented: `# key: v` + `#   ...`."""
    keys = {f.name for f in fields(SiteConfig)}
    blocks: dict[str, str] = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"# ([a-z_]+):", line)
        if not m or m.group(1) not in keys or m.group(1) in blocks:
            continue
        block = [line[2:]]
        for nxt in lines[i + 1 :]:
            if not re.match(r"#   ", nxt):
                break
            block.append(nxt[2:])
        blocks[m.group(1)] = "\n".join(block) + "\n"
    return blocks


def test_new_sitegen_yaml_documents_every_setting_with_its_default(tmp_path: Path) -> None:
    site = tmp_path / "s"
    run_cli("new", site, check=True)
    text = (site / "sitegen.yaml").read_text()
    # valid as it stands: everything is commented out, so every setting is the default
    assert all(not ln.strip() or ln.startswith("#") for ln in text.splitlines())
    config, problems = load_config(site)
    assert problems == [] and config == SiteConfig()

    blocks = setting_blocks(text)
    assert set(blocks) == {f.name for f in fields(SiteConfig)}, "a setting is missing"
    defaults = SiteConfig()
    for key, block in blocks.items():
        (site / "sitegen.yaml").write_text(block)
        config, problems = load_config(site)
        assert problems == [], (key, block, problems)
        if getattr(defaults, key) not in (None, ""):  # title etc. show an example instead
            assert getattr(config, key) == getattr(defaults, key), f"{key}: not the default"


def headers(path: Path) -> list[dict]:
    return tomllib.loads(path.read_text())["headers"]


def test_new_netlify_toml_matches_the_repository(tmp_path: Path) -> None:
    site = tmp_path / "s"
    run_cli("new", site, check=True)
    mine = tomllib.loads((site / "netlify.toml").read_text())
    assert mine["build"]["publish"] == "output"
    assert mine["build"]["command"].endswith("sitegen build")
    assert "requirements.txt" in mine["build"]["command"]
    assert mine["build"]["environment"]["PYTHON_VERSION"]
    # the same caching and security headers as the example site, which the tests exercise
    assert headers(site / "netlify.toml") == headers(REPO / "netlify.toml")


def test_new_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    proc = run_cli("new", site)
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"{site}: the folder is not empty: choose a new folder, or pass --force to add the "
        "site's files beside what is there (existing files are never overwritten)"
    )
    assert snapshot(tmp_path) == before


def test_new_force_adds_files_and_keeps_existing_ones(tmp_path: Path) -> None:
    site = tmp_path / "s"
    site.mkdir()
    (site / "sitegen.yaml").write_text("title: Mine\n")
    (site / "README.md").write_text("my notes\n")
    proc = run_cli("new", site, "--force", check=True)
    assert "kept sitegen.yaml (exists)" in proc.stdout
    assert (site / "sitegen.yaml").read_text() == "title: Mine\n"
    assert (site / "README.md").read_text() == "my notes\n"
    assert (site / "netlify.toml").is_file()
    assert "set name:" in proc.stdout  # the placeholder it wrote


def test_new_force_over_a_site_adds_no_example_and_asks_for_no_name(tmp_path: Path) -> None:
    """Over a site of its own, --force added the draft example paper to its papers and told
    the owner to set the name profile.yaml already gave."""
    site = tmp_path / "s"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ada Lovelace\n")
    (site / "content" / "papers" / "mine.md").write_text("---\ntitle: Mine\n---\n")
    proc = run_cli("new", site, "--force", check=True)
    assert "set name:" not in proc.stdout and "kept content/profile.yaml" in proc.stdout
    assert [p.name for p in (site / "content" / "papers").iterdir()] == ["mine.md"]


def test_new_force_writes_nothing_through_a_symbolic_link(tmp_path: Path) -> None:
    """A site folder from elsewhere may hold links, dangling or to folders outside it: a
    file there is kept as an existing one is, and nothing lands outside the site."""
    site, outside = tmp_path / "s", tmp_path / "outside"
    site.mkdir()
    outside.mkdir()
    (site / ".gitignore").symlink_to("../outside/made-by-sitegen")
    (site / "templates").symlink_to("../outside", target_is_directory=True)
    (site / "content").symlink_to("../outside", target_is_directory=True)
    proc = run_cli("new", site, "--force", check=True)
    assert list(outside.iterdir()) == []
    assert "kept .gitignore (.gitignore is a symbolic link)" in proc.stdout
    assert "kept templates/README.md (templates is a symbolic link)" in proc.stdout
    assert "kept content/profile.yaml (content is a symbolic link)" in proc.stdout
    assert (site / "sitegen.yaml").is_file() and not (site / ".gitignore").exists()


def test_new_accepts_a_fresh_git_repository(tmp_path: Path) -> None:
    site = tmp_path / "s"
    (site / ".git").mkdir(parents=True)
    run_cli("new", site, check=True)
    assert (site / "sitegen.yaml").is_file()


@pytest.mark.parametrize("problem", ["file", "no-profile", "binary-profile"])
def test_new_bad_arguments_leave_nothing_behind(tmp_path: Path, problem: str) -> None:
    target = tmp_path / "s"
    args: list = ["new", target]
    if problem == "file":
        target.write_text("x")
    elif problem == "no-profile":
        args += ["--profile", tmp_path / "missing.txt"]
    else:
        (tmp_path / "p.txt").write_bytes(b"\x00\x01binary")
        args += ["--profile", tmp_path / "p.txt"]
    proc = run_cli(*args)
    assert proc.returncode in (1, 2)
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    if problem == "file":
        assert target.read_text() == "x"
    else:
        assert not target.exists()


# ---------------------------------------------------------------- sitegen check


def test_check_passes_a_good_site_and_writes_nothing(fresh_site: Path) -> None:
    before = snapshot(fresh_site)
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 0, proc.stderr
    templates = len(list((REPO / "themes" / "default" / "templates").rglob("*.html")))
    assert (
        proc.stdout.strip() == f"ok: checked 32 paper files and {templates} templates, no problems"
    )
    assert snapshot(fresh_site) == before
    assert not (fresh_site / "output").exists()


def _set_key(path: Path, key: str, value: str) -> None:
    text = path.read_text()
    new, n = re.subn(rf"^{key}:.*$", f"{key}: {value}", text, count=1, flags=re.M)
    if n == 0:
        new = text.replace("---\n", f"---\n{key}: {value}\n", 1)
    path.write_text(new)


def _line_of(path: Path, prefix: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln.startswith(prefix))


def test_check_lists_every_problem(fresh_site: Path) -> None:
    site = fresh_site
    papers = sorted((site / "content" / "papers").glob("*.md"))
    rel = lambda p: p.relative_to(site).as_posix()  # noqa: E731

    (site / "sitegen.yaml").write_text("title: Mine\nfeed_size: 0\ncolour: red\nsearch: maybe\n")
    many = papers[0]  # four bad keys in one file: all four reported
    _set_key(many, "date", "2024-02-30x")
    _set_key(many, "topic", "''")
    _set_key(many, "code", "maybe")
    _set_key(many, "code_url", "javascript:alert(1)")
    broken = papers[1]
    broken.write_text("---\ntitle: [unclosed\n---\nBody\n")
    no_front = papers[2]
    no_front.write_text("Just text, no front matter.\n")
    binary = papers[3]
    binary.write_bytes(b"---\ntitle: x\n\xff\xfe\n---\n")
    dup = site / "content" / "papers" / "zz-copy.md"
    shutil.copy(papers[4], dup)
    _set_key(dup, "slug", papers[4].stem)
    (site / "templates").mkdir()
    (site / "templates" / "index.html").write_text(
        '{% extends "base.html" %}\n{% block content %}\n'
    )
    (site / "content" / "profile.yaml").write_text("field: Physics\n")

    before = snapshot(site)
    proc = run_cli("check", cwd=site)  # paths are then relative to the site, as users see them
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert snapshot(site) == before
    got = proc.stderr.splitlines()
    expected = [
        "sitegen.yaml:2: feed_size: must be a whole number from 1 to 1000",
        "sitegen.yaml:3: unknown key 'colour'",
        "sitegen.yaml:4: search: must be true or false",
        f"{rel(many)}:{_line_of(many, 'date:')}: date: invalid date",
        f"{rel(many)}:{_line_of(many, 'topic:')}: topic: empty",
        f"{rel(many)}:{_line_of(many, 'code:')}: code: must be true or false, not 'maybe'",
        f"{rel(many)}:{_line_of(many, 'code_url:')}: code_url: 'javascript:alert(1)' is not",
        f"{rel(broken)}:",
        f"{rel(no_front)}:1: missing front matter",
        f"{rel(binary)}:3: not UTF-8 text",
        f"{rel(dup)}:{_line_of(dup, 'slug:')}: slug '{papers[4].stem}' is also used by "
        f"{rel(papers[4])}",
        "content/profile.yaml",
        "templates/index.html:",
    ]
    for want in expected:
        hits = [ln for ln in got if ln.startswith(want)]
        assert len(hits) == 1, f"expected one line starting {want!r} in:\n{proc.stderr}"
    assert len(got) == len(expected), proc.stderr
    assert re.fullmatch(
        rf"{len(expected)} problems in 33 paper files and \d+ templates", proc.stdout.strip()
    )
    # every problem is located: file:line: message (a missing key has no line of its own)
    for line in got:
        assert re.match(r"^[^:\s]+(:\d+)?: \S", line), line
    assert any(re.match(r"^templates/index\.html:\d+: template error", ln) for ln in got)


@pytest.mark.parametrize(
    "breakage",
    [
        ("sitegen.yaml", "theme: nonexistent\n"),
        ("sitegen.yaml", "home_papers: -1\n"),
        ("content/profile.yaml", "name: [\n"),
        ("content/people.yaml", "- name: A\n  colour: red\n"),
        ("content/people.yaml", "- name: A\n  homepage: [1]\n"),
        ("content/people.yaml", "- name: A\n  1: y\n  z: w\n"),  # keys of two types
        # one spelling for two people, two owners: which page, whose site?
        (
            "content/people.yaml",
            "- name: Yan Zheng\n  aliases: [Y. Zheng]\n- name: Yu Zheng\n  aliases: [Y. Zheng]\n",
        ),
        ("content/people.yaml", "- name: Ann Lee\n  owner: true\n- name: Bo Chen\n  owner: true\n"),
        # the profile's name is another's spelling: the owner would be their own coauthor
        ("content/people.yaml", "- name: L. Wu\n  owner: true\n- name: Lemeng Wu\n"),
        # two spellings listed above: the first in file order is named, not a set's pick
        (
            "content/people.yaml",
            "- name: Bo Liu\n- name: Qiang Liu\n- name: Dilin Wang\n"
            "  aliases: [Bo Liu, Qiang Liu]\n",
        ),
        ("templates/paper.html", "{% if %}\n"),
        ("templates/paper.html", b"{# saved as Latin-1 #}\n<p>caf\xe9</p>\n"),
        # parses, fails when rendered: check renders one page of each template
        (
            "templates/paper.html",
            '{% extends "default/paper.html" %}\n{% block scripts %}\n'
            "{{ m.no_such_macro() }}{% endblock %}\n",
        ),
        ("sitegen.yaml", "title: A\ntitle: B\n"),  # a key given twice
        ("sitegen.yaml", b"language: en\ntitle: Caf\xe9\n"),  # saved as Latin-1
        ("sitegen.yaml", "base_url: https://example.org/me?\n"),  # every link would be a query
        ("sitegen.yaml", "base_url: https://example.org:abc/\n"),
        ("sitegen.yaml", 'base_url: "https://example.org/a\\x01b/"\n'),  # feeds refuse it
        # a page made only with search on (Pagefind is in the test extra, as in a deploy)
        (
            "templates/search.html",
            '{% extends "default/search.html" %}\n{% block content %}{% include "no-such.html" %}'
            "{% endblock %}\n",
        ),
        # values no build can handle: refused with their line, by check as by build
        ("paper", "nested 600 deep"),
        ("content/people.yaml", "- name: A\n- name: B\n  x: " + "[" * 40 + "]" * 40 + "\n"),
        ("content/profile.yaml", "name: Ann Lee\nposition: 'a\x00b'\n"),
        ("sitegen.yaml", "title: A\nhome_papers: " + "9" * 5000 + "\n"),
        ("sitegen.yaml", "theme: ../shared\n"),  # outside the folders the build watches
        ("sitegen.yaml", "base_url: https://example.org/index.html\n"),
        ("sitegen.yaml", "language: English\n"),
        ("content/profile.yaml", "name: A\ninterests: !!set {a, b}\n"),  # no order
        ("content/resume.yaml", None),  # a folder
        ("content/papers/2019-a-folder.md", None),
        ("paper", "date"),
        ("paper", "authors"),
        ("paper", "venue twice"),
        ("paper", "authors in one line"),
        ("paper", "et al. as a name"),
        # fails on one paper's page, not the first's: check made one page of each template
        ("paper", "a key only one paper has"),
        # on every page: listed once, not once for each kind of page
        (
            "templates/base.html",
            '{% extends "default/base.html" %}{% block head %}{{ asset("extra.css") }}'
            "{% endblock %}\n",
        ),
    ],
)
@pytest.mark.slow
def test_check_agrees_with_build(
    fresh_site: Path, breakage: tuple[str, str | bytes | None]
) -> None:
    """One problem: check reports exactly the message that stops the build."""
    where, what = breakage
    if where == "paper":
        paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[5]
        if what == "nested 600 deep":  # built, then failed to pickle the parse
            deep = "x: " + "[" * 600 + "]" * 600 + "\n"
            paper.write_text(paper.read_text().replace("---\n", "---\n" + deep, 1))
        elif what == "venue twice":  # the first would be lost in silence
            paper.write_text(paper.read_text().replace("---\n", "---\nvenue: A\nvenue: B\n", 1))
        elif what == "a key only one paper has":
            paper.write_text(paper.read_text().replace("---\n", "---\nboom: 1\n", 1))
            (fresh_site / "templates").mkdir(exist_ok=True)
            (fresh_site / "templates" / "paper.html").write_text(
                '{% extends "default/paper.html" %}{% block paper_extras %}'
                '{% if "boom" in paper.extra %}{{ paper.nothing.deeper }}{% endif %}{% endblock %}'
            )
        elif what in ("authors in one line", "et al. as a name"):
            # would be one coauthor "Ann Lee, Bo Chen", or a coauthor page for "et al."
            value = "Ann Lee, Bo Chen" if what == "authors in one line" else "[Ann Lee, et al.]"
            text = re.sub(r"(?m)^authors:.*\n(?:[ -].*\n)*", "", paper.read_text())
            paper.write_text(text.replace("---\n", f"---\nauthors: {value}\n", 1))
        else:
            _set_key(paper, what, "'not valid'" if what == "date" else "42")
    elif what is None:
        (fresh_site / where).mkdir()
    elif isinstance(what, bytes):
        (fresh_site / where).parent.mkdir(exist_ok=True)
        (fresh_site / where).write_bytes(what)
    else:
        (fresh_site / where).parent.mkdir(exist_ok=True)
        (fresh_site / where).write_text(what)
    before = sorted(fresh_site.rglob("*"))
    check = run_cli("check", "--site", fresh_site)
    assert sorted(fresh_site.rglob("*")) == before  # check writes nothing
    build = run_cli("build", "--site", fresh_site, "--output", fresh_site.parent / "out")
    assert check.returncode == 1 and build.returncode == 1
    problems = [ln for ln in check.stderr.splitlines() if "warning:" not in ln]
    build_errors = [ln for ln in build.stderr.splitlines() if "warning:" not in ln]
    assert len(problems) == 1, check.stderr
    assert problems == build_errors
    assert not (fresh_site.parent / "out").exists()
    if what is None:
        assert problems[0] == f"{where}: cannot read: Is a directory"
    elif isinstance(what, bytes):  # the line holding the byte, as the build's loader says
        assert problems[0] == f"{fresh_site / where}:2: not UTF-8 text"
    elif where == "content/people.yaml" and "Bo Chen" in what:
        assert problems[0].endswith(":3: owner: only one person is the site's owner ('Ann Lee' is)")
    elif where == "content/people.yaml" and "L. Wu" in what:
        assert problems[0].endswith(
            ":3: 'Lemeng Wu', profile.yaml's name, is listed for 'Lemeng Wu', "
            "but 'L. Wu' is the one marked `owner: true`"
        )
    elif where == "content/people.yaml" and "Dilin Wang" in what:
        said = ":3: 'Bo Liu', an alias of 'Dilin Wang', is already 'Bo Liu' above: a spelling"
        assert said in problems[0], problems
    elif where == "content/people.yaml" and "Yu Zheng" in what:
        said = ":3: 'Y. Zheng', an alias of 'Yu Zheng', is already an alias of 'Yan Zheng' above"
        assert said in problems[0], problems
    elif what == "authors in one line":
        assert "authors: must be a list, one author per `- ` line" in problems[0]
    elif what == "et al. as a name":
        assert "authors: 'et al.' is not a name: remove it and set `et_al: true`" in problems[0]
    elif "twice" in what:  # the line of the second one
        assert re.fullmatch(r"\S+\.md:3: invalid YAML: duplicate key 'venue'.*", problems[0])
    elif what == "nested 600 deep" or "[[" in what:  # the line of the key holding it
        nested = "lists and mappings nested more than 32 deep (or in a loop, through YAML aliases)"
        assert re.fullmatch(rf"\S+(\.md|people\.yaml):2: {re.escape(nested)}.*", problems[0])
    elif "\x00" in what:
        assert problems[0].endswith(
            "profile.yaml:2: invalid YAML: the character '\\x00' is not allowed"
        )
    elif "9999" in what:
        assert problems[0].endswith("sitegen.yaml:2: a number of more than 4,300 digits")
    elif "title: B" in what:
        assert re.fullmatch(
            r"\S+sitegen\.yaml:2: invalid YAML: duplicate key 'title'.*", problems[0]
        )


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_check_refuses_the_output_and_cache_folders_the_build_refuses(
    fresh_site: Path, tmp_path: Path
) -> None:
    """check said ok, without a word, to a site whose output/ holds someone's files, or
    whose cache is a link, and the build then refused it."""
    (fresh_site / "output").mkdir()
    (fresh_site / "output" / "notes.txt").write_text("mine\n")
    check = run_cli("check", "--site", fresh_site)
    build = run_cli("build", "--site", fresh_site, "--no-search")
    assert build.returncode == 1 and "holds no earlier build" in build.stderr
    # said, but no problem of the site's: a build elsewhere (--output public) never touches
    # output/, and `check && build --output public` failed (a reviewer's report)
    assert check.returncode == 0 and "holds no earlier build" in check.stderr
    assert "warning: " in check.stderr and "build elsewhere with --output" in check.stderr
    (fresh_site / "output" / "notes.txt").unlink()
    (tmp_path / "elsewhere").mkdir()
    (fresh_site / ".sitegen-cache").symlink_to(tmp_path / "elsewhere")
    check = run_cli("check", "--site", fresh_site)
    build = run_cli("build", "--site", fresh_site, "--no-search")
    assert check.returncode == build.returncode == 1
    assert "a symbolic link" in build.stderr and build.stderr in check.stderr


def test_check_renders_no_search_page_for_a_site_without_papers(tmp_path: Path) -> None:
    """The build makes no search page without a paper to index; check used to render
    search.html anyway, and stopped at a template that needs a year."""
    site = tmp_path / "site"
    run_cli("new", site, check=True)
    (site / "templates" / "search.html").write_text(
        '{% extends "base.html" %}{% block content %}{{ years[0].year }}{% endblock %}\n'
    )
    check = run_cli("check", "--site", site)
    assert check.returncode == 0, check.stderr
    run_cli("build", "--site", site, check=True)
    assert not (site / "output" / "search").exists()


def test_check_lists_a_portfolio_problem_after_other_problems(fresh_site: Path) -> None:
    """A bad about key in profile.yaml is listed even when another file has a problem too
    (it used to be taken for the broken profile.yaml that load_profile already reported)."""
    (fresh_site / "sitegen.yaml").write_text("feed_size: 0\n")
    profile = fresh_site / "content" / "profile.yaml"
    profile.write_text(profile.read_text() + "photo: 3\n")
    proc = run_cli("check", cwd=fresh_site)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "sitegen.yaml:1: feed_size: must be a whole number from 1 to 1000",
        f"content/profile.yaml:{_line_of(profile, 'photo:')}: photo: must be text, not 3",
    ]


@pytest.mark.parametrize("command", ["build", "check", "serve"])
def test_a_missing_site_folder_is_named_as_such(tmp_path: Path, command: str) -> None:
    """Not as its first missing file (`nosuch/content: no content/papers folder`)."""
    proc = run_cli(command, "--site", "nosuch", cwd=tmp_path)
    assert proc.returncode == 1
    said = "error: no such site folder: nosuch (start one with `sitegen new nosuch`)\n"
    assert proc.stderr == said
    assert list(tmp_path.iterdir()) == []
    proc = run_cli(command, "--site", "no such", cwd=tmp_path)  # a command to paste
    assert (
        proc.stderr
        == "error: no such site folder: no such (start one with `sitegen new 'no such'`)\n"
    )
    (tmp_path / "sitegen.yaml").write_text("title: T\n")  # a site's file, not its folder
    proc = run_cli(command, "--site", "sitegen.yaml", cwd=tmp_path)
    assert proc.stderr == "error: sitegen.yaml is a file: --site names the site's folder\n"


def test_check_without_content(tmp_path: Path) -> None:
    proc = run_cli("check", "--site", tmp_path)
    assert proc.returncode == 1
    assert "no content/papers folder: run `sitegen import PROFILE` first" in proc.stderr
    assert "content/profile.yaml: missing" in proc.stderr
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- a new site on Netlify


def test_requirement_follows_where_sitegen_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen import scaffold

    class Dist:
        def __init__(self, text: str | None) -> None:
            self.text = text

        def read_text(self, name: str) -> str | None:
            return self.text

    cases = {
        '{"url": "https://git.example/me/sitegen.git", "vcs_info": {"vcs": "git", '
        '"commit_id": "abc123"}}': "sitegen[search] @ git+https://git.example/me/sitegen.git@abc123",
        '{"url": "https://files.example/sitegen-0.1.0-py3-none-any.whl", "archive_info": {}}': (
            "sitegen[search] @ https://files.example/sitegen-0.1.0-py3-none-any.whl"
        ),
        '{"url": "https://git.example/lab/tools.git", "subdirectory": "sitegen", "vcs_info": '
        '{"vcs": "git", "commit_id": "abc123"}}': (
            "sitegen[search] @ git+https://git.example/lab/tools.git@abc123#subdirectory=sitegen"
        ),
        '{"url": "file:///home/me/sitegen", "dir_info": {"editable": true}}': None,
        None: None,
    }
    for raw, want in cases.items():
        monkeypatch.setattr(scaffold.metadata, "distribution", lambda name, raw=raw: Dist(raw))
        assert scaffold.sitegen_requirement() == want
        text, named = scaffold.requirements_txt()
        assert named == (want is not None)
        if want:
            assert text.splitlines()[-1] == want


@pytest.mark.slow
def test_new_site_builds_with_its_own_netlify_command(tmp_path: Path) -> None:
    """The scaffold's netlify.toml, run as written in a clean venv, with sitegen as a wheel."""
    import os
    import subprocess
    import sys

    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("sitegen-*.whl"))
    site = tmp_path / "site"
    run_cli("new", site, "--profile", seed_profile(), "--as-of", AS_OF, check=True)
    shutil.copy(wheel, site / wheel.name)
    with (site / "requirements.txt").open("a") as f:
        f.write(f"./{wheel.name}[search]\n")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        URL="https://my-site.example",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    netlify = tomllib.loads((site / "netlify.toml").read_text())
    proc = subprocess.run(
        ["bash", "-e", "-c", netlify["build"]["command"]],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = site / netlify["build"]["publish"]
    assert len(list((out / "papers").glob("*/index.html"))) == 32
    assert "https://my-site.example/" in (out / "sitemap.xml").read_text()


@pytest.mark.slow
def test_what_yaml_reads_otherwise_than_it_was_written(fresh_site: Path) -> None:
    """Hand edits YAML would take another way than meant: an unquoted arXiv id ending
    in 0 (a float: 2301.1001), a misspelt key (kept for templates, but named in a
    warning), a fence with trailing spaces, a title with an unquoted colon, and a
    title's *emphasis* (rendered, as with math)."""
    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    paper = papers[3]
    _set_key(paper, "arxiv", "2301.10010")
    text = paper.read_text().replace("---\n", "---  \nvenu: NeurIPS\n", 1)
    paper.write_text(re.sub(r"(?m)^title:.*$", 'title: "Gene *expression* in [flies](x)"', text))
    check = run_cli("check", "--site", fresh_site)
    build = run_cli("build", "--site", fresh_site, "--no-search", "--output", fresh_site / "out")
    assert check.returncode == 0 and build.returncode == 0, check.stderr + build.stderr
    warning = (
        f"{paper.relative_to(fresh_site)}:2: warning: unknown key 'venu': did you mean 'venue'?"
    )
    assert warning in check.stderr and warning in build.stderr
    page = (fresh_site / "out" / "papers" / paper.stem / "index.html").read_text()
    assert "https://arxiv.org/abs/2301.10010" in page
    assert re.search(r"<h1[^>]*>Gene <em>expression</em> in flies</h1>", page)

    # a title cut short by a YAML comment, a paper file named .MD, and papers kept in a
    # year folder: all said, not silent
    _set_key(papers[5], "title", "Ranked #1 on ImageNet")
    _set_key(papers[4], "title", "Teaching C# to novices #CSEd")  # a `#` before the cut
    _set_key(papers[2], "title", "Learning C# and F#")  # no comment: nothing to say
    papers[6].rename(papers[6].with_suffix(".MD"))
    # `#x.md` is built but the preview, which takes `#` for an editor's, never saw it change
    papers[3].rename(papers[3].with_name("#" + papers[3].name))
    (papers[7].parent / "2021" / "old").mkdir(parents=True)
    papers[7].rename(papers[7].parent / "2021" / "old" / papers[7].name)
    (papers[7].parent / "drafts-notes").mkdir()  # no papers in it: nothing to say
    for proc in (run_cli("check", "--site", fresh_site), run_cli("build", "--site", fresh_site)):
        assert proc.returncode == 0, proc.stderr
        cut = "warning: title: ' #' starts a YAML comment, which cuts the title short"
        assert [line.split(":")[0] for line in proc.stderr.splitlines() if cut in line] == [
            str(papers[4].relative_to(fresh_site)),
            str(papers[5].relative_to(fresh_site)),
        ], proc.stderr
        assert (
            f"{papers[6].stem}.MD: warning: not read: the files in content/papers/ end in .md"
            in proc.stderr
        )
        hashed = f"#{papers[3].name}: warning: not read: a name that starts with # is an editor"
        assert hashed in proc.stderr, proc.stderr
        folder = "content/papers/2021/: warning: not read: sitegen reads the .md files in"
        assert folder in proc.stderr and "drafts-notes" not in proc.stderr

    _set_key(papers[4], "title", "Bridges: Understanding diffusion")
    check = run_cli("check", "--site", fresh_site)
    assert "needs quotes around it" in check.stderr and check.returncode == 1


def test_check_lists_each_bad_identifier_of_a_paper(fresh_site: Path) -> None:
    """A bad doi, arxiv, venue, pdf or links key is set aside and the file checked again,
    so one run names them all (it used to stop at the first)."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[2]
    paper.write_text(paper.read_text().replace("---\n", "---\ndoi: nope\narxiv: nope\n", 1))
    proc = run_cli("check", "--site", fresh_site)
    rel = paper.relative_to(fresh_site)
    assert proc.returncode == 1
    assert [ln.split(": ", 2)[:2] for ln in proc.stderr.splitlines()] == [
        [f"{rel}:2", "doi"],
        [f"{rel}:3", "arxiv"],
    ], proc.stderr


def test_check_lists_an_impossible_date_beside_the_papers_other_faults(fresh_site: Path) -> None:
    """PyYAML raised while loading `2020-02-30`, so that date, without its key, was all
    `check` could say of the file: its bad url and featured went unreported."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[2]
    text = re.sub(r"\ndate: [^\n]*", "\ndate: 2020-02-30", paper.read_text(), count=1)
    paper.write_text(text.replace("---\n", "---\nurl: javascript:x\nfeatured: 1\n", 1))
    proc = run_cli("check", "--site", fresh_site)
    found = sorted(ln.split(": ", 2)[1] for ln in proc.stderr.splitlines())
    assert (proc.returncode, found) == (1, ["date", "featured", "url"]), proc.stderr
    assert "date: invalid date '2020-02-30'" in proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_tex_in_double_quotes_is_refused_where_yaml_read_an_escape(fresh_site: Path) -> None:
    """`"On $\\alpha$"` is YAML's `\\a` (a control, then dropped) and "lpha": the page said
    `$lpha$` with no word. Such a slip is an error at its line; a tab before letters that
    start no TeX command, and a doubled backslash, are as they were."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[2]
    text = paper.read_text()

    def check(title: str):  # noqa: ANN202
        paper.write_text(re.sub(r"\ntitle: [^\n]*", lambda _: f"\ntitle: {title}", text, count=1))
        return run_cli("check", "--site", fresh_site)

    # a YAML-hunter's: \L and \P are line and paragraph separators, so "$\Lambda$CDM" was
    # published as "$ ambda$CDM"
    tex = ("\\alpha", "\\theta", "\\Lambda", "\\Phi", "\\Psi", "\\Pi")
    for title, command in ((f'"On ${c}$-divergences"', c) for c in tex):
        proc = check(title)
        assert proc.returncode == 1, proc.stderr
        said = f"{paper.name}:2: invalid YAML: in double quotes, {command[:2]} is an escape, "
        assert said + f"not the start of {command}: put the text in single quotes" in proc.stderr
        assert "needs quotes around it" not in proc.stderr  # it has them: a hint that misled
    # \x and \u read a character's code: "did not find expected hexdecimal number" said it
    proc = check('"The $\\xi$-process"')
    assert proc.returncode == 1 and f"{paper.name}:2: invalid YAML: in double quotes, \\x, \\u" in (
        proc.stderr
    ), proc.stderr
    for title in ('"A\\tb"', '"On $\\\\alpha$"', "'On $\\alpha$'"):
        assert check(title).returncode == 0, title


def test_new_with_a_profile_that_fails_to_write_leaves_no_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk half-way through the import: the error is the disk's, and the folder
    `sitegen new` made is gone again, with what the import had made in it."""
    from sitegen.errors import SitegenError
    from sitegen.scaffold import new_site

    disk_full_at_write(monkeypatch, 10)
    site = tmp_path / "site"
    with pytest.raises(SitegenError, match="No space left on device"):
        new_site(site, profile=seed_profile())
    assert not site.exists()
    # Ctrl-C there too: the half-made folder was left, and `new` then refused it
    from sitegen import importer

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(importer.os, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        new_site(site, profile=seed_profile())
    assert not site.exists()


def test_new_refuses_what_it_cannot_make_and_writes_nothing(tmp_path: Path) -> None:
    """A file where the site needs a folder, a profile that cannot be imported into
    folders made for it: one line each, nothing left behind."""
    forced = tmp_path / "forced"
    forced.mkdir()
    (forced / "templates").write_text("my notes\n")
    before = snapshot(forced)
    proc = run_cli("new", forced, "--force")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr == f"{forced / 'templates'}: a file is where the site needs a folder\n"
    assert snapshot(forced) == before
    (tmp_path / "afile").write_text("x\n")
    proc = run_cli("new", tmp_path / "afile" / "site")
    assert proc.returncode == 1 and "a file is where the site needs a folder" in proc.stderr
    bad = tmp_path / "bad.txt"
    bad.write_text("not a profile\n")
    proc = run_cli("new", tmp_path / "a" / "b" / "c", "--profile", bad)
    assert proc.returncode == 2 and not (tmp_path / "a").exists(), proc.stderr


def test_keys_that_load_as_one_value_are_a_key_given_twice(fresh_site: Path) -> None:
    """`yes:` and `true:` (or `null:` and `~:`) are one key once loaded: the second would
    replace the first in silence, as a second `title:` would."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.replace("---\n", "---\nyes: 1\ntrue: 2\n", 1), encoding="utf-8")
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 1, proc.stderr
    assert "papers/" + paper.name + ":3: invalid YAML: duplicate key 'true'" in proc.stderr


@pytest.mark.parametrize("where", ["linked/bad.html", "bad.jinja"])
def test_check_parses_templates_in_linked_folders_and_of_any_name(
    fresh_site: Path, tmp_path: Path, where: str
) -> None:
    """The build's loader follows a linked templates/ folder and reads any name an include
    gives; check looked at neither, so it passed a template that stopped the build."""
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "bad.html").write_text("{{ oops }\n")
    (templates / "linked").symlink_to(shared, target_is_directory=True)
    (templates / "bad.jinja").write_text("{{ oops }\n")
    (templates / "README.md").write_text("Not a template: {% block %}\n")
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}\n'
        f'{{% block paper_extras %}}{{% if paper.slug == "x" %}}{{% include "{where}" %}}'
        "{% endif %}{% endblock %}\n"
    )
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 1
    assert f"templates/{where}:1: template error: unexpected '}}'" in proc.stderr, proc.stderr
    assert "README.md" not in proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_broken_link_a_link_loop_or_a_pipe_in_templates_is_no_template(
    fresh_site: Path,
) -> None:
    """Jinja's list_templates listed a dangling link and a named pipe, which get_source
    then could not find: check stopped at that (a machine problem), hiding every real one,
    while the build, which never uses them, succeeded. Its walk also followed a link back
    up 40 folders deep, and two such links 2**40: the build, which lists the templates for
    `fragment`, and check hung."""
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "old.html").symlink_to(fresh_site / "missing.html")
    (templates / "a").symlink_to(".", target_is_directory=True)
    (templates / "b").symlink_to(".", target_is_directory=True)
    os.mkfifo(templates / "pipe.html")
    build = run_cli("build", "--site", fresh_site, "--no-search", fresh=True, timeout=60)
    assert build.returncode == 0, build.stderr
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    _set_key(paper, "date", "2018-13-45")
    check = run_cli("check", cwd=fresh_site, fresh=True, timeout=60)
    assert check.returncode == 1
    [problem] = check.stderr.splitlines()  # the paper's, and nothing on the templates
    assert problem.startswith(f"content/papers/{paper.name}:{_line_of(paper, 'date:')}: ")
    assert "invalid date '2018-13-45'" in problem
    assert re.fullmatch(r"1 problem in 32 paper files and \d+ templates", check.stdout.strip())


def test_an_unknown_theme_is_named_at_its_line(fresh_site: Path) -> None:
    (fresh_site / "sitegen.yaml").write_text("title: X\n\ntheme: nosuch\n", encoding="utf-8")
    for command in ("check", "build"):
        proc = run_cli(command, "--site", fresh_site)
        assert proc.returncode == 1, proc.stderr
        assert f"{fresh_site / 'sitegen.yaml'}:3: theme 'nosuch' not found" in proc.stderr


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("<p>\n{{ paper.title|shout }}</p>\n", "No filter named 'shout'."),
        ("<p>\n{% if paper is shouty %}x{% endif %}</p>\n", "No test named 'shouty'."),
        (
            "{% if paper.year == 2019 %}\n{{ paper.title|shout }}{% endif %}\n",
            "No filter named 'shout'.",
        ),
        ("{% block a %}{% endblock %}\n{% block a %}{% endblock %}\n", "block 'a' defined twice"),
    ],
)
def test_check_compiles_templates_no_page_renders(
    fresh_site: Path, text: str, problem: str
) -> None:
    """check only parsed the templates, and an unknown filter or test is an error of
    compiling: a template only some pages include passed check and stopped the build."""
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "featured.html").write_text(text)
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 1, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.endswith(f"templates/featured.html:2: template error: {problem}"), line


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_check_names_a_block_that_no_template_it_extends_has(fresh_site: Path) -> None:
    """A theme hunter's: the README's own example with `paper_extras` misspelt never showed,
    and check said ok. A block inside another is the template's own (timeline_chart), and a
    parent named at run time tells nothing: neither is warned of."""
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "paper.html").write_text(
        '{% extends "default/paper.html" %}\n'
        "{% block paper_extra %}<p>Slides on request.</p>{% endblock %}\n"
        "{% block content %}{{ super() }}{% block mine %}{% endblock %}{% endblock %}\n"
    )
    (templates / "news.html").write_text(
        '{% extends ("default/" ~ "news.html") %}{% block nosuch %}{% endblock %}\n'
    )
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 0, proc.stderr
    said = [line for line in proc.stderr.splitlines() if "block" in line]
    assert said == [
        f"{templates / 'paper.html'}:2: warning: block 'paper_extra' is in no template this one"
        " extends: it never shows (did you mean 'paper_extras'?)"
    ], proc.stderr
    # an upgrade hunter's: a site base.html copied from a theme before page_head: the
    # theme's paper pages lost Google Scholar's tags, and each was blamed, not the copy
    (templates / "paper.html").unlink()
    base = (REPO / "themes" / "default" / "templates" / "base.html").read_text()
    for block in ("page_head", "page_scripts"):
        base = base.replace(f"{{% block {block} %}}{{% endblock %}}", "")
    assert "block page_head" not in base and "block page_scripts" not in base
    (templates / "base.html").write_text(base)
    # the build says it too, where no one ran check, and its no-op again
    for command in (("check",), ("build", "--no-search"), ("build", "--no-search")):
        proc = run_cli(*command, "--site", fresh_site)
        said = [line for line in proc.stderr.splitlines() if "block" in line]
        assert said == [
            f"{templates / 'base.html'}: warning: has no block {block!r}, which the theme's pages"
            f" fill: add {{% block {block} %}}{{% endblock %}} where the theme's has it (is it a"
            " copy of an older theme's?)"
            for block in ("page_head", "page_scripts")
        ], proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_full_width_comma_between_authors_is_warned_of_at_its_line(fresh_site: Path) -> None:
    """A YAML hunter's: `[Lemeng Wu， Ada Lovelace]`, typed with a Chinese input method, was
    one author with a coauthor page of its own, the owner unrecognised, and nothing said."""
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[2]
    text = paper.read_text()
    paper.write_text(
        re.sub(r"(?m)^authors:\n- ", "authors:\n- Yan Zheng， Ada Lovelace\n- ", text, count=1)
    )
    line = paper.read_text().splitlines().index("- Yan Zheng， Ada Lovelace") + 1
    for command in (("check",), ("build", "--no-search")):
        proc = run_cli(*command, "--site", fresh_site)
        assert proc.returncode == 0, proc.stderr
        assert (
            f"{paper.relative_to(fresh_site)}:{line}: warning: authors: 'Yan Zheng， Ada Lovelace'"
            " looks like two names, parted by '，': use ',' (ASCII)"
        ) in proc.stderr, proc.stderr


def test_a_papers_warnings_are_at_their_lines_beside_its_errors(fresh_site: Path) -> None:
    """A YAML hunter's: check re-reads a paper with an error as it re-writes it, and its
    warnings took that text's lines (`venu` at 9 in an 8-line file), or, for a title a
    ` #` cut short, were lost: the re-written title is quoted."""
    paper = fresh_site / "content" / "papers" / "case.md"
    paper.write_text(
        "---\ntitle: Learning with Noisy Labels #robust\ndate: 2021-03-04\n"
        "authors: [Ada Lovelace, Charles Babbage]\nfeatured: perhaps\nvenu: NeurIPS\n---\nx\n"
    )
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 1
    assert [line for line in proc.stderr.splitlines() if "case.md" in line] == [
        "content/papers/case.md:2: warning: title: ' #' starts a YAML comment, which cuts the"
        " title short: quote the title",
        "content/papers/case.md:6: warning: unknown key 'venu': did you mean 'venue'?",
        "content/papers/case.md:5: featured: must be true or false, not 'perhaps'",
    ], proc.stderr


def test_check_knows_the_builds_filters(fresh_site: Path) -> None:
    templates = fresh_site / "templates"
    templates.mkdir(exist_ok=True)
    (templates / "featured.html").write_text(
        "{{ paper.url|rel }} {{ paper.title|inline }} {{ paper.title|plain }}\n"
        "{% if paper.date is defined %}{{ paper.date|date(words, 'month') }}{% endif %}\n"
    )
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("people", "said"),
    [
        ("- name: Ann Lee\n- name: Ann Lee\n", ":2: 'Ann Lee' is listed twice: one entry a person"),
        (
            "- name: A B\n- name: C D\n  aliases: [A B]\n",
            ":2: 'A B', an alias of 'C D', is already 'A B' above: a spelling is one person's",
        ),
    ],
)
def test_a_spelling_given_twice_in_people_yaml_names_both_entries(
    tmp_path: Path, people: str, said: str
) -> None:
    """ "'A B' is also 'A B', listed above" did not say that the second was C D's alias."""
    from sitegen.content import load_people
    from sitegen.errors import SitegenError

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "people.yaml").write_text(people)
    with pytest.raises(SitegenError) as e:
        load_people(tmp_path)
    assert str(e.value) == "content/people.yaml" + said


PAPER = "content/papers/2022-neural-volumetric-mesh-generator.md"


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        # a tab: libyaml said "found character that cannot start any token"
        (lambda t: t.replace("\n- Yan Zheng", "\n\t- Yan Zheng"), "\t- Yan Zheng",
         "invalid YAML: a tab on this line: YAML indents and separates with spaces only"),
        # a no-break space (a Mac's Option+Space): the next line, and "could not find ':'"
        (lambda t: t.replace("\n- Yan Zheng", "\n-\u00a0Yan Zheng"), "-\u00a0Yan Zheng",
         "invalid YAML: a no-break space on this line: YAML separates with plain spaces only"),
        (lambda t: re.sub(r"(?m)^date: ", "date:\u00a0", t), "date:",
         "invalid YAML: a no-break space on this line: YAML separates with plain spaces only"),
        (lambda t: re.sub(r"(?m)^title: .*$", "title: [NVMG] Neural Mesh", t), "title:",
         "invalid YAML: did not find expected key (a value starting with [, {, \", *, @, %, | "
         "or ! needs quotes around it)"),
        # YAML read `&Neural` as an anchor: the title lost its first word, without a word
        (lambda t: re.sub(r"(?m)^title: .*$", "title: &Neural Mesh", t), "title:",
         "a value starting with & is a YAML anchor, which sitegen's files do not use: write the "
         "value out, in quotes if & is its text"),
        # said "authors: empty" at line 1, and the build never named the typo
        (lambda t: t.replace("\nauthors:", "\nauthor:"), "author:",
         "authors: missing; is 'author' a typo of 'authors'?"),
        # named at the key's line, a hunter had to search 3,000 names for it
        (lambda t: t.replace("\n- Yan Zheng", "\n- others"), "- others",
         "authors: 'others' is not a name: remove it and set `et_al: true`"),
        (lambda t: t.replace("\n- Yan Zheng", "\n- ''"), "- ''",
         "authors: each author is a name, not an empty line"),
        # at the line where it opens, not the end of the file (past the end, for sitegen.yaml)
        (lambda t: re.sub(r"(?m)^title: .*$", 'title: "Neural Mesh', t), "title:",
         "invalid YAML: a quote on this line is not closed (found unexpected end of stream)"),
        (lambda t: re.sub(r"(?m)^topic: .*$", "topic: [CV, LG]", t), "topic:",
         "topic: one code, not a list (a paper has one topic; use `tags` for more)"),
        # a merge left half done: "mapping values are not allowed", a line off, or (in the
        # abstract) the markers published
        (lambda t: re.sub(r"(?m)^(title: .*)$", "<<<<<<< HEAD\n\\1\n=======\n\\1 v2\n>>>>>>> b", t),
         "<<<<<<< HEAD",
         "a git conflict marker: resolve the merge (keep one side, remove the markers)"),
        (lambda t: t + "<<<<<<< HEAD\nOld.\n=======\nNew.\n>>>>>>> b\n", "<<<<<<< HEAD",
         "a git conflict marker: resolve the merge (keep one side, remove the markers)"),
        # one in a code block is shown, not left (a reviewer's report): the next one counts
        (lambda t: t + "```\n<<<<<<< HEAD\n```\n<<<<<<< ours\n", "<<<<<<< ours",
         "a git conflict marker: resolve the merge (keep one side, remove the markers)"),
        # copied from BibTeX: the value was in quotes, and the hint said to quote it
        (lambda t: re.sub(r"(?m)^title: .*$", r'title: "Grow \\& Prune"', t), "title:",
         "invalid YAML: in double quotes, a backslash starts an escape (BibTeX's \\& or \\% is "
         "none): put the text in single quotes, or write the backslash twice"),
    ],
)  # fmt: skip
def test_a_newcomers_slip_in_a_paper_says_how_to_fix_it(
    fresh_site: Path, edit: Any, key: str, message: str
) -> None:
    """A hunter's first hour: each of these gave a message that did not say what was wrong
    or what to do, or none."""
    paper = fresh_site / PAPER
    paper.write_text(edit(paper.read_text()))
    want = f"{PAPER}:{_line_of(paper, key)}: {message}"
    for command in ("check", "build"):
        proc = run_cli(command, "--site", ".", cwd=fresh_site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert want in proc.stderr.splitlines() or f"error: {want}" in proc.stderr, proc.stderr


def test_a_slip_in_profile_or_people_yaml_is_named_at_its_line(fresh_site: Path) -> None:
    profile = fresh_site / "content" / "profile.yaml"
    profile.write_text(profile.read_text() + "afiliation: MIT\n")  # was kept, and shown nowhere
    warning = f"content/profile.yaml:{_line_of(profile, 'afiliation')}: warning: unknown key "
    proc = run_cli("check", "--site", ".", cwd=fresh_site, check=True)  # the build's loader
    assert warning + "'afiliation': did you mean 'affiliation'?" in proc.stderr, proc.stderr
    people = fresh_site / "content" / "people.yaml"
    people.write_text("- name: Yan Zheng\n  alias: [Y. Zheng]\n")  # at the key's line, hinted
    proc = run_cli("build", "--site", ".", cwd=fresh_site)
    assert proc.stderr.endswith(
        "content/people.yaml:2: unknown key 'alias': did you mean 'aliases'?\n"
    ), proc.stderr
    # the owner's name as another's alias made him the owner, bold on every paper
    people.write_text("- name: Xingchao Liu\n  aliases: [Lemeng Wu]\n")
    for command in ("check", "build"):
        proc = run_cli(command, "--site", ".", cwd=fresh_site)
        assert proc.returncode == 1, proc.stderr
        assert (
            "content/people.yaml:1: 'Lemeng Wu', profile.yaml's name, is an alias of 'Xingchao "
            "Liu': mark the entry `owner: true` if it is you, or else remove the alias"
        ) in proc.stderr


@pytest.mark.parametrize("command", ["import", "build", "check"])
def test_a_sites_content_folder_is_not_taken_for_a_site(fresh_site: Path, command: str) -> None:
    """`sitegen import` run inside content/ made content/content/, a second site, and
    build there said to run an import."""
    before = snapshot(fresh_site)
    args = [str(SEED)] if command == "import" else []
    proc = run_cli(command, *args, cwd=fresh_site / "content")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    site = fresh_site.resolve()
    assert proc.stderr == (
        f"error: this folder is a site's content/ folder: run sitegen in {site}, "
        f"or pass --site {site}\n"
    )
    assert snapshot(fresh_site) == before
    # a hunter's: from content/papers/ (or templates/) an import made content/papers/content/
    (fresh_site / "templates").mkdir(exist_ok=True)
    for inside in ("content/papers", "templates"):
        proc = run_cli(command, *args, cwd=fresh_site / inside)
        folder = inside.split("/")[0]
        assert proc.returncode == 1 and proc.stderr == (
            f"error: this folder is in the {folder}/ folder of a site: run sitegen in {site}, "
            f"or pass --site {site}\n"
        )
    assert snapshot(fresh_site) == {**before, "templates/": (b"", 0)}


def test_new_quotes_the_commands_it_suggests(tmp_path: Path) -> None:
    proc = run_cli("new", "my site", cwd=tmp_path, check=True)
    assert "  sitegen build --site 'my site'" in proc.stdout.splitlines()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("base-url: https://example.org/", "unknown key 'base-url': did you mean 'base_url'?"),
        # "must be a whole number from 0 to 100", of an 8
        ('home_papers: "8"', "home_papers: must be a number, not text: write 8 without quotes"),
        # Norwegian: "must be a non-empty string"
        ("language: no", "language: YAML reads no as false: write the tag in quotes, such as 'no'"),
    ],
)
def test_a_slip_in_sitegen_yaml_says_how_to_fix_it(
    fresh_site: Path, setting: str, message: str
) -> None:
    (fresh_site / "sitegen.yaml").write_text(f"title: T\n{setting}\n")
    for command in ("check", "build"):
        proc = run_cli(command, "--site", ".", cwd=fresh_site)
        assert proc.returncode == 1 and f"sitegen.yaml:2: {message}" in proc.stderr, proc.stderr


def test_more_first_hour_slips_say_what_to_do(fresh_site: Path) -> None:
    """A hunter's: an empty front matter was 'must be a mapping'; Notepad's UTF-16 'not UTF-8
    text' at a line that meant nothing; a theme typo did not list the themes; a site's
    base.html that extends base.html was a bare loop."""
    paper = fresh_site / PAPER
    text = paper.read_text()
    paper.write_text("---\n---\nBody.\n")
    proc = run_cli("check", "--site", fresh_site)
    for key in ("title", "date", "authors"):
        assert f"{PAPER}:1: {key}: " in proc.stderr, proc.stderr
    paper.write_bytes(text.encode("utf-16"))
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert proc.stderr.endswith(f"{PAPER}: UTF-16 text: save it as UTF-8\n"), proc.stderr
    paper.write_text(text)
    (fresh_site / "sitegen.yaml").write_text("theme: nosuch\n")
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert "theme 'nosuch' not found (looked in" in proc.stderr
    assert proc.stderr.endswith(" and the built-in themes: default)\n"), proc.stderr
    (fresh_site / "sitegen.yaml").unlink()
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "base.html").write_text('{% extends "base.html" %}\n')
    proc = run_cli("build", "--site", fresh_site, "--no-search")
    assert (
        "templates/base.html:1: template error: templates or macros include or call each other "
        'in a loop, or nest too deep (it extends itself: write {% extends "default/base.html" %}'
        " for the theme's)"
    ) in proc.stderr, proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_site_template_in_the_wrong_case_is_said_to_be_unused(fresh_site: Path) -> None:
    """A hunter's: templates/Paper.html was used on macOS's disk, which ignores case, and
    silently not on the host that deploys the site."""
    (fresh_site / "templates").mkdir()
    (fresh_site / "templates" / "Paper.html").write_text('{% extends "default/paper.html" %}\n')
    said = "templates/Paper.html: warning: not used: the theme's template is paper.html"
    for command, *extra in (("build", "--no-search"), ("check",)):
        proc = run_cli(command, "--site", ".", *extra, cwd=fresh_site, check=True)
        assert said in proc.stderr, proc.stderr


def test_a_sites_folder_or_file_in_the_wrong_case_is_said_not_to_be_read(
    fresh_site: Path,
) -> None:
    """A hunter's: content/News/, Root/ (the CNAME: the custom domain), SiteGen.yaml (every
    setting) and the like work on a disk that ignores case, and vanished on the host."""
    (fresh_site / "content" / "News").mkdir()
    (fresh_site / "content" / "News" / "a.md").write_text("---\ndate: 2024-01-01\n---\nHi.\n")
    (fresh_site / "Root").mkdir()
    (fresh_site / "SiteGen.yaml").write_text("title: Mine\n")  # and no sitegen.yaml
    for command, *extra in (("build", "--no-search"), ("check",)):
        proc = run_cli(command, "--site", ".", *extra, cwd=fresh_site, check=True)
        for slip, name in (("content/News", "news"), ("Root", "root")):
            said = f"{slip}: warning: not read: sitegen reads {name} (names are case-sensitive)"
            assert said in proc.stderr, proc.stderr
        assert "SiteGen.yaml: warning: not read: sitegen reads sitegen.yaml" in proc.stderr
    (fresh_site / "content" / "papers").rename(fresh_site / "content" / "Papers")
    proc = run_cli("build", "--site", ".", cwd=fresh_site)
    assert (
        proc.returncode == 1 and "rename content/Papers (names are case-sensitive)" in proc.stderr
    )


def test_a_pipe_among_the_news_is_one_problem_of_a_full_report(fresh_site: Path) -> None:
    """A hunter's: a named pipe at content/news/n.md stopped check at that one error,
    with no summary line and the other files unchecked."""
    (fresh_site / "content" / "news").mkdir()
    os.mkfifo(fresh_site / "content" / "news" / "n.md")
    paper = sorted((fresh_site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("---\n", "---\ndate: never\n", 1))
    proc = run_cli("check", "--site", fresh_site)
    assert proc.returncode == 1 and "named pipe" in proc.stderr
    assert "duplicate key" in proc.stderr and proc.stdout.startswith("2 problems"), proc.stdout


@pytest.mark.slow  # an import and a build: about a second
def test_new_with_force_completes_a_site_whose_content_is_there(tmp_path: Path) -> None:
    """A year-of-imports hunter's: after a killed `sitegen new --profile`, `new --force
    --profile` answered "the folder already has content/: import the profile into it with
    sitegen import ...", and doing so left a site without sitegen.yaml, .gitignore or
    netlify.toml. It writes them beside content/, which it leaves as it is (an import
    would rewrite profile.yaml: --force never overwrites), and names the import to run."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Keep Me\nfield: My field\n")
    content = snapshot(site / "content")
    proc = run_cli("new", site, "--force", "--profile", seed_profile(), "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    for name in ("sitegen.yaml", ".gitignore", "netlify.toml", "requirements.txt"):
        assert (site / name).is_file(), name
    assert snapshot(site / "content") == content
    lines = proc.stdout.splitlines()
    assert "kept content/ (exists): the profile was not imported into it" in lines
    assert f"  sitegen import {seed_profile()} --site {site}" in lines
    run_cli("import", seed_profile(), "--site", site, "--as-of", AS_OF, check=True)
    run_cli("build", "--site", site, "--no-search", check=True)
