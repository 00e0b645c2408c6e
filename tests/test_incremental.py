"""Incremental builds: they must write exactly what changed and equal a cold build.

Every test runs the real CLI. "Written" is observed on disk: a file the build
replaced has a new inode, a file it left alone keeps its inode and mtime. The
reference for correctness is always a cold build (`--no-cache`) of the same
content into another folder, compared byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from conftest import AS_OF, BASE_URL, MAKE_PROFILE, run_cli
from hypothesis import example, given, settings
from hypothesis import strategies as st

Snapshot = dict[str, tuple[int, int]]


def snapshot(out: Path) -> Snapshot:
    """rel path -> (inode, mtime_ns) of every file in the output."""
    found = {}
    for root, _, files in os.walk(out):
        for name in files:
            p = Path(root) / name
            st = p.stat()
            found[p.relative_to(out).as_posix()] = (st.st_ino, st.st_mtime_ns)
    return found


def changed(before: Snapshot, after: Snapshot) -> set[str]:
    """Files added, removed or replaced between two snapshots."""
    keys = before.keys() | after.keys()
    return {k for k in keys if before.get(k) != after.get(k)}


def assert_only_changes_written(
    before: Snapshot, after: Snapshot, old: dict[str, bytes], new: dict[str, bytes]
) -> set[str]:
    """A file is replaced if and only if its bytes changed; returns those files."""
    written = {k for k in changed(before, after) if not k.startswith("pagefind/")}
    differ = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert written == differ, sorted(written ^ differ)
    return written


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "pagefind" not in p.relative_to(root).parts
    }


def build(site: Path, *extra: str) -> str:
    proc = run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    return proc.stdout


def assert_same_as_cold(site: Path, tmp: Path) -> None:
    """The incremental output equals a from-scratch build of the same content."""
    cold = tmp / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    build(site, "--output", cold, "--no-cache")
    incremental, reference = tree_bytes(site / "output"), tree_bytes(cold)
    assert incremental.keys() == reference.keys(), incremental.keys() ^ reference.keys()
    different = [k for k in reference if incremental[k] != reference[k]]
    assert not different, different[:10]


def age_inputs(site: Path, seconds: int = 60) -> None:
    """Date every input back, as if edited long ago: lets the stat-only fast path apply."""
    past = time.time() - seconds
    for p in site.rglob("*"):
        if p.is_file() and ".sitegen-cache" not in p.parts and "output" not in p.parts:
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
    text = path.read_text()
    head, _, _ = text.partition("\n---\n")
    path.write_text(head + "\n---\n" + body + "\n")


def front(path: Path, key: str) -> str:
    m = re.search(rf"(?m)^{key}: (.*)$", path.read_text())
    assert m, key
    return m.group(1)


def slug(path: Path) -> str:
    return path.stem


@pytest.fixture
def built_site(fresh_site: Path) -> Path:
    age_inputs(fresh_site)
    build(fresh_site)
    return fresh_site


# ---------------------------------------------------------------- no change, no write


def test_noop_build_writes_nothing(built_site: Path) -> None:
    out = built_site / "output"
    before = snapshot(out)
    out_inode = out.stat().st_ino
    stdout = build(built_site)
    assert "nothing changed" in stdout
    assert snapshot(out) == before
    assert out.stat().st_ino == out_inode
    assert not [p for p in built_site.iterdir() if p.name.startswith(".output")]


def test_touched_but_unchanged_file_writes_nothing(built_site: Path) -> None:
    out = built_site / "output"
    before = snapshot(out)
    paper_files(built_site)[0].touch()  # new mtime, same bytes
    assert "nothing changed" in build(built_site)
    assert snapshot(out) == before


# ---------------------------------------------------------------- one edit, exactly its pages


def test_abstract_edit_rewrites_only_what_shows_the_abstract(
    built_site: Path, tmp_path: Path
) -> None:
    out = built_site / "output"
    paper = paper_files(built_site)[5]
    before, old = snapshot(out), tree_bytes(out)
    set_abstract(paper, "A rewritten abstract about $x^2$ and *splitting*.")
    build(built_site)
    written = assert_only_changes_written(before, snapshot(out), old, tree_bytes(out))
    me = slug(paper)
    assert f"papers/{me}/index.html" in written
    # the abstract shows on its own page, in feeds and citation files, and moves
    # related-paper lists (text similarity); list pages never show it
    for rel in written:
        assert rel.startswith(("papers/", "publications.")) or rel.endswith(
            ("feed.xml", "atom.xml")
        ), rel
    for rel in ("timeline/index.html", "index.html", "coauthors/index.html"):
        assert rel not in written
    assert not any(re.fullmatch(r"(topics|coauthors)/[^/]+/index\.html", r) for r in written)
    assert_same_as_cold(built_site, tmp_path)


def test_title_edit_rewrites_the_lists_that_show_it(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    papers = paper_files(built_site)
    paper = papers[10]
    topic = (
        json.loads(front(paper, "topic"))
        if front(paper, "topic").startswith('"')
        else front(paper, "topic")
    )
    before, old = snapshot(out), tree_bytes(out)
    set_field(paper, "title", "A Completely New Title for Testing")
    build(built_site)
    written = assert_only_changes_written(before, snapshot(out), old, tree_bytes(out))
    assert f"papers/{slug(paper)}/index.html" in written
    assert "timeline/index.html" in written
    assert f"topics/{topic.lower()}/index.html" in written
    # pages that never show this paper's title are left alone
    untouched = [
        f"papers/{slug(p)}/index.html"
        for p in papers
        if f"papers/{slug(p)}/index.html" not in written
    ]
    assert len(untouched) >= len(papers) // 2, sorted(written)
    assert "404.html" not in written
    assert_same_as_cold(built_site, tmp_path)


# ---------------------------------------------------------------- templates


def test_template_edit_rewrites_only_pages_using_it(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    before = snapshot(out)
    theme = Path(__file__).resolve().parent.parent / "themes" / "default" / "templates"
    override = built_site / "templates"
    override.mkdir()
    text = (theme / "topic.html").read_text()
    (override / "topic.html").write_text(
        text.replace("{% block content %}", "{% block content %}\n<!-- mine -->", 1)
    )
    build(built_site)
    written = changed(before, snapshot(out))
    topic_pages = {rel for rel in before if re.fullmatch(r"(topics|tags)/[^/]+/index\.html", rel)}
    assert written == topic_pages, sorted(written ^ topic_pages)
    assert all("<!-- mine -->" in (out / rel).read_text() for rel in written)

    # the macros are imported by every list page: editing them reaches those, not the 404 page
    before = snapshot(out)
    macros = (theme / "_macros.html").read_text()
    (override / "_macros.html").write_text(
        macros.replace('class="paper-title"', 'class="paper-title x"')
    )
    build(built_site)
    written = changed(before, snapshot(out))
    assert "timeline/index.html" in written
    assert "404.html" not in written
    assert not any(rel.endswith((".xml", ".bib", ".ris", ".json")) for rel in written), written
    assert_same_as_cold(built_site, tmp_path)


# ---------------------------------------------------------------- a series of edits


def test_series_of_edits_equals_cold_build(built_site: Path, tmp_path: Path) -> None:
    papers = paper_files(built_site)
    steps = [
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
    # and back: removing the people file and the override config
    (built_site / "content" / "people.yaml").unlink()
    (built_site / "sitegen.yaml").unlink()
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


# ---------------------------------------------------------------- robustness


def test_corrupt_cache_means_a_cold_build(built_site: Path, tmp_path: Path) -> None:
    cache = built_site / ".sitegen-cache"
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert files
    for p in files:
        p.write_bytes(b"\x00garbage" * (len(files) % 7 + 1))
    set_field(paper_files(built_site)[0], "title", "After the cache broke")
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


def test_missing_output_or_cache_means_a_cold_build(built_site: Path, tmp_path: Path) -> None:
    shutil.rmtree(built_site / "output")
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)
    shutil.rmtree(built_site / ".sitegen-cache")
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


def test_interrupted_commit_is_repaired(built_site: Path, tmp_path: Path) -> None:
    """A journal left by a crash mid-commit makes the next build start from scratch."""
    journals = list((built_site / ".sitegen-cache").glob("out-*/"))
    assert journals
    for d in journals:
        (d / "commit-in-progress").write_bytes(b"")
    page = built_site / "output" / "timeline" / "index.html"
    page.write_text("half-written")
    build(built_site)
    assert page.read_text() != "half-written"
    assert_same_as_cold(built_site, tmp_path)


def test_failed_incremental_build_changes_nothing(built_site: Path, tmp_path: Path) -> None:
    out = built_site / "output"
    before = snapshot(out)
    good, bad = paper_files(built_site)[:2]
    set_field(good, "title", "A fine edit")
    bad.write_text(bad.read_text().replace("title:", "title: [unclosed", 1))
    proc = run_cli("build", "--site", built_site, "--base-url", BASE_URL, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert snapshot(out) == before
    assert not [p for p in built_site.iterdir() if p.name.startswith(".output")]
    bad.write_text(bad.read_text().replace("title: [unclosed", "title:", 1))
    build(built_site)
    assert_same_as_cold(built_site, tmp_path)


def test_warnings_are_repeated_by_a_noop_build(fresh_site: Path) -> None:
    age_inputs(fresh_site)
    first = run_cli("build", "--site", fresh_site, "--no-search")
    second = run_cli("build", "--site", fresh_site, "--no-search")
    assert "nothing changed" in second.stdout
    assert first.stderr == second.stderr
    assert "no base URL" in second.stderr


# ---------------------------------------------------------------- parallel and memoised rendering


@pytest.mark.slow
def test_parallel_and_memoised_output_equals_serial(tmp_path: Path) -> None:
    """Processes and macro memoisation are optimisations: the bytes must not change."""
    import subprocess
    import sys

    profile = tmp_path / "p.txt"
    subprocess.run(
        [sys.executable, MAKE_PROFILE, "--papers", "400", "--seed", "3", "--out", profile],
        check=True,
    )
    site = tmp_path / "site"
    site.mkdir()
    run_cli("import", profile, "--site", site, "--as-of", AS_OF, check=True)
    outputs = {}
    for name, args, env in (
        ("parallel", ("--jobs", "2"), {}),
        ("serial", ("--jobs", "1"), {}),
        ("plain", ("--jobs", "1"), {"SITEGEN_NO_MEMO": "1"}),
    ):
        out = tmp_path / name
        proc = run_cli(
            "build", "--site", site, "--output", out, "--base-url", BASE_URL, "--no-search",
            "--no-cache", *args, env=env,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        outputs[name] = tree_bytes(out)
    assert outputs["parallel"].keys() == outputs["serial"].keys() == outputs["plain"].keys()
    assert outputs["parallel"] == outputs["serial"]
    assert outputs["serial"] == outputs["plain"]

    # the build's cached citation keys are cite's own, duplicates and suffixes included
    from sitegen import build, cite
    from sitegen.cache import Derived
    from sitegen.deps import Fingerprints

    site_data = build.load_site(site).site
    keys = build._citation_keys(
        site_data.papers, Derived(tmp_path / "derived", read=False), Fingerprints(site_data, {})
    )
    assert keys == cite.citation_keys(site_data.papers)
    assert len(set(keys.values())) == len(keys)


# ---------------------------------------------------------------- the fast front matter reader

_YAML_WORDS = st.sampled_from(
    ["null", "~", "true", "False", "yes", "NO", "on", "Off", "[]", "2024-02-30", "2024-1-5",
     "2023-07-19", "1.5", "0x1F", "+1", ".inf", "12:30", "- a", "a: b", "a #c", "a#c",
     "<<", "=", "!tag", "&a", "*a", "|", ">", "%x", "@x", "`x`", "'it''s'", "'a'b'",
     '"q"', '"a"b"', '"\\u00e9"', "tRUE", "Null", "é ü ß", "x:y", "x:", "x: ", "  x",
     "a\tb", "a\u2028b", "a\x85b", "Ünïcödé title", "C++ and C#", "50% off", "[a, b]", "{a: b}"]
)  # fmt: skip
_SCALARS = st.one_of(_YAML_WORDS, st.text(min_size=0, max_size=12))


@st.composite
def _front_matter(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        key = draw(st.sampled_from(["title", "date", "on", "y", "tags", "authors", "code_url"]))
        if draw(st.booleans()):
            lines.append(f"{key}:{draw(st.sampled_from(['', ' ', '  ']))}")
            for _ in range(draw(st.integers(0, 3))):
                lines.append(f"{draw(st.sampled_from(['- ', '-', '  - ']))}{draw(_SCALARS)}")
        else:
            lines.append(f"{key}: {draw(_SCALARS)}")
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None)
@given(_front_matter())
@example('title: "$O(\\\\log n)$ \\u00e9"\n')
@example("title: 'it''s'\nauthors:\n- A\n- 'B'\ntags: []\ncode_url:\n")
def test_fast_front_matter_reads_what_pyyaml_reads(text: str) -> None:
    import yaml

    from sitegen.content import simple_front_matter

    fast = simple_front_matter(text)
    if fast is None:
        return  # not in the subset: PyYAML decides
    assert fast == yaml.safe_load(text), text
    assert [type(v) for v in fast.values()] == [type(v) for v in yaml.safe_load(text).values()]


def test_fast_front_matter_covers_imported_papers(fresh_site: Path) -> None:
    import yaml

    from sitegen.content import simple_front_matter, split_front_matter

    taken = 0
    for path in paper_files(fresh_site):
        front, _, _ = split_front_matter(path.read_text(), str(path))
        fast = simple_front_matter(front)
        if fast is not None:
            taken += 1
            assert fast == yaml.safe_load(front)
    assert taken >= len(paper_files(fresh_site)) * 0.9  # the point: most never reach PyYAML


_NESTED = st.recursive(
    st.text(max_size=6) | st.none() | st.integers(-3, 3),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(a=_NESTED, b=_NESTED)
@example(a=["a,sb"], b=["a", "b"])  # a separator alone would spell these alike
@example(a=["a\x1fsb"], b=["a", "b"])
@example(a=["a)(1:sb"], b=["a", "b"])
@example(a=["", ""], b=[""])
@example(a=[["x"], "y"], b=[["x", "y"]])
def test_page_values_fingerprint_apart(a: object, b: object) -> None:
    """A page's key spells out the short lists it holds instead of hashing each:
    two different values must still never spell the same (or an edit could be
    skipped as unchanged)."""
    from sitegen.deps import EVERYTHING, Fingerprints

    def normal(v: object) -> object:  # what the fingerprint sees: lists as tuples
        return tuple(normal(x) for x in v) if isinstance(v, (list, tuple)) else v

    fps = Fingerprints(None, {})  # type: ignore[arg-type]  # plain values never reach the site
    if normal(a) != normal(b):
        assert fps.value(a, EVERYTHING) != fps.value(b, EVERYTHING)
    else:
        assert fps.value(a, EVERYTHING) == fps.value(b, EVERYTHING)
